// Package config loads the kiosk's TOML configuration: parse, then apply
// defaults, then validate, reporting every problem at once with its field
// path (for example `devices.mrzReader.baud: 12345 is not a standard line
// speed`) and refusing unknown keys, so that a technician's typo never
// silently falls back to a default. The device sections of the serial
// readers and the printer are their drivers' own Config types: the drivers'
// defaults, and their Validate's field errors in the same list.
// docs/config.md is the reference.
package config
