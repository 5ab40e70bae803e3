// Package drivers defines the kiosk's device interfaces and their typed
// errors; concrete real and simulated devices live in subpackages.
package drivers
