// Package ui serves the kiosk's HTTP screens: the traveler kiosk, the
// officer console and the technician console.
package ui
