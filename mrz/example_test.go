package mrz_test

import (
	"fmt"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/mrz"
)

func ExampleParse() {
	r := mrz.Parse([]string{
		"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
		"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
	}, mrz.Options{Today: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)})
	fmt.Println(r.Format, r.Valid, r.DocumentNumber, r.Surname, "/", r.GivenNames, r.BirthDate.Format("2006-01-02"))
	for _, w := range r.Warnings {
		fmt.Println("warning:", w.Code)
	}
	// Output:
	// TD3 true L898902C3 ERIKSSON / ANNA MARIA 1974-08-12
	// warning: expired
}

func ExampleParse_errors() {
	r := mrz.Parse([]string{
		"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
		"L898902C37UTO7408122F1204159ZE184226B<<<<<10", // check digit 6 misprinted as 7
	}, mrz.Options{Today: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)})
	fmt.Println(r.Valid)
	for _, e := range r.Errors {
		fmt.Printf("%s %s line %d col %d\n", e.Field, e.Code, e.Line, e.Col)
	}
	// Output:
	// false
	// documentNumber check_digit line 2 col 10
	// composite check_digit line 2 col 44
}

func ExampleParse_correct() {
	r := mrz.Parse([]string{
		"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
		"L898902C36UTO74O8122F1204159ZE184226B<<<<<10", // O read for 0 in the birth date
	}, mrz.Options{Today: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), Correct: true})
	fmt.Println(r.Valid, r.BirthDate.Format("2006-01-02"))
	for _, c := range r.Corrections {
		fmt.Printf("line %d col %d: %c → %c\n", c.Line, c.Col, c.From, c.To)
	}
	// Output:
	// true 1974-08-12
	// line 2 col 16: O → 0
}

func ExampleGenerate() {
	lines, err := mrz.Generate(mrz.Fields{
		Format: mrz.TD1, DocumentCode: "ID", IssuingState: "D", Nationality: "D",
		DocumentNumber: "LZ6311T47", Surname: "Müller", GivenNames: "Zoë Ærøe", Sex: "F",
		BirthDate:  time.Date(1983, 8, 12, 0, 0, 0, 0, time.UTC),
		ExpiryDate: time.Date(2031, 10, 31, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range lines {
		fmt.Println(l)
	}
	// Output:
	// IDD<<LZ6311T475<<<<<<<<<<<<<<<
	// 8308126F3110315D<<<<<<<<<<<<<6
	// MUELLER<<ZOE<AEROEE<<<<<<<<<<<
}
