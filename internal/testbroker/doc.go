// Package testbroker runs Debian's Mosquitto (/usr/sbin/mosquitto) on a free
// loopback port for integration tests and benchmarks: a generated
// configuration in a temporary directory, persistence in the same directory
// (so Restart keeps sessions and queued messages, as a real broker would),
// and optionally TLS with a generated CA, a server certificate, per-client
// certificates and an ACL that confines each kiosk to its own topics.
//
// New(t, ...) is for tests: it skips the test when Mosquitto is absent and
// stops the broker in t.Cleanup. Launch is the same without package testing,
// for scripts and commands.
package testbroker
