// Package deptest holds no code: its test keeps the dependency rules of
// docs/architecture.md true (mrz imports only the standard library; the core
// never imports the cgo libraries).
package deptest
