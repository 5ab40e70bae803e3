// Package ui serves the kiosk's HTTP screens: the traveler kiosk (/), the
// officer console (/officer) and the technician console (/tech), with
// their JSON API under /api/ and the embedded pages under /assets/.
//
// It sees the agent only through Kiosk (snapshots from agent/view, a
// change channel, a few commands) and, in the demo, Simulator. The pages
// are plain HTML, CSS and JavaScript embedded with go:embed: no framework,
// no build step, nothing loaded from elsewhere, no inline script (the CSP
// forbids it). Traveler text lives in assets/messages.json (en, fr).
//
// Files: ui.go (routes, security headers, Host and CSRF rules), auth.go
// (console tokens and server-side sessions), limit.go (holding back token
// guesses per source), traveler.go, officer.go, tech.go (the three
// APIs), sse.go (server-sent events). docs/ui.md describes the API.
package ui
