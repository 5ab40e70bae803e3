// Package kiosk is the agent's loop. It feeds device readings, screen taps
// and clock ticks to the traveler session (agent/session) and carries out the
// effects the session asks for: look the traveler up in the replica, decide
// (agent/decide), make the outcome durable in the outbox before it is shown,
// write the audit log, open referrals for officers, and report device faults.
//
// It implements what the screens need (ui.Kiosk, by its method set; the
// agent never imports ui), the link's command handler, and, through
// OfficerDecisions, the link's officer-decision handler.
//
// Devices that need cgo (camera, scanner) reach it through the small
// FaceCapturer interface and the Document/Letter methods, so this package
// builds without cgo. The replica and the link reach it through Replica
// and Link, interfaces of its own in plain types, so it imports neither
// agent/authz (Pebble) nor agent/link (paho).
//
// Files by concern: kiosk.go (options, the struct), loop.go (the loop),
// replica.go (the look-ups), decision.go, devices.go (the device registry
// and the kiosk's state), referrals.go (the referral store, officer
// decisions), events.go (building and recording events), views.go (the
// consoles' views), commands.go, chip.go, receipt.go.
package kiosk
