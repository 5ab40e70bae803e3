package wire

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// AlgEd25519 is the only signature algorithm of version 1.
const AlgEd25519 = "ed25519"

// MaxEnvelopeBytes bounds what a kiosk will even try to parse. A batch of
// this size holds tens of thousands of records; central splits larger ones.
const MaxEnvelopeBytes = 64 << 20

// SignedEnvelope wraps everything the central system sends.
type SignedEnvelope struct {
	KeyID   string `json:"keyId"`
	Alg     string `json:"alg"`
	Payload string `json:"payload"`
	Sig     string `json:"sig"`
}

// Reject codes: why a message was refused. They appear in
// security.message_rejected events and in counters.
const (
	RejectMalformed  = "malformed"   // not an envelope, bad base64, payload not JSON
	RejectUnknownKey = "unknown_key" // keyId not trusted
	RejectAlg        = "bad_alg"     // alg is not ed25519
	RejectSignature  = "bad_signature"
	RejectTooLarge   = "too_large"
	RejectSchema     = "schema"  // parses, but breaks the schema
	RejectExpired    = "expired" // a command past notAfter, a letter past validUntil
	RejectReplay     = "replay"  // a command already seen
	RejectOrder      = "out_of_order"
	RejectMismatch   = "mismatch" // addressed to another kiosk, letter for another document
	RejectUnsigned   = "unsigned" // a plain officer decision: decisions must be signed envelopes
)

// RejectError says why a message was refused. It never holds the payload.
type RejectError struct {
	Code   string
	KeyID  string
	Detail string
}

func (e *RejectError) Error() string {
	if e.Detail == "" {
		return "message rejected: " + e.Code
	}
	return "message rejected: " + e.Code + ": " + e.Detail
}

// RejectCode returns the code of a *RejectError in err's chain, or
// RejectMalformed for any other error.
func RejectCode(err error) string {
	var re *RejectError
	if errors.As(err, &re) {
		return re.Code
	}
	return RejectMalformed
}

func reject(code, keyID, format string, a ...any) error {
	return &RejectError{Code: code, KeyID: keyID, Detail: fmt.Sprintf(format, a...)}
}

// KeyRing holds the central keys a kiosk trusts, by key ID.
type KeyRing struct {
	keys map[string]ed25519.PublicKey
}

// NewKeyRing builds a ring from keyId → standard-base64 public key, as in
// the configuration. Every bad entry is reported.
func NewKeyRing(keys map[string]string) (*KeyRing, error) {
	kr := &KeyRing{keys: make(map[string]ed25519.PublicKey, len(keys))}
	var errs []error
	for id, b64 := range keys {
		pk, err := ParsePublicKey(b64)
		if err != nil {
			errs = append(errs, fmt.Errorf("key %q: %w", id, err))
			continue
		}
		kr.keys[id] = pk
	}
	return kr, errors.Join(errs...)
}

// Add trusts one more key.
func (kr *KeyRing) Add(keyID string, pk ed25519.PublicKey) {
	if kr.keys == nil {
		kr.keys = map[string]ed25519.PublicKey{}
	}
	kr.keys[keyID] = pk
}

// Len is the number of trusted keys.
func (kr *KeyRing) Len() int { return len(kr.keys) }

// Key returns the public key trusted under id.
func (kr *KeyRing) Key(id string) (ed25519.PublicKey, bool) {
	pk, ok := kr.keys[id]
	return pk, ok
}

// ParsePublicKey decodes a standard-base64 Ed25519 public key.
func ParsePublicKey(b64 string) (ed25519.PublicKey, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return nil, fmt.Errorf("public key is not standard base64: %w", err)
	}
	if len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public key has %d bytes, want %d", len(raw), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(raw), nil
}

// ParsePrivateKey decodes a standard-base64 Ed25519 private key (64 bytes)
// or seed (32 bytes).
func ParsePrivateKey(b64 string) (ed25519.PrivateKey, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return nil, fmt.Errorf("private key is not standard base64: %w", err)
	}
	switch len(raw) {
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(raw), nil
	case ed25519.PrivateKeySize:
		return ed25519.PrivateKey(raw), nil
	}
	return nil, fmt.Errorf("private key has %d bytes, want %d or %d", len(raw), ed25519.SeedSize, ed25519.PrivateKeySize)
}

