package atrest

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

func TestDeriveSeparatesStores(t *testing.T) {
	root := bytes.Repeat([]byte{7}, KeyLen)
	seen := map[string]string{string(root): "the storage key"}
	for _, l := range []string{LabelAuthzFiles, LabelAuthzFileCheck, LabelSpool} {
		k, err := Derive(root, l)
		if err != nil || len(k) != KeyLen {
			t.Fatalf("%s: %v (%d bytes)", l, err, len(k))
		}
		if o, dup := seen[string(k)]; dup {
			t.Errorf("%s gives the key of %s", l, o)
		}
		seen[string(k)] = l
	}
	if _, err := Derive(root[:16], LabelSpool); err == nil {
		t.Error("a 16-byte storage key was taken")
	}
}

func TestSealOpen(t *testing.T) {
	k, _ := Derive(bytes.Repeat([]byte{1}, KeyLen), LabelSpool)
	a, _ := NewAEAD(k)
	k2, _ := Derive(bytes.Repeat([]byte{2}, KeyLen), LabelSpool)
	other, _ := NewAEAD(k2)
	var ns Nonces
	s := Seal(nil, a, &ns, []byte("MUSTERMANN"), []byte("key-1"))
	if bytes.Contains(s, []byte("MUSTERMANN")) || len(s) != len("MUSTERMANN")+Overhead {
		t.Fatalf("sealed %q", s)
	}
	if p, err := Open(nil, a, s, []byte("key-1")); err != nil || string(p) != "MUSTERMANN" {
		t.Fatalf("open: %q %v", p, err)
	}
	for name, f := range map[string]func() error{
		"another ad":  func() error { _, err := Open(nil, a, s, []byte("key-2")); return err },
		"another key": func() error { _, err := Open(nil, other, s, []byte("key-1")); return err },
		"short":       func() error { _, err := Open(nil, a, s[:10], []byte("key-1")); return err },
	} {
		if err := f(); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: %v, want ErrOpen", name, err)
		}
	}
	seen := map[[NonceLen]byte]bool{}
	for i := 0; i < 2000; i++ {
		var n [NonceLen]byte
		ns.Next(n[:])
		if seen[n] {
			t.Fatal("a nonce came twice")
		}
		seen[n] = true
	}
}

func TestStream(t *testing.T) {
	k, _ := Derive(bytes.Repeat([]byte{3}, KeyLen), LabelSpool)
	a, _ := NewAEAD(k)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 1000, StreamChunk - 1, StreamChunk, StreamChunk + 1, 3*StreamChunk + 17} {
		plain := make([]byte, size)
		for i := range plain {
			plain[i] = byte(rng.IntN(256))
		}
		copy(plain, "%PDF-1.7 MUSTERMANN")
		var sealed bytes.Buffer
		w := NewStreamWriter(&sealed, a, []byte("name.pdf"))
		// written in odd pieces
		for p := plain; len(p) > 0; {
			n := min(len(p), 1+rng.IntN(StreamChunk+100))
			if _, err := w.Write(p[:n]); err != nil {
				t.Fatal(err)
			}
			p = p[n:]
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if !IsStream(sealed.Bytes()) || (size > 20 && bytes.Contains(sealed.Bytes(), []byte("MUSTERMANN"))) {
			t.Fatalf("%d bytes: not sealed", size)
		}
		got, err := io.ReadAll(NewStreamReader(bytes.NewReader(sealed.Bytes()), a, []byte("name.pdf")))
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("%d bytes: read %d, %v", size, len(got), err)
		}
		if _, err := io.ReadAll(NewStreamReader(bytes.NewReader(sealed.Bytes()), a, []byte("other.pdf"))); !errors.Is(err, ErrOpen) {
			t.Errorf("%d bytes under another name: %v", size, err)
		}
		// Cut at a chunk boundary: the last whole chunk is not the final one.
		if size > StreamChunk {
			cut := sealed.Bytes()[:4+streamPrefix+StreamChunk+TagLen]
			if _, err := io.ReadAll(NewStreamReader(bytes.NewReader(cut), a, []byte("name.pdf"))); !errors.Is(err, ErrOpen) {
				t.Errorf("%d bytes cut short: %v", size, err)
			}
		}
	}
	if _, err := io.ReadAll(NewStreamReader(bytes.NewReader([]byte("%PDF-1.7 plain")), a, nil)); !errors.Is(err, ErrOpen) {
		t.Errorf("a plain file read as sealed: %v", err)
	}
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "storage.key")
	os.WriteFile(p, NewKey(), 0o400)
	if k, err := LoadKey(p); err != nil || len(k) != KeyLen {
		t.Fatalf("%v (%d bytes)", err, len(k))
	}
	os.Chmod(p, 0o644)
	if _, err := LoadKey(p); err == nil {
		t.Error("a key others can read was taken")
	}
}
