package ui

import (
	"context"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/view"
)

// Kiosk is all the ui sees of the agent: read-only snapshots, a change
// notification, and a few commands. The agent implements it; ui never
// reaches further in.
type Kiosk interface {
	Traveler() view.Traveler
	Technician() view.Technician
	Referrals() []view.Referral
	// Photo returns the JPEG captured for a referral, if any.
	Photo(referralID string) ([]byte, bool)
	// ChipPhoto returns the face image read from the passport chip (DG2)
	// for a referral, as JPEG, if any.
	ChipPhoto(referralID string) ([]byte, bool)
	// Changed is closed at the next change after the call; screens wait on
	// it to push updates (server-sent events).
	Changed() <-chan struct{}

	// Traveler commands.
	Start(lang string) error
	SetLanguage(lang string) error
	Cancel() error
	Finish() error
	// MoreTime answers "Need more time?": the step gets its time again.
	MoreTime() error

	// Officer command: close a referral (admit | refuse | secondary).
	Decide(ctx context.Context, referralID, officerID, decision, note string) error

	// Technician command: take the kiosk out of service locally (on) or
	// return it to service. While on, the kiosk is closed to travelers and
	// its state is locked, with the reason "maintenance"
	// (view.Technician.Maintenance). It is not the central system's lock:
	// returning to service never lifts that one, nor does the central
	// unlock end a maintenance.
	SetMaintenance(on bool) error
}

// Simulator drives the simulated devices from the technician console in the
// demo. It is nil on a kiosk with real devices.
type Simulator interface {
	// Travelers lists the demo travelers (label and expected outcome only).
	Travelers() []SimTraveler
	// Present puts traveler i's document on the reader (and card, and
	// letter, when the traveler carries them).
	Present(i int, withCard bool) error
	// PresentCard presents only a card tag.
	PresentCard(tag string) error
	// Fault injects a device fault: "mrz-disconnect", "card-noise", …
	Fault(kind string) error
}

// SimTraveler is one demo traveler, as the technician's simulator panel lists it.
type SimTraveler struct {
	Label    string   `json:"label"`
	Expected string   `json:"expected"` // admitted | referred
	Reasons  []string `json:"reasons,omitempty"`
	HasCard  bool     `json:"hasCard"`
}

// Receipts shows the technician the last receipt printed, as an image and
// as text: the demo's simulated printer renders what it received. A
// receipt carries no personal data.
type Receipts interface {
	LastReceipt() (Receipt, bool)
}

// Receipt is one printed receipt.
type Receipt struct {
	At   time.Time
	Text string
	PNG  []byte
}
