package link

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Reasons beyond wire's reject codes, for command.rejected.
const (
	ReasonUnknownCommand = "unknown_command"
	ReasonNoHandler      = "no_handler"
	ReasonStorage        = "storage"
)

func (l *Link) worker(ctx context.Context) {
	for {
		select {
		case m := <-l.inbox:
			l.handle(ctx, m.topic, m.raw)
		case <-ctx.Done():
			return
		}
	}
}

// handle routes one incoming message. Exported for tests through Deliver.
func (l *Link) handle(ctx context.Context, topic string, raw []byte) {
	switch {
	case topic == wire.KioskTopic(l.o.KioskID, "commands"):
		l.handleCommand(ctx, topic, raw)
	case topic == wire.TopicAuthzBatches || topic == wire.KioskTopic(l.o.KioskID, "authz"):
		l.handleAuthz(ctx, topic, raw, false)
	case topic == wire.TopicAuthzHead:
		l.handleAuthz(ctx, topic, raw, true)
	case strings.HasPrefix(topic, "xpt/v1/ports/"+l.o.PortCode+"/referrals/") && strings.HasSuffix(topic, "/decision"):
		l.handleDecision(ctx, topic, raw)
	default:
		l.reject(ctx, topic, "unexpected_topic", "", "")
	}
}

// Deliver hands a message to the link as if it had arrived on topic (for
// tests and for the in-process demo).
func (l *Link) Deliver(ctx context.Context, topic string, raw []byte) { l.handle(ctx, topic, raw) }

func topicClass(topic string) string {
	switch {
	case strings.HasSuffix(topic, "/commands"):
		return "commands"
	case strings.HasSuffix(topic, "/decision"):
		return "decision"
	case strings.Contains(topic, "/authz"):
		return "authz"
	}
	return "other"
}

// reject counts a refused message and reports it as
// security.message_rejected (topic and reason, never the payload), at most
// SecurityEventsPerMinute a minute; the rest are counted and summarised.
func (l *Link) reject(ctx context.Context, topic, code, keyID, detail string) {
	now := l.o.Now()
	l.rejMu.Lock()
	l.rejections[code]++
	l.rejByTopic[topicClass(topic)]++
	rate := float64(l.o.SecurityEventsPerMinute) / 60
	if !l.secLast.IsZero() {
		l.secTokens = math.Min(20, l.secTokens+now.Sub(l.secLast).Seconds()*rate)
	}
	l.secLast = now
	emit := l.secTokens >= 1
	var suppressed uint64
	if emit {
		l.secTokens--
		suppressed, l.secSuppressed = l.secSuppressed, 0
	} else {
		l.secSuppressed++
	}
	l.rejMu.Unlock()
	l.o.Logger.Warn("link: message rejected", "topic", topic, "reason", code, "keyId", keyID, "detail", detail)
	if !emit {
		return
	}
	ev := &wire.Event{Type: wire.EventSecurityRejected, Security: &wire.SecurityEvent{Topic: topic, Reason: code, KeyID: keyID}}
	if suppressed > 0 {
		ev.Extra, _ = json.Marshal(map[string]uint64{"suppressedBefore": suppressed})
	}
	l.emit(ev)
}

func (l *Link) emit(ev *wire.Event) {
	if _, err := l.o.Outbox.Append(ev); err != nil {
		l.o.Logger.Error("link: cannot record event", "type", ev.Type, "err", err)
	}
}

func (l *Link) commandResult(cmd wire.Command, reason string) {
	typ := wire.EventCommandApplied
	if reason != "" {
		typ = wire.EventCommandRejected
	}
	l.emit(&wire.Event{Type: typ, Command: &wire.CommandResult{CommandID: cmd.CommandID, Type: cmd.Type, Reason: reason}})
}

// SetReferralRateArgs are the args of set-referral-rate: {"rate":0.05}.
type SetReferralRateArgs struct {
	Rate *float64 `json:"rate"`
}

func (l *Link) handleCommand(ctx context.Context, topic string, raw []byte) {
	var cmd wire.Command
	keyID, err := l.o.Keys.OpenInto(raw, &cmd)
	if err != nil {
		l.reject(ctx, topic, wire.RejectCode(err), keyID, err.Error())
		return
	}
	// Authentic from here on: refusals are also answered with command.rejected.
	refuse := func(code, detail string) {
		l.reject(ctx, topic, code, keyID, detail)
		if cmd.CommandID != "" {
			l.commandResult(cmd, code)
		}
	}
	if cmd.CommandID == "" || cmd.Type == "" || cmd.NotAfter == "" {
		refuse(wire.RejectSchema, "commandId, type and notAfter are required")
		return
	}
	if cmd.KioskID != l.o.KioskID {
		refuse(wire.RejectMismatch, "command for kiosk "+cmd.KioskID)
		return
	}
	notAfter, err := wire.ParseTime(cmd.NotAfter)
	if err != nil {
		refuse(wire.RejectSchema, "notAfter is not a time")
		return
	}
	now := l.o.Now()
	if now.After(notAfter) {
		refuse(wire.RejectExpired, "notAfter "+cmd.NotAfter)
		return
	}
	if notAfter.Sub(now) > l.o.MaxCommandTTL {
		refuse(wire.RejectSchema, fmt.Sprintf("notAfter more than %s ahead", l.o.MaxCommandTTL))
		return
	}
	fresh, err := l.seen.add(cmd.CommandID, notAfter, now)
	if err != nil {
		l.o.Logger.Error("link: cannot remember command", "err", err)
		l.commandResult(cmd, ReasonStorage)
		return
	}
	if !fresh {
		refuse(wire.RejectReplay, "commandId seen before")
		return
	}
	switch cmd.Type {
	case wire.CommandLock, wire.CommandUnlock, wire.CommandResync:
	case wire.CommandSetReferralRate:
		var a SetReferralRateArgs
		if err := json.Unmarshal(cmd.Args, &a); err != nil || a.Rate == nil || *a.Rate < 0 || *a.Rate > 1 || math.IsNaN(*a.Rate) {
			l.commandResult(cmd, wire.RejectSchema)
			return
		}
	default:
		l.commandResult(cmd, ReasonUnknownCommand)
		return
	}
	if l.o.Commands == nil {
		l.commandResult(cmd, ReasonNoHandler)
		return
	}
	if err := l.o.Commands.ApplyCommand(ctx, cmd); err != nil {
		l.o.Logger.Warn("link: command failed", "commandId", cmd.CommandID, "type", cmd.Type, "err", err)
		l.commandResult(cmd, err.Error())
		return
	}
	l.o.Logger.Info("link: command applied", "commandId", cmd.CommandID, "type", cmd.Type)
	l.commandResult(cmd, "")
}

