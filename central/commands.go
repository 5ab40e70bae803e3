package central

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// NewCommand builds a command for one kiosk, valid for ttl from now.
// args may be nil; set-referral-rate takes {"rate": 0.05}.
func NewCommand(kioskID, typ string, args map[string]any, ttl time.Duration, now time.Time) (wire.Command, error) {
	if !wire.ValidKioskID(kioskID) {
		return wire.Command{}, fmt.Errorf("kiosk ID %q does not match ^[a-z0-9][a-z0-9-]{2,39}$", kioskID)
	}
	switch typ {
	case wire.CommandLock, wire.CommandUnlock, wire.CommandResync, wire.CommandSetReferralRate:
	default:
		return wire.Command{}, fmt.Errorf("command type %q: want lock, unlock, resync or set-referral-rate", typ)
	}
	cmd := wire.Command{CommandID: wire.NewID(now), KioskID: kioskID, Type: typ, NotAfter: wire.FormatTime(now.Add(ttl))}
	if typ == wire.CommandSetReferralRate {
		r, ok := args["rate"].(float64)
		if !ok || r < 0 || r > 1 {
			return wire.Command{}, fmt.Errorf("set-referral-rate needs a rate between 0 and 1")
		}
	}
	if len(args) > 0 {
		b, err := json.Marshal(args)
		if err != nil {
			return wire.Command{}, err
		}
		cmd.Args = b
	}
	return cmd, nil
}

// SendCommand signs cmd and publishes it QoS 1 on the kiosk's commands
// topic. It returns the envelope as sent (keep it to replay it).
func SendCommand(sink Sink, signer Signer, cmd wire.Command) ([]byte, error) {
	env, err := signer.Seal(cmd)
	if err != nil {
		return nil, err
	}
	if err := sink.Publish(wire.KioskTopic(cmd.KioskID, "commands"), 1, false, env); err != nil {
		return nil, err
	}
	return env, sink.Flush(30 * time.Second)
}

// ResendEnvelope publishes a captured command envelope again, unchanged, on
// the commands topic of the kiosk it names: a replay, which the kiosk must
// reject.
func ResendEnvelope(sink Sink, env []byte) (wire.Command, error) {
	var e wire.SignedEnvelope
	if err := json.Unmarshal(env, &e); err != nil {
		return wire.Command{}, fmt.Errorf("not a signed envelope: %w", err)
	}
	var cmd wire.Command
	inner, err := decodeStd(e.Payload)
	if err != nil {
		return wire.Command{}, err
	}
	if err := json.Unmarshal(inner, &cmd); err != nil || !wire.ValidKioskID(cmd.KioskID) {
		return wire.Command{}, fmt.Errorf("envelope does not hold a command for a kiosk")
	}
	if err := sink.Publish(wire.KioskTopic(cmd.KioskID, "commands"), 1, false, env); err != nil {
		return cmd, err
	}
	return cmd, sink.Flush(30 * time.Second)
}

// SendDecision signs an officer decision and publishes it QoS 1 on
// xpt/v1/ports/{port}/referrals/{id}/decision. Kiosks accept decisions only
// as signed envelopes from a key they trust (docs/protocol.md): the central
// system signs for the officer it authenticated. It returns the envelope as
// sent (to replay it in tests).
func SendDecision(sink Sink, signer Signer, portCode string, d wire.OfficerDecision) ([]byte, error) {
	if !wire.ValidPortCode(portCode) {
		return nil, fmt.Errorf("port code %q does not match ^[A-Z0-9]{3,5}$", portCode)
	}
	switch d.Decision {
	case wire.DecisionAdmit, wire.DecisionRefuse, wire.DecisionSecondary:
	default:
		return nil, fmt.Errorf("decision %q: want admit, refuse or secondary", d.Decision)
	}
	if d.ReferralID == "" || d.OfficerID == "" {
		return nil, fmt.Errorf("a decision needs a referral ID and an officer ID")
	}
	env, err := signer.Seal(d)
	if err != nil {
		return nil, err
	}
	if err := sink.Publish(wire.DecisionTopic(portCode, d.ReferralID), 1, false, env); err != nil {
		return nil, err
	}
	return env, sink.Flush(30 * time.Second)
}
