package decide_test

import (
	"fmt"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/decide"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

func ExampleDecide() {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	rec := wire.AuthzRecord{AuthorizationID: "XPT-2026-0000123", Version: 3, Status: wire.StatusActive,
		Holder:    wire.Holder{Surname: "ERIKSSON", GivenNames: "ANNA MARIA", BirthDate: "1974-08-12", Sex: "F", Nationality: "CAN"},
		Documents: []wire.Document{{Code: "P", IssuingState: "CAN", Number: "L898902C3"}},
		ValidFrom: "2026-01-01", ValidUntil: "2031-01-01", Entries: []string{wire.DirUStoCA}}
	doc := &decide.Document{Document: wire.Document{IssuingState: "CAN", Number: "L898902C3", ExpiryDate: "2030-04-15"},
		Holder: wire.Holder{BirthDate: "1974-08-12", Sex: "F", Nationality: "CAN", Surname: "ERIKSSON", GivenNames: "ANNA<MARIA"}, Valid: true}
	in := decide.Input{Document: doc, Candidates: []wire.AuthzRecord{rec}, LastSync: now.Add(-time.Hour),
		Policy: decide.Policy{Direction: wire.DirUStoCA, MaxStaleness: 24 * time.Hour}, Now: now}
	fmt.Println(decide.Decide(in).Outcome)

	in.Policy.Direction = wire.DirCAtoUS
	in.LastSync = now.Add(-48 * time.Hour)
	res := decide.Decide(in)
	fmt.Println(res.Outcome, res.Reasons)
	// Output:
	// admitted
	// referred [DIRECTION_NOT_ALLOWED DATA_STALE]
}
