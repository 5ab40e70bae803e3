package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeyLen) }

// filesHold says whether any file of the outbox holds s.
func filesHold(t *testing.T, dir, s string) bool {
	t.Helper()
	found := false
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(s)) {
				found = true
			}
		}
		return nil
	})
	return found
}

func TestSealedAtRest(t *testing.T) {
	dir := t.TempDir()
	key := func(o *Options) { o.Key = testKey(7) }
	b := open(t, dir, key)
	for range 5 {
		if _, err := b.Append(txEvent()); err != nil {
			t.Fatal(err)
		}
	}
	recs := next(t, b, 0, 10)
	if len(recs) != 5 {
		t.Fatalf("%d records", len(recs))
	}
	var ev wire.Event
	if err := json.Unmarshal(recs[0].Data, &ev); err != nil || ev.Transaction == nil || ev.Transaction.Holder.Surname != "ERIKSSON" {
		t.Fatalf("record 1 does not open to the event: %v %s", err, recs[0].Data)
	}
	b.Close()
	for _, s := range []string{"ERIKSSON", "L898902C3", "1974-08-12", "transaction.completed"} {
		if filesHold(t, dir, s) {
			t.Errorf("%q is on disk in clear", s)
		}
	}

	// Reopened with the key: every event back, in order.
	b = open(t, dir, key)
	if recs := next(t, b, 0, 10); len(recs) != 5 || recs[4].Seq != 5 {
		t.Fatalf("after reopening: %d records", len(recs))
	}
	b.Close()

	// Without the key, or with another: an error, never sealed bytes published.
	for name, mod := range map[string]func(*Options){"no key": func(*Options) {}, "another key": func(o *Options) { o.Key = testKey(8) }} {
		b = open(t, dir, mod)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		recs, err := b.Next(ctx, 0, 10)
		cancel()
		if !errors.Is(err, ErrKey) || len(recs) != 0 {
			t.Errorf("%s: %d records, %v; want ErrKey", name, len(recs), err)
		}
		b.Close()
	}
}

// Turning encryption on keeps the events written before: they are read as
// they are, and the new ones are sealed.
func TestKeyAddedLater(t *testing.T) {
	dir := t.TempDir()
	b := open(t, dir)
	b.Append(txEvent())
	b.Close()
	b = open(t, dir, func(o *Options) { o.Key = testKey(1) })
	defer b.Close()
	b.Append(txEvent())
	recs := next(t, b, 0, 10)
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	for _, r := range recs {
		if !json.Valid(r.Data) {
			t.Errorf("seq %d: %q", r.Seq, r.Data)
		}
	}
}

// A sealed record is bound to its seq: moved to another, it does not open.
func TestSealBoundToSeq(t *testing.T) {
	a, err := newAEAD(testKey(3))
	if err != nil {
		t.Fatal(err)
	}
	s := sealRecord(a, 7, []byte(`{"x":1}`))
	if got, err := openRecord(a, 7, s); err != nil || string(got) != `{"x":1}` {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := openRecord(a, 8, s); !errors.Is(err, ErrKey) {
		t.Errorf("opened under another seq: %v", err)
	}
	s[len(s)-1] ^= 1
	if _, err := openRecord(a, 7, s); !errors.Is(err, ErrKey) {
		t.Errorf("a changed byte opened: %v", err)
	}
	if _, err := newAEAD([]byte("short")); err == nil {
		t.Error("a 5-byte key accepted")
	}
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, mode)
		os.Chmod(p, mode)
		return p
	}
	raw := testKey(9)
	for name, p := range map[string]string{
		"new": write("new", NewKey(), 0o400),
		"raw": write("raw", raw, 0o600),
		"hex": write("hex", []byte("0909090909090909090909090909090909090909090909090909090909090909\n"), 0o400),
	} {
		k, err := LoadKey(p)
		if err != nil || len(k) != KeyLen {
			t.Errorf("%s: %d bytes, %v", name, len(k), err)
		}
	}
	for name, c := range map[string]struct {
		p    string
		want string
	}{
		"open to others": {write("world", NewKey(), 0o644), "readable by others"},
		"short":          {write("short", []byte("c2hvcnQ="), 0o400), "want 32 bytes"},
		"missing":        {filepath.Join(dir, "none"), "no such file"},
	} {
		if _, err := LoadKey(c.p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}
