package mrzdoc_test

import (
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/decide"
	"github.com/xpt-pilot/xpt-kiosk/agent/mrzdoc"
	"github.com/xpt-pilot/xpt-kiosk/mrz"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

func TestOf(t *testing.T) {
	today := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	zone := func(surname, given string) []string {
		lines, err := mrz.Generate(mrz.Fields{DocumentCode: "P", IssuingState: "CAN", Nationality: "CAN", DocumentNumber: "L898902C3",
			Surname: surname, GivenNames: given, Sex: "F",
			BirthDate: time.Date(1974, 8, 12, 0, 0, 0, 0, time.UTC), ExpiryDate: time.Date(2030, 4, 15, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		return lines
	}
	got := mrzdoc.Of(mrz.Parse(zone("ERIKSSON", "ANNA MARIA"), mrz.Options{Today: today}))
	want := decide.Document{
		Document: wire.Document{Code: "P", IssuingState: "CAN", Number: "L898902C3", ExpiryDate: "2030-04-15"},
		Holder:   wire.Holder{Surname: "ERIKSSON", GivenNames: "ANNA MARIA", BirthDate: "1974-08-12", Sex: "F", Nationality: "CAN"},
		Valid:    true,
	}
	if got != want {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	// A name that fills its field may be cut short.
	long := mrzdoc.Of(mrz.Parse(zone("WOLFESCHLEGELSTEINHAUSENBERGERDORFF", "JOHANN HUBERT"), mrz.Options{Today: today}))
	if !long.NameTruncated || !long.Valid {
		t.Fatalf("a full name field: %+v", long)
	}
	// An invalid zone keeps what it said, and says it is not valid.
	bad := zone("ERIKSSON", "ANNA MARIA")
	d := byte('0')
	if bad[1][9] == d {
		d = '1'
	}
	bad[1] = bad[1][:9] + string(d) + bad[1][10:]
	inv := mrzdoc.Of(mrz.Parse(bad, mrz.Options{Today: today}))
	if inv.Valid || inv.Number != "L898902C3" || inv.Surname != "ERIKSSON" {
		t.Fatalf("an invalid zone: %+v", inv)
	}
	// No date in the zone: none in the document.
	if d := mrzdoc.Of(&mrz.Result{}); d.ExpiryDate != "" || d.BirthDate != "" {
		t.Fatalf("zero dates: %+v", d)
	}
}
