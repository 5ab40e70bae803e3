package wire

import (
	"encoding/json"
	"regexp"
	"time"
)

// Topic names, version 1.
const (
	TopicAuthzBatches = "xpt/v1/authz/batches"
	TopicAuthzHead    = "xpt/v1/authz/head"
)

// KioskTopic returns xpt/v1/kiosks/{kioskID}/{leaf}; leaf is one of state,
// events, telemetry, sync, authz, commands.
func KioskTopic(kioskID, leaf string) string { return "xpt/v1/kiosks/" + kioskID + "/" + leaf }

// DecisionTopic returns the officer-decision topic of one referral.
func DecisionTopic(portCode, referralID string) string {
	return "xpt/v1/ports/" + portCode + "/referrals/" + referralID + "/decision"
}

var (
	kioskIDRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{2,39}$`)
	portCodeRe = regexp.MustCompile(`^[A-Z0-9]{3,5}$`)
)

// ValidKioskID reports whether id matches ^[a-z0-9][a-z0-9-]{2,39}$.
func ValidKioskID(id string) bool { return kioskIDRe.MatchString(id) }

// ValidPortCode reports whether code matches ^[A-Z0-9]{3,5}$.
func ValidPortCode(code string) bool { return portCodeRe.MatchString(code) }

// TimeFormat is RFC 3339 UTC with milliseconds, as every timestamp on the wire.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// DateFormat is the wire form of a date.
const DateFormat = "2006-01-02"

// FormatTime renders t in TimeFormat (UTC).
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// ParseTime accepts any RFC 3339 time (receivers are lenient in what they take).
func ParseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

// Record status values.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
	StatusRevoked   = "revoked"
)

// Directions a kiosk may serve.
const (
	DirCAtoUS = "CA>US"
	DirUStoCA = "US>CA"
)

// AuthzBatch is the payload of a signed batch of authorization changes.
type AuthzBatch struct {
	Seq      uint64        `json:"seq"`
	IssuedAt string        `json:"issuedAt"`
	Records  []AuthzRecord `json:"records"`
	Removed  []string      `json:"removed,omitempty"`
}

// AuthzHead is the retained announcement of the newest batch.
type AuthzHead struct {
	Seq      uint64 `json:"seq"`
	IssuedAt string `json:"issuedAt"`
	Records  int64  `json:"records"`
}

// SyncRequest asks the central system to replay batches from FromSeq on.
type SyncRequest struct {
	KioskID string `json:"kioskId"`
	FromSeq uint64 `json:"fromSeq"`
}

// AuthzRecord is one multi-entry authorization.
type AuthzRecord struct {
	AuthorizationID string           `json:"authorizationId"`
	Version         int64            `json:"version"`
	Status          string           `json:"status"`
	Category        string           `json:"category,omitempty"`
	Occupation      string           `json:"occupation,omitempty"`
	Employer        string           `json:"employer,omitempty"`
	Holder          Holder           `json:"holder"`
	Documents       []Document       `json:"documents"`
	TrustedTraveler *TrustedTraveler `json:"trustedTraveler,omitempty"`
	ValidFrom       string           `json:"validFrom"`
	ValidUntil      string           `json:"validUntil"`
	Entries         []string         `json:"entries"`
	MaxStayDays     int              `json:"maxStayDays,omitempty"`
	RequireCard     bool             `json:"requireCard"`
}

// Holder identifies the person; names are in MRZ character form.
type Holder struct {
	Surname     string `json:"surname"`
	GivenNames  string `json:"givenNames"`
	BirthDate   string `json:"birthDate"`
	Sex         string `json:"sex"`
	Nationality string `json:"nationality"`
}

// Document is a travel document listed by a record or read at the kiosk.
type Document struct {
	Code         string `json:"code,omitempty"`
	IssuingState string `json:"issuingState"`
	Number       string `json:"number"`
	ExpiryDate   string `json:"expiryDate,omitempty"`
}

// TrustedTraveler is the enrolment the authorization sits on.
type TrustedTraveler struct {
	Program      string `json:"program"`
	MembershipID string `json:"membershipId"`
	CardTag      string `json:"cardTag"`
}

// Event types.
const (
	EventTransactionCompleted = "transaction.completed"
	EventReferralOpened       = "referral.opened"
	EventReferralDecided      = "referral.decided"
	EventDeviceFault          = "device.fault"
	EventDeviceRecovered      = "device.recovered"
	EventCommandApplied       = "command.applied"
	EventCommandRejected      = "command.rejected"
	EventSecurityRejected     = "security.message_rejected"
)

// Event is what a kiosk reports on its events topic. Exactly one of the
// body fields is set, according to Type.
type Event struct {
	EventID     string          `json:"eventId"`
	KioskID     string          `json:"kioskId"`
	PortCode    string          `json:"portCode"`
	Seq         uint64          `json:"seq"`
	Type        string          `json:"type"`
	At          string          `json:"at"`
	Transaction *Transaction    `json:"transaction,omitempty"`
	Referral    *Referral       `json:"referral,omitempty"`
	Device      *DeviceEvent    `json:"device,omitempty"`
	Command     *CommandResult  `json:"command,omitempty"`
	Security    *SecurityEvent  `json:"security,omitempty"`
	Extra       json.RawMessage `json:"extra,omitempty"`
}

// Outcomes of a transaction.
const (
	OutcomeAdmitted = "admitted"
	OutcomeReferred = "referred"
	OutcomeAborted  = "aborted"
)

// Check results.
const (
	CheckSuccessful   = "successful"
	CheckFailed       = "failed"
	CheckUndetermined = "undetermined"
	CheckNotSupported = "not_supported"
	CheckAborted      = "aborted"
)

// Transaction is one traveler's pass through the kiosk.
type Transaction struct {
	ID         string   `json:"id"`
	StartedAt  string   `json:"startedAt"`
	EndedAt    string   `json:"endedAt"`
	Outcome    string   `json:"outcome"`
	Reasons    []string `json:"reasons"`
	ReferralID string   `json:"referralId,omitempty"`
	// Reference is the short code the traveler was shown with the outcome
	// (admitted or referred), "XXX-XXX"; an addition to the spec's event.
	Reference       string           `json:"reference,omitempty"`
	AuthorizationID string           `json:"authorizationId,omitempty"`
	Direction       string           `json:"direction"`
	Document        *Document        `json:"document,omitempty"`
	Holder          *Holder          `json:"holder,omitempty"`
	Card            *Card            `json:"card,omitempty"`
	Checks          []Check          `json:"checks"`
	TimingsMs       map[string]int64 `json:"timingsMs,omitempty"`
}

// Card is a presented trusted-traveler card.
type Card struct {
	Tag string `json:"tag"`
}

// Check is one verification step with its result.
type Check struct {
	Name      string   `json:"name"`
	Result    string   `json:"result"`
	Score     *float64 `json:"score,omitempty"`
	Threshold *float64 `json:"threshold,omitempty"`
	Detail    string   `json:"detail,omitempty"`
}

// Referral is the body of referral.opened and referral.decided.
type Referral struct {
	ReferralID    string    `json:"referralId"`
	TransactionID string    `json:"transactionId"`
	Reference     string    `json:"reference,omitempty"` // the traveler's code, as in the transaction
	Reasons       []string  `json:"reasons,omitempty"`
	Document      *Document `json:"document,omitempty"`
	Holder        *Holder   `json:"holder,omitempty"`
	PhotoJPEG     string    `json:"photoJpeg,omitempty"` // inline base64 when configured
	PhotoRef      string    `json:"photoRef,omitempty"`
	// Chip is what the passport's chip said (the project's addition: the
	// spec's "what an officer needs" names no chip). ChipPhotoRef or
	// ChipPhotoJPEG is its DG2 face image, as JPEG, like the capture.
	Chip          *ReferralChip    `json:"chip,omitempty"`
	ChipPhotoJPEG string           `json:"chipPhotoJpeg,omitempty"`
	ChipPhotoRef  string           `json:"chipPhotoRef,omitempty"`
	Decision      *OfficerDecision `json:"decision,omitempty"`
}

// ReferralChip is the chip's verdict in referral.opened: no personal data
// (the CSCA and country are the issuing authority's).
type ReferralChip struct {
	Read        bool   `json:"read"`
	Failure     string `json:"failure,omitempty"` // no_chip | access_denied | timeout | removed | read_error | malformed
	Protocol    string `json:"protocol,omitempty"`
	DG1Matches  *bool  `json:"dg1Matches,omitempty"`
	PassiveAuth string `json:"passiveAuth,omitempty"` // valid | invalid | no_trust_anchor
	Step        string `json:"step,omitempty"`        // the failing step when invalid
	DG          int    `json:"dg,omitempty"`
	Country     string `json:"country,omitempty"`
	ActiveAuth  string `json:"activeAuth,omitempty"` // valid | invalid | not_supported (the project's: docs/protocol.md)
	ChipAuth    string `json:"chipAuth,omitempty"`   // chip authentication, as activeAuth
}

// DeviceEvent is the body of device.fault and device.recovered.
type DeviceEvent struct {
	Device  string `json:"device"`
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
}

// CommandResult is the body of command.applied and command.rejected.
type CommandResult struct {
	CommandID string `json:"commandId"`
	Type      string `json:"type"`
	Reason    string `json:"reason,omitempty"`
}

// SecurityEvent is the body of security.message_rejected. It never carries
// the rejected payload itself.
type SecurityEvent struct {
	Topic  string `json:"topic"`
	Reason string `json:"reason"`
	KeyID  string `json:"keyId,omitempty"`
}

// Kiosk states.
const (
	StateOnline   = "online"
	StateDegraded = "degraded"
	StateLocked   = "locked"
	StateOffline  = "offline"
)

// KioskState is retained on the state topic; the Last Will carries "offline".
type KioskState struct {
	KioskID  string   `json:"kioskId"`
	PortCode string   `json:"portCode"`
	State    string   `json:"state"`
	At       string   `json:"at"`
	Version  string   `json:"version"`
	AuthzSeq uint64   `json:"authzSeq"`
	Reasons  []string `json:"reasons,omitempty"`
}

// Telemetry is published at QoS 0.
type Telemetry struct {
	KioskID    string                 `json:"kioskId"`
	At         string                 `json:"at"`
	Devices    map[string]DeviceState `json:"devices"`
	QueueDepth int                    `json:"queueDepth"`
	Authz      AuthzStatus            `json:"authz"`
	// Rejected counts refused incoming messages by reject code since start
	// (an addition to the spec's example; receivers ignore unknown fields).
	Rejected map[string]uint64 `json:"rejected,omitempty"`
}

// DeviceState is one device's health in telemetry.
type DeviceState struct {
	State string `json:"state"` // ok | fault | absent | not_built
	Code  string `json:"code,omitempty"`
}

// AuthzStatus summarises the replica.
type AuthzStatus struct {
	Seq        uint64 `json:"seq"`
	Records    int64  `json:"records"`
	LastSyncAt string `json:"lastSyncAt,omitempty"`
}

// Command types.
const (
	CommandLock            = "lock"
	CommandUnlock          = "unlock"
	CommandResync          = "resync"
	CommandSetReferralRate = "set-referral-rate"
)

// Command is a signed instruction to one kiosk.
type Command struct {
	CommandID string          `json:"commandId"`
	KioskID   string          `json:"kioskId"`
	Type      string          `json:"type"`
	Args      json.RawMessage `json:"args,omitempty"`
	NotAfter  string          `json:"notAfter"`
}

// Officer decisions.
const (
	DecisionAdmit     = "admit"
	DecisionRefuse    = "refuse"
	DecisionSecondary = "secondary"
)

// OfficerDecision closes a referral.
type OfficerDecision struct {
	ReferralID string `json:"referralId"`
	KioskID    string `json:"kioskId"`
	OfficerID  string `json:"officerId"`
	Decision   string `json:"decision"`
	Note       string `json:"note,omitempty"`
	At         string `json:"at"`
}

// Reason codes of the decision table.
const (
	ReasonMRZUnreadable       = "MRZ_UNREADABLE"
	ReasonMRZInvalid          = "MRZ_INVALID"
	ReasonDocExpired          = "DOC_EXPIRED"
	ReasonNotAuthorized       = "NOT_AUTHORIZED"
	ReasonHolderMismatch      = "HOLDER_MISMATCH"
	ReasonAuthSuspended       = "AUTH_SUSPENDED"
	ReasonAuthRevoked         = "AUTH_REVOKED"
	ReasonAuthNotYetValid     = "AUTH_NOT_YET_VALID"
	ReasonAuthExpired         = "AUTH_EXPIRED"
	ReasonDirectionNotAllowed = "DIRECTION_NOT_ALLOWED"
	ReasonCardMissing         = "CARD_MISSING"
	ReasonCardMismatch        = "CARD_MISMATCH"
	ReasonFaceCaptureFailed   = "FACE_CAPTURE_FAILED"
	ReasonFaceMismatch        = "FACE_MISMATCH"
	ReasonPreapprovalInvalid  = "PREAPPROVAL_INVALID"
	ReasonDataStale           = "DATA_STALE"
	ReasonDeviceFault         = "DEVICE_FAULT"
	ReasonRandomSelection     = "RANDOM_SELECTION"
)

// The project's reason codes for the passport chip: the spec's table has
// none (docs/protocol.md, "Reasons the spec does not have").
const (
	ReasonChipUnreadable  = "CHIP_UNREADABLE"   // no chip, a read error, a timeout, access refused, malformed data
	ReasonChipMRZMismatch = "CHIP_MRZ_MISMATCH" // DG1 is not the printed MRZ
	ReasonChipInvalid     = "CHIP_INVALID"      // passive authentication invalid
	ReasonChipUntrusted   = "CHIP_UNTRUSTED"    // no trust anchor for the chip's signer
)

// ChipReasons are the project's chip reasons, in their order.
var ChipReasons = []string{ReasonChipUnreadable, ReasonChipMRZMismatch, ReasonChipInvalid, ReasonChipUntrusted}

// AllReasons lists every reason code in the order of the spec's table,
// then the project's chip reasons.
var AllReasons = []string{
	ReasonMRZUnreadable, ReasonMRZInvalid, ReasonDocExpired, ReasonNotAuthorized,
	ReasonHolderMismatch, ReasonAuthSuspended, ReasonAuthRevoked, ReasonAuthNotYetValid,
	ReasonAuthExpired, ReasonDirectionNotAllowed, ReasonCardMissing, ReasonCardMismatch,
	ReasonFaceCaptureFailed, ReasonFaceMismatch, ReasonPreapprovalInvalid, ReasonDataStale,
	ReasonDeviceFault, ReasonRandomSelection,
	// The project's additions, after the spec's table.
	ReasonChipUnreadable, ReasonChipMRZMismatch, ReasonChipInvalid, ReasonChipUntrusted,
}
