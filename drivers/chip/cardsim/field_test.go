package cardsim

import (
	"context"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
)

// A chip source waits for a chip put in the field later, and times out
// as a reader does when none comes.
func TestField(t *testing.T) {
	var f Field
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, _, err := f.Card(ctx); drivers.CodeOf(err) != drivers.CodeTimeout {
		t.Fatalf("empty field: %v, want a timeout", err)
	}
	c := &Card{Files: map[uint16][]byte{}}
	got := make(chan any, 1)
	go func() {
		tr, done, err := f.Card(context.Background())
		if err != nil {
			got <- err
			return
		}
		done()
		got <- tr
	}()
	time.Sleep(10 * time.Millisecond)
	f.Put(c)
	select {
	case v := <-got:
		if v != any(c) {
			t.Fatalf("Card gave %v, want the chip put in the field", v)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Card did not wake when a chip was put in the field")
	}
	if f.InField() != c {
		t.Fatal("InField is not the chip put there")
	}
	f.Put(nil)
	if f.InField() != nil {
		t.Fatal("the field was not emptied")
	}
}
