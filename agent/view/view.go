// Package view holds the read-only snapshots the agent offers its screens:
// what the traveler screen shows, the officer's referral queue and the
// technician's status page. The agent produces them; package ui renders
// them. They carry no behaviour, so that ui depends on the agent only
// through these values and a few commands (see ui.Kiosk).
package view

import (
	"time"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Traveler screens, in the order a traveler meets them.
const (
	ScreenWelcome    = "welcome"    // touch to start, language choice
	ScreenDocument   = "document"   // place your passport on the reader
	ScreenChip       = "chip"       // keep the passport still: its chip is read
	ScreenCard       = "card"       // present your NEXUS / Global Entry card
	ScreenFace       = "face"       // look at the camera (with guidance)
	ScreenProcessing = "processing" // please wait
	ScreenAdmitted   = "admitted"   // you may proceed
	ScreenReferred   = "referred"   // please see an officer (never says why)
	ScreenAborted    = "aborted"    // session ended, start again
	ScreenClosed     = "closed"     // kiosk out of service (locked or degraded)
)

// Traveler is what the traveler screen shows now. It never holds a reason
// code: traveler-facing text never says why a traveler was referred.
type Traveler struct {
	Screen   string `json:"screen"`
	Lang     string `json:"lang"`               // en | fr
	Guidance string `json:"guidance,omitempty"` // a face-capture guidance code, e.g. move_closer
	Message  string `json:"message,omitempty"`  // a device message code, e.g. document_unreadable
	// Deadline is when the current step times out (zero if none).
	Deadline time.Time `json:"deadline,omitzero"`
	// Step and Steps drive the progress indicator; Skipped lists the steps
	// (1-based) this traveler did not need (the card, when none is asked).
	Step    int   `json:"step"`
	Steps   int   `json:"steps"`
	Skipped []int `json:"skipped,omitempty"`
	// MoreTime: the step is about to time out and the screen asks "Need
	// more time?" (answered with POST /api/traveler/more-time).
	MoreTime bool `json:"moreTime,omitempty"`
	// Reference is the short code shown with an outcome, that the
	// officer at the desk finds the referral by.
	Reference string `json:"reference,omitempty"`
	// Version increases at every change, for long-polling clients.
	Version uint64 `json:"version"`
}

// Referral is one traveler waiting for an officer.
type Referral struct {
	ReferralID      string    `json:"referralId"`
	TransactionID   string    `json:"transactionId"`
	Reference       string    `json:"reference,omitempty"` // the code the traveler was shown
	OpenedAt        time.Time `json:"openedAt"`
	Reasons         []string  `json:"reasons"`
	Surname         string    `json:"surname"`
	GivenNames      string    `json:"givenNames"`
	Nationality     string    `json:"nationality"`
	BirthDate       string    `json:"birthDate"`
	DocumentCode    string    `json:"documentCode"`
	IssuingState    string    `json:"issuingState"`
	DocumentNo      string    `json:"documentNumber"`
	ExpiryDate      string    `json:"expiryDate"`
	AuthorizationID string    `json:"authorizationId,omitempty"`
	Category        string    `json:"category,omitempty"`
	Occupation      string    `json:"occupation,omitempty"`
	Employer        string    `json:"employer,omitempty"`
	Checks          []Check   `json:"checks"`
	HasPhoto        bool      `json:"hasPhoto"`
	// HasChipPhoto says GET /api/officer/referrals/{id}/chip-photo serves the
	// face image of the passport chip (DG2) as ChipPhotoType (image/jpeg; a
	// JPEG 2000 original is converted, ChipPhotoOriginalType naming it).
	HasChipPhoto          bool       `json:"hasChipPhoto"`
	ChipPhotoType         string     `json:"chipPhotoType,omitempty"`
	ChipPhotoOriginalType string     `json:"chipPhotoOriginalType,omitempty"`
	Chip                  *Chip      `json:"chip,omitempty"`      // nil when the kiosk has no chip reader
	FaceMatch             *FaceMatch `json:"faceMatch,omitempty"` // nil when no face step ran
	Decision              string     `json:"decision,omitempty"`  // admit | refuse | secondary once decided
	DecidedBy             string     `json:"decidedBy,omitempty"`
}

// Chip is what the kiosk learnt from the passport's contactless chip.
type Chip struct {
	Read bool `json:"read"` // the chip was opened and its files read
	// Failure, when Read is false: no_chip | access_denied | timeout |
	// removed | read_error | malformed.
	Failure     string       `json:"failure,omitempty"`
	Detail      string       `json:"detail,omitempty"`   // why, in words (English, no personal data)
	Protocol    string       `json:"protocol,omitempty"` // BAC | PACE
	DG1Matches  *bool        `json:"dg1Matches,omitempty"`
	PassiveAuth *PassiveAuth `json:"passiveAuth,omitempty"`
	ActiveAuth  *ActiveAuth  `json:"activeAuth,omitempty"`
	// ChipAuth is chip authentication's verdict (ICAO 9303-11 §6.2), in
	// ActiveAuth's shape: valid | invalid | not_supported (DG14 offers
	// none); Algorithm "ECDH-AES-128 v2 P-256".
	ChipAuth *ActiveAuth `json:"chipAuth,omitempty"`
}

// ActiveAuth is the verdict of active authentication (ICAO 9303-11 §6.1):
// the chip signed the kiosk's challenge with the key DG15 holds, so it is
// the issuer's chip and not a copy of its files.
type ActiveAuth struct {
	Status    string `json:"status"`              // valid | invalid | not_supported (no DG15)
	Algorithm string `json:"algorithm,omitempty"` // "ecdsa-plain-SHA256 P-256", "rsa-iso9796-2 SHA1 1024"
	Detail    string `json:"detail,omitempty"`
}

// PassiveAuth is the verdict of passive authentication (ICAO 9303-11 §5.1).
type PassiveAuth struct {
	Status  string `json:"status"`         // valid | invalid | no_trust_anchor
	Step    string `json:"step,omitempty"` // when invalid: sod_format | sod_signature | ds_certificate | dg_hash
	DG      int    `json:"dg,omitempty"`   // the data group of a dg_hash failure
	Detail  string `json:"detail,omitempty"`
	Country string `json:"country,omitempty"` // the signer's country
	CSCA    string `json:"csca,omitempty"`    // the trust anchor that verified the signer
}

// FaceMatch is the 1:1 comparison of the live capture with a reference.
type FaceMatch struct {
	Result    string   `json:"result"` // as checks[].result: successful | failed | undetermined | not_supported | aborted
	Score     *float64 `json:"score,omitempty"`
	Threshold *float64 `json:"threshold,omitempty"`
	Reference string   `json:"reference"` // chip | enrolment | none
	Detail    string   `json:"detail,omitempty"`
}

// Check is one verification step as the officer sees it: the protocol's
// check (wire), the same type and the same JSON as the events carry.
type Check = wire.Check

// Technician is the technician console's status page.
type Technician struct {
	KioskID   string   `json:"kioskId"`
	PortCode  string   `json:"portCode"`
	Direction string   `json:"direction"`
	Version   string   `json:"version"`
	State     string   `json:"state"` // online | degraded | locked | offline
	Reasons   []string `json:"reasons,omitempty"`
	// Maintenance: a technician took the kiosk out of service locally
	// (its state is then locked, with the reason "maintenance").
	Maintenance bool             `json:"maintenance"`
	StartedAt   time.Time        `json:"startedAt"`
	Devices     []Device         `json:"devices"`
	Broker      Broker           `json:"broker"`
	Authz       Authz            `json:"authz"`
	Outbox      Outbox           `json:"outbox"`
	Face        Face             `json:"face"`
	Receipts    *Receipts        `json:"receipts,omitempty"` // nil without a receipt printer
	Policy      Policy           `json:"policy"`
	Counters    map[string]int64 `json:"counters"`
	Recent      []Transaction    `json:"recent"`
}

// Device is one device's health.
type Device struct {
	Name      string    `json:"name"`  // mrzReader, cardReader, camera, scanner
	Kind      string    `json:"kind"`  // desko, em4100, v4l2, spool…
	Path      string    `json:"path"`  // port or device the driver uses
	State     string    `json:"state"` // ok | fault | absent | disabled | not_built
	Code      string    `json:"code,omitempty"`
	Message   string    `json:"message,omitempty"`
	Since     time.Time `json:"since"`
	Simulated bool      `json:"simulated"`
}

// Policy is the decision policy in force, so that nobody wonders why
// travelers are referred.
type Policy struct {
	// RandomReferralRate is the share referred at random (RANDOM_REFERRAL):
	// policy.randomReferralRate, or the last set_referral_rate command.
	RandomReferralRate float64 `json:"randomReferralRate"`
	RequireCard        bool    `json:"requireCard"`
	RequireFace        bool    `json:"requireFace"`
	// FaceUnavailable: the configured face check cannot run, and why
	// (RequireFace is then on: every traveler is referred).
	FaceUnavailable string `json:"faceUnavailable,omitempty"`
}

// Broker is the MQTT link's health.
type Broker struct {
	URL        string    `json:"url"`
	Connected  bool      `json:"connected"`
	Since      time.Time `json:"since"`
	Reconnects int64     `json:"reconnects"`
	LastError  string    `json:"lastError,omitempty"`
}

// Authz is the replica's health.
type Authz struct {
	Seq        uint64        `json:"seq"`
	Records    int64         `json:"records"`
	LastSyncAt time.Time     `json:"lastSyncAt"`
	Staleness  time.Duration `json:"staleness"`
	Stale      bool          `json:"stale"`
	Rejected   int64         `json:"rejected"`
}

// Outbox is the event queue's health.
type Outbox struct {
	Depth    int    `json:"depth"`
	Capacity int    `json:"capacity"`
	NextSeq  uint64 `json:"nextSeq"`
	AckedSeq uint64 `json:"ackedSeq"`
	Full     bool   `json:"full"`
}

// Face is the face pipeline's capability, said plainly. Capture is the
// camera's state (what the console shows as working or not), never a
// description; CaptureDetail says what capture does.
type Face struct {
	Capture       string `json:"capture"`                 // ok | disabled | not_built | fault
	CaptureDetail string `json:"captureDetail,omitempty"` // e.g. "face capture: cascades haarcascade_frontalface_default.xml; …"
	Verification  string `json:"verification"`            // "ok: …" or "not_supported: no face model configured"
}

// Receipts is the receipt printer's work: what it printed and how the last
// receipt ended. A receipt has no personal data.
type Receipts struct {
	Printed int64          `json:"printed"`
	Failed  int64          `json:"failed"`
	Last    *ReceiptStatus `json:"last,omitempty"`
}

// ReceiptStatus is one receipt's fate.
type ReceiptStatus struct {
	TransactionID string    `json:"transactionId"`
	Outcome       string    `json:"outcome,omitempty"`
	At            time.Time `json:"at"`
	// Result is queued, printed, or the fault code that stopped it
	// (paper_out, offline, timeout, busy: the queue was full…).
	Result string `json:"result"`
	Error  string `json:"error,omitempty"`
}

// Transaction is a recent outcome without personal data.
type Transaction struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	Outcome string    `json:"outcome"`
	Reasons []string  `json:"reasons"`
	Seq     uint64    `json:"seq"`
}
