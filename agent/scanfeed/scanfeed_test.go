package scanfeed

import (
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

type kiosk struct {
	mu   sync.Mutex
	got  []string
	fail error
}

func (k *kiosk) Document(lines []string, source string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.got = append(k.got, fmt.Sprintf("document %s %v", source, lines))
	return k.fail
}

func (k *kiosk) Letter(text string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.got = append(k.got, "letter "+text)
	return k.fail
}

var (
	valid   = []string{"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"}
	invalid = []string{"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C37UTO7408122F1204159ZE184226B<<<<<10"}
	letter1 = wire.LetterPrefix + "one"
	letter2 = wire.LetterPrefix + "two"
)

func TestDeliver(t *testing.T) {
	for _, c := range []struct {
		name string
		scan Scan
		want []string
	}{
		{"a passport page", Scan{ID: "1", Kind: "passport", Passport: valid, Pages: []Page{{Found: true, Lines: valid}}},
			[]string{"document scanner " + fmt.Sprint(valid)}},
		{"the valid page, not an invalid one before it", Scan{ID: "2", Passport: valid, Pages: []Page{{Found: true, Lines: invalid}, {Found: true, Lines: valid}}},
			[]string{"document scanner " + fmt.Sprint(valid)}},
		{"an invalid MRZ goes as read, once", Scan{ID: "3", Pages: []Page{{}, {Found: true, Lines: invalid}, {Found: true, Lines: invalid}}},
			[]string{"document scanner " + fmt.Sprint(invalid)}},
		{"the first letter only, before the document", Scan{ID: "4", Passport: valid, Pages: []Page{{QR: []string{"https://example.org", letter1}}, {QR: []string{letter2}}}},
			[]string{"letter " + letter1, "document scanner " + fmt.Sprint(valid)}},
		{"a QR code that is no letter is not handed on", Scan{ID: "5", Kind: "qr", Pages: []Page{{QR: []string{"WIFI:S:kiosk;;"}}}}, nil},
		{"found with no lines is nothing", Scan{ID: "6", Kind: "none", Pages: []Page{{Found: true}}}, nil},
	} {
		k := &kiosk{}
		if !New(k, nil).Deliver(c.scan) {
			t.Errorf("%s: not delivered", c.name)
		}
		if !reflect.DeepEqual(k.got, c.want) {
			t.Errorf("%s: kiosk got %q, want %q", c.name, k.got, c.want)
		}
	}
}

// The spool delivers at least once: the same file again is dropped, even
// when the kiosk refused it the first time.
func TestDeliverOnce(t *testing.T) {
	k := &kiosk{fail: fmt.Errorf("busy")}
	f := New(k, nil)
	s := Scan{ID: "a", Passport: valid, Pages: []Page{{QR: []string{letter1}}}}
	if !f.Deliver(s) {
		t.Fatal("first delivery dropped")
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); f.Deliver(s) }()
	}
	wg.Wait()
	if f.Deliver(s) {
		t.Error("a file delivered twice")
	}
	if len(k.got) != 2 {
		t.Errorf("kiosk got %q, want one letter and one document", k.got)
	}
	if !f.Deliver(Scan{ID: "b", Passport: valid}) || len(k.got) != 3 {
		t.Errorf("another file dropped: %q", k.got)
	}
}
