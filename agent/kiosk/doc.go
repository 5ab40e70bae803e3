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
// builds without cgo.
package kiosk
