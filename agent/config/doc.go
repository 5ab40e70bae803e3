// Package config loads the kiosk's TOML configuration: parse, then apply
// defaults, then validate, reporting every problem at once with its field
// path (for example `devices.mrzReader.baud: 12345 is not a standard rate`)
// and refusing unknown keys, so that a technician's typo never silently
// falls back to a default. docs/config.md is the reference.
package config
