package decide

import (
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// A TD1 name field cut by ICAO truncation on both identifiers still matches
// the record's full names; an untruncated prefix never does.
func TestTruncatedSurnameWithGivenInitial(t *testing.T) {
	h := &wire.Holder{Surname: "WOLFESCHLEGELSTEINHAUSENBERGERDORFF", GivenNames: "JOHANN HUBERT",
		BirthDate: "1974-08-12", Sex: "M", Nationality: "DEU"}
	doc := &Document{Holder: wire.Holder{Surname: "WOLFESCHLEGELSTEINHAUSENBER", GivenNames: "J", BirthDate: "1974-08-12", Sex: "M",
		Nationality: "DEU"}, NameTruncated: true}
	if ok, what := holderMatch(doc, h); !ok {
		t.Fatalf("truncated name refused: %s differs", what)
	}
	doc.NameTruncated = false
	if ok, _ := holderMatch(doc, h); ok {
		t.Fatal("a cut surname matched although the zone's name field was not full")
	}
	doc.NameTruncated, doc.Surname = true, "WOLFESCHLEGELSTEINHAUSENBEX"
	if ok, _ := holderMatch(doc, h); ok {
		t.Fatal("a different surname matched")
	}
}
