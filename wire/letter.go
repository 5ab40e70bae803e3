package wire

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// LetterPrefix starts the QR text of a pre-approval letter.
const LetterPrefix = "XPT1."

// Letter is the signed payload of a pre-approval letter's QR code.
type Letter struct {
	KID             string         `json:"kid"`
	AuthorizationID string         `json:"authorizationId"`
	Document        LetterDocument `json:"document"`
	Holder          LetterHolder   `json:"holder"`
	Purpose         string         `json:"purpose,omitempty"`
	Employer        string         `json:"employer,omitempty"`
	ValidUntil      string         `json:"validUntil"`
}

// LetterDocument names the document the letter is for.
type LetterDocument struct {
	IssuingState string `json:"issuingState"`
	Number       string `json:"number"`
}

// LetterHolder names its holder.
type LetterHolder struct {
	Surname   string `json:"surname"`
	BirthDate string `json:"birthDate"`
}

// SignLetter returns the QR text XPT1.<payload>.<sig> (base64url, no padding).
func SignLetter(priv ed25519.PrivateKey, l Letter) (string, error) {
	payload, err := json.Marshal(l)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	return LetterPrefix + enc.EncodeToString(payload) + "." + enc.EncodeToString(ed25519.Sign(priv, payload)), nil
}

// IsLetter reports whether a QR text claims to be an XPT1 letter.
func IsLetter(text string) bool { return strings.HasPrefix(text, LetterPrefix) }

// VerifyLetter checks a letter's signature against the ring (the key named
// by its kid) and its validity on the given day. It returns the letter's
// fields even when only the date check fails, with the error.
func (kr *KeyRing) VerifyLetter(text string, today time.Time) (*Letter, error) {
	if !IsLetter(text) {
		return nil, reject(RejectMalformed, "", "not an XPT1 letter")
	}
	parts := strings.Split(strings.TrimPrefix(text, LetterPrefix), ".")
	if len(parts) != 2 {
		return nil, reject(RejectMalformed, "", "want XPT1.<payload>.<signature>")
	}
	enc := base64.RawURLEncoding
	payload, err := enc.DecodeString(parts[0])
	if err != nil {
		return nil, reject(RejectMalformed, "", "payload is not base64url")
	}
	sig, err := enc.DecodeString(parts[1])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, reject(RejectMalformed, "", "signature is not base64url Ed25519")
	}
	var l Letter
	if err := json.Unmarshal(payload, &l); err != nil {
		return nil, reject(RejectMalformed, "", "payload is not JSON")
	}
	pk, ok := kr.keys[l.KID]
	if !ok {
		return nil, reject(RejectUnknownKey, l.KID, "key %q is not trusted", l.KID)
	}
	if !ed25519.Verify(pk, payload, sig) {
		return nil, reject(RejectSignature, l.KID, "signature does not verify")
	}
	until, err := time.Parse(DateFormat, l.ValidUntil)
	if err != nil {
		return &l, reject(RejectSchema, l.KID, "validUntil %q is not a date", l.ValidUntil)
	}
	y, m, d := today.Date()
	if time.Date(y, m, d, 0, 0, 0, 0, time.UTC).After(until) {
		return &l, reject(RejectExpired, l.KID, "letter valid until %s", l.ValidUntil)
	}
	return &l, nil
}
