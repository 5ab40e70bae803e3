package mrz

import (
	"testing"
	"time"
)

var today = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

func TestSpecimenTD3(t *testing.T) {
	r := Parse([]string{
		"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
		"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
	}, Options{Today: today})
	if !r.Valid || r.Format != TD3 {
		t.Fatalf("valid %v format %v errors %v", r.Valid, r.Format, r.Errors)
	}
	if r.Surname != "ERIKSSON" || r.GivenNames != "ANNA MARIA" || r.DocumentNumber != "L898902C3" ||
		r.BirthDate != time.Date(1974, 8, 12, 0, 0, 0, 0, time.UTC) || r.OptionalData != "ZE184226B" {
		t.Fatalf("fields %+v", r.Fields)
	}
}