// Seal signs payload's JSON encoding and returns the envelope's JSON bytes.
func Seal(keyID string, priv ed25519.PrivateKey, payload any) ([]byte, error) {
	inner, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	return SealBytes(keyID, priv, inner)
}

// SealBytes signs exactly inner and returns the envelope's JSON bytes.
func SealBytes(keyID string, priv ed25519.PrivateKey, inner []byte) ([]byte, error) {
	env := SignedEnvelope{
		KeyID:   keyID,
		Alg:     AlgEd25519,
		Payload: base64.StdEncoding.EncodeToString(inner),
		Sig:     base64.StdEncoding.EncodeToString(ed25519.Sign(priv, inner)),
	}
	return json.Marshal(env)
}

// Open verifies an envelope and returns the exact inner payload bytes,
// which are guaranteed to be a JSON object. Every failure is a *RejectError.
func (kr *KeyRing) Open(raw []byte) (payload []byte, keyID string, err error) {
	inner, keyID, err := kr.OpenUnchecked(raw)
	if err != nil {
		return nil, keyID, err
	}
	if !IsJSONObject(inner) {
		return nil, keyID, reject(RejectMalformed, keyID, "payload is not a JSON object")
	}
	return inner, keyID, nil
}

// IsJSONObject reports whether b is one valid JSON object (with optional
// surrounding whitespace).
func IsJSONObject(b []byte) bool {
	t := bytes.TrimSpace(b)
	return len(t) > 0 && t[0] == '{' && json.Valid(t)
}

// OpenUnchecked is Open without the last step, the scan that the verified
// payload is a JSON object: for a caller that decodes the whole payload
// anyway and, when it does not decode, checks IsJSONObject to report
// RejectMalformed rather than RejectSchema (the authorization replica,
// whose batches are megabytes). Every failure is a *RejectError.
func (kr *KeyRing) OpenUnchecked(raw []byte) (payload []byte, keyID string, err error) {
	if len(raw) > MaxEnvelopeBytes {
		return nil, "", reject(RejectTooLarge, "", "%d bytes, limit %d", len(raw), MaxEnvelopeBytes)
	}
	// The envelope's payload is a base64 string of up to megabytes, which
	// json.Unmarshal would scan twice; the fast path reads the canonical
	// form in one pass and leaves anything else to json.Unmarshal (same
	// result whenever it succeeds: envelope_fast.go).
	var env SignedEnvelope
	if !parseEnvelopeFast(raw, &env) {
		env = SignedEnvelope{}
		if err := json.Unmarshal(raw, &env); err != nil {
			return nil, "", reject(RejectMalformed, "", "envelope is not JSON: %v", err)
		}
	}
	if env.KeyID == "" || env.Payload == "" || env.Sig == "" {
		return nil, env.KeyID, reject(RejectMalformed, env.KeyID, "envelope lacks keyId, payload or sig")
	}
	if env.Alg != AlgEd25519 {
		return nil, env.KeyID, reject(RejectAlg, env.KeyID, "alg %q", env.Alg)
	}
	pk, ok := kr.keys[env.KeyID]
	if !ok {
		return nil, env.KeyID, reject(RejectUnknownKey, env.KeyID, "key %q is not trusted", env.KeyID)
	}
	inner, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		return nil, env.KeyID, reject(RejectMalformed, env.KeyID, "payload is not standard base64")
	}
	sig, err := base64.StdEncoding.DecodeString(env.Sig)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, env.KeyID, reject(RejectMalformed, env.KeyID, "sig is not a base64 Ed25519 signature")
	}
	if !ed25519.Verify(pk, inner, sig) {
		return nil, env.KeyID, reject(RejectSignature, env.KeyID, "signature does not verify")
	}
	return inner, env.KeyID, nil
}

// OpenInto verifies raw and decodes its payload into v. A payload that does
// not decode into v is a RejectSchema.
func (kr *KeyRing) OpenInto(raw []byte, v any) (keyID string, err error) {
	inner, keyID, err := kr.Open(raw)
	if err != nil {
		return keyID, err
	}
	if err := json.Unmarshal(inner, v); err != nil {
		return keyID, reject(RejectSchema, keyID, "%v", err)
	}
	return keyID, nil
}