// handleDecision applies an officer decision from another console. The
// kiosk's rule (docs/protocol.md): a decision is a SignedEnvelope of an
// OfficerDecision, signed by a key in trust.keys (the central system signs
// for the officer it authenticated), no older than MaxDecisionAge, and
// applied at most once per referral. A plain, forged, expired or replayed
// one is refused and counted as a security event; it changes nothing.
func (l *Link) handleDecision(ctx context.Context, topic string, raw []byte) {
	// xpt/v1/ports/{port}/referrals/{referralId}/decision
	parts := strings.Split(topic, "/")
	if len(parts) != 7 {
		l.reject(ctx, topic, wire.RejectSchema, "", "bad decision topic")
		return
	}
	rid := parts[5]
	if len(raw) > 64<<10 {
		l.reject(ctx, topic, wire.RejectTooLarge, "", "")
		return
	}
	var env wire.SignedEnvelope
	if json.Unmarshal(raw, &env) == nil && env.Sig == "" && env.Payload == "" {
		var plain wire.OfficerDecision
		if json.Unmarshal(raw, &plain) == nil && plain.ReferralID != "" {
			l.reject(ctx, topic, wire.RejectUnsigned, "", "officer decisions must be signed envelopes")
			return
		}
	}
	var d wire.OfficerDecision
	keyID, err := l.o.Keys.OpenInto(raw, &d)
	if err != nil {
		l.reject(ctx, topic, wire.RejectCode(err), keyID, err.Error())
		return
	}
	if d.KioskID != l.o.KioskID {
		// Every kiosk of the port sees every decision: not an attack.
		l.otherKiosk.Add(1)
		return
	}
	if d.ReferralID != rid {
		l.reject(ctx, topic, wire.RejectMismatch, keyID, "referralId differs from the topic")
		return
	}
	switch d.Decision {
	case wire.DecisionAdmit, wire.DecisionRefuse, wire.DecisionSecondary:
	default:
		l.reject(ctx, topic, wire.RejectSchema, keyID, "unknown decision")
		return
	}
	if d.OfficerID == "" {
		l.reject(ctx, topic, wire.RejectSchema, keyID, "no officerId")
		return
	}
	at, err := wire.ParseTime(d.At)
	if err != nil {
		l.reject(ctx, topic, wire.RejectSchema, keyID, "at is not a time")
		return
	}
	now := l.o.Now()
	if now.Sub(at) > l.o.MaxDecisionAge || at.Sub(now) > DecisionClockSkew {
		l.reject(ctx, topic, wire.RejectExpired, keyID, "at "+d.At)
		return
	}
	if l.o.Decisions == nil || !l.o.Decisions.ReferralOpen(rid) {
		l.reject(ctx, topic, wire.RejectMismatch, keyID, "no such open referral")
		return
	}
	// At most once per referral, durably: a captured decision replayed
	// after a restart is refused too.
	fresh, err := l.seen.add("decision/"+rid, at.Add(l.o.MaxDecisionAge+DecisionClockSkew), now)
	if err != nil {
		l.o.Logger.Error("link: cannot remember decision", "err", err)
		return
	}
	if !fresh {
		l.reject(ctx, topic, wire.RejectReplay, keyID, "a decision for this referral was seen before")
		return
	}
	if err := l.o.Decisions.Decide(ctx, d, "mqtt:"+keyID); err != nil {
		l.o.Logger.Warn("link: decision not applied", "referralId", rid, "err", err)
		return
	}
	l.o.Logger.Info("link: officer decision applied", "referralId", rid, "officerId", d.OfficerID, "decision", d.Decision, "keyId", keyID)
}

func (l *Link) handleAuthz(ctx context.Context, topic string, raw []byte, head bool) {
	var err error
	switch {
	case l.o.Authz == nil:
		// Nobody to apply it; still refuse what does not verify.
		_, _, err = l.o.Keys.Open(raw)
	case head:
		err = l.o.Authz.HandleHead(ctx, raw)
	default:
		err = l.o.Authz.HandleBatch(ctx, topic, raw)
	}
	if err == nil {
		return
	}
	var re *wire.RejectError
	if errors.As(err, &re) {
		l.reject(ctx, topic, re.Code, re.KeyID, re.Detail)
		return
	}
	l.o.Logger.Error("link: authorization data not applied", "topic", topic, "err", err)
}
