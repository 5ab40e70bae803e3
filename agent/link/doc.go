// Package link is the kiosk's MQTT connection to the central system
// (docs/protocol.md), over eclipse/paho.mqtt.golang.
//
// It owns the session (client ID xpt-kiosk-{id}, persistent session,
// keep-alive, Last Will and the retained state), reconnects with
// exponential back-off and full jitter, delivers the durable outbox in seq
// order at QoS 1, and verifies everything that arrives: commands (signed,
// addressed to this kiosk, not expired, never replayed), officer decisions
// (for a referral this kiosk has open) and authorization data (handed to the
// replica, which verifies it). Every refused message is counted by reason
// and reported as a security.message_rejected event without its payload.
//
// # Who stores what
//
// The outbox is the only durable store of outgoing events. paho gets a fresh
// in-memory store with every connection and its automatic reconnect is off:
// the link dials each connection itself. The delivery pump publishes
// records from the outbox in seq order from one goroutine, with at most
// Window publishes awaiting PUBACK; a seq is acknowledged to the outbox only
// when its PUBACK arrives. When a connection is lost, whatever paho still
// had in flight is abandoned with the client, and the next connection starts
// again at the first unacknowledged seq. So order holds (one publisher, one
// TCP stream, resent from a single cursor), nothing acknowledged to the
// outbox was unconfirmed by the broker, and a crash at any point costs at
// most duplicates, which carry the same eventId because the outbox replays
// the exact bytes it stored.
//
// Incoming messages are taken off paho's router at once and handled by one
// worker goroutine in arrival order, so a slow authorization batch never
// holds back PUBACKs or keep-alive responses.
package link
