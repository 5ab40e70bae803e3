// Package wire holds the messages of the central-system interface
// (docs/protocol.md, after ../shared/spec/central-protocol.md) and the signed
// envelopes and pre-approval letters that carry them.
//
// Everything the central system sends is a SignedEnvelope; a kiosk trusts it
// only when a KeyRing built from its configuration verifies it. Verification
// failures are typed (*RejectError) so that the caller can count and report
// them as security.message_rejected events without ever applying the payload.
//
// The package imports only the standard library.
package wire
