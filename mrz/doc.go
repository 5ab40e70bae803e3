// Package mrz parses, validates, corrects and generates ICAO 9303 machine
// readable zones.
package mrz
