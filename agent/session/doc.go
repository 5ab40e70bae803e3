// Package session is the traveler session as a pure state machine:
// Step(state, input, now) returns the next state and the effects the agent
// must carry out (show a screen, capture a face, decide, make the outcome
// durable). It does no I/O and reads no clock, so every transition is
// table-tested; the agent's loop feeds it device readings, screen taps and
// clock ticks and executes the effects.
//
// The outcome is shown only after the agent reports it durable (Durable),
// which is how "an event is written durably before the traveler is shown
// the outcome" holds.
package session
