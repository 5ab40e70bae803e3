package embedbroker

import (
	"bytes"
	"crypto/subtle"
	"strings"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/packets"
)

// User is an account of the broker. A kiosk user (Kiosk set) is confined
// to its own topics, as the Mosquitto ACL of internal/testbroker confines a
// kiosk certificate; a user without Kiosk is the central system and may use
// every topic.
type User struct {
	Name, Password string
	// Kiosk is the kiosk ID the user may act as; empty for the central
	// system.
	Kiosk string
}

// aclHook authenticates by username and password (constant-time) and
// applies the topic rules; anonymous clients are refused.
type aclHook struct {
	mochi.HookBase
	users map[string]User
}

func (h *aclHook) ID() string { return "xpt-acl" }

func (h *aclHook) Provides(b byte) bool {
	return bytes.Contains([]byte{mochi.OnConnectAuthenticate, mochi.OnACLCheck}, []byte{b})
}

func (h *aclHook) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	u, ok := h.users[string(cl.Properties.Username)]
	if !ok || u.Password == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(u.Password), pk.Connect.Password) == 1
}

func (h *aclHook) OnACLCheck(cl *mochi.Client, topic string, write bool) bool {
	u, ok := h.users[string(cl.Properties.Username)]
	if !ok {
		return false
	}
	return Allowed(u, topic, write)
}

// Allowed says whether u may publish (write) or subscribe to topic (a
// filter when subscribing).
func Allowed(u User, topic string, write bool) bool {
	if u.Kiosk == "" {
		return true
	}
	own := "xpt/v1/kiosks/" + u.Kiosk + "/"
	if write {
		for _, t := range []string{"state", "events", "telemetry", "sync"} {
			if topic == own+t {
				return true
			}
		}
		return false
	}
	for _, f := range []string{own + "commands", own + "authz", own + "state", "xpt/v1/authz/#",
		"xpt/v1/authz/batches", "xpt/v1/authz/head", "xpt/v1/ports/+/referrals/+/decision"} {
		if topic == f {
			return true
		}
	}
	// A narrower decision filter (one port) is a subset of the broad one.
	if _, ok := auth.MatchTopic("xpt/v1/ports/+/referrals/+/decision", topic); ok && !strings.Contains(topic, "#") {
		return true
	}
	return false
}
