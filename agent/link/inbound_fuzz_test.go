package link

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/outbox"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// FuzzInbound feeds arbitrary messages to the link as they would arrive
// on each topic the kiosk subscribes to (commands, officer decisions,
// authorization batches and heads). Whatever the bytes: no panic; nothing
// is applied that the trusted key did not sign, for this kiosk, in force;
// nothing is applied twice; and every message is either applied, ignored
// as another kiosk's decision, or refused and counted.
func FuzzInbound(f *testing.F) {
	const kioskID = "yyz-t1-k01"
	pub, priv, _ := ed25519.GenerateKey(nil)
	_, otherPriv, _ := ed25519.GenerateKey(nil)
	keys := &wire.KeyRing{}
	keys.Add("central-fuzz", pub)
	now := time.Now()
	seal := func(keyID string, k ed25519.PrivateKey, v any) []byte {
		raw, err := wire.Seal(keyID, k, v)
		if err != nil {
			f.Fatal(err)
		}
		return raw
	}
	notAfter := wire.FormatTime(now.Add(time.Hour))
	cmd := func(id, typ string, args string) wire.Command {
		c := wire.Command{CommandID: id, KioskID: kioskID, Type: typ, NotAfter: notAfter}
		if args != "" {
			c.Args = json.RawMessage(args)
		}
		return c
	}
	dec := func(ref, kiosk, decision string) wire.OfficerDecision {
		return wire.OfficerDecision{ReferralID: ref, KioskID: kiosk, OfficerID: "O-55", Decision: decision, At: wire.FormatTime(now)}
	}
	// Topic 0 commands, 1 decisions on referral ref-<n>, 2 batches, 3 head,
	// 4 the kiosk's own authz topic, 5 another port's decision.
	for _, s := range []struct {
		topic byte
		raw   []byte
	}{
		{0, seal("central-fuzz", priv, cmd("c-1", wire.CommandLock, ""))},
		{0, seal("central-fuzz", priv, cmd("c-2", wire.CommandSetReferralRate, `{"rate":0.05}`))},
		{0, seal("central-fuzz", priv, cmd("c-3", wire.CommandSetReferralRate, `{"rate":7}`))},
		{0, seal("central-fuzz", priv, cmd("c-4", "reboot", ""))},
		{0, seal("central-other", otherPriv, cmd("c-5", wire.CommandUnlock, ""))},
		{0, seal("central-fuzz", priv, wire.Command{CommandID: "c-6", KioskID: "yyz-t1-k99", Type: wire.CommandLock, NotAfter: notAfter})},
		{1, seal("central-fuzz", priv, dec("ref-1", kioskID, wire.DecisionAdmit))},
		{1, seal("central-fuzz", priv, dec("ref-1", kioskID, "deport"))},
		{1, seal("central-fuzz", priv, dec("ref-1", "yyz-t1-k05", wire.DecisionRefuse))},
		{1, mustJSON(dec("ref-1", kioskID, wire.DecisionAdmit))}, // unsigned
		{1, []byte(`{"keyId":"central-fuzz","payload":"e30=","sig":"AAAA"}`)},
		{2, seal("central-fuzz", priv, wire.AuthzHead{Seq: 3})},
		{3, seal("central-other", otherPriv, wire.AuthzHead{Seq: 1})},
		{4, []byte(`{"keyId":"central-fuzz"}`)},
		{5, []byte(`not json`)},
	} {
		f.Add(s.topic, s.raw)
	}

	// The outbox and the seen store sync every write: on tmpfs that costs
	// nothing, so the fuzzer fuzzes instead of waiting on the disk.
	base := ""
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		base = "/dev/shm"
	}
	dir, err := os.MkdirTemp(base, "fuzz-inbound-")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { os.RemoveAll(dir) })
	ob, err := outbox.Open(outbox.Options{Dir: filepath.Join(dir, "outbox"), KioskID: kioskID, PortCode: "YYZ", MaxEvents: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { ob.Close() })
	cmds := &fakeCommands{}
	refs := &fakeReferrals{open: map[string]bool{}}
	l, err := New(Options{KioskID: kioskID, PortCode: "YYZ", Version: "fuzz", Broker: "tcp://127.0.0.1:1", Keys: keys,
		StateDir: filepath.Join(dir, "link"), Outbox: ob, Commands: cmds, Decisions: refs,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), SecurityEventsPerMinute: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	applied := map[string]bool{}
	f.Fuzz(func(t *testing.T, topicN byte, raw []byte) {
		ref := "ref-1"
		topic := []string{
			wire.KioskTopic(kioskID, "commands"), wire.DecisionTopic("YYZ", ref), wire.TopicAuthzBatches,
			wire.TopicAuthzHead, wire.KioskTopic(kioskID, "authz"), wire.DecisionTopic("YUL", ref),
		}[int(topicN)%6]
		refs.mu.Lock()
		refs.open[ref] = true // a fresh referral each time: only the seen store stops a second decision
		nDecided := len(refs.decided)
		refs.mu.Unlock()
		nCmds := cmds.count()
		before := total(l.Rejections())
		other := l.otherKiosk.Load()

		l.Deliver(context.Background(), topic, raw)

		refs.mu.Lock()
		newDecisions := refs.decided[nDecided:]
		refs.mu.Unlock()
		cmds.mu.Lock()
		newCmds := append([]wire.Command(nil), cmds.got[nCmds:]...)
		cmds.mu.Unlock()
		refused := total(l.Rejections()) - before
		ignored := l.otherKiosk.Load() - other

		for _, c := range newCmds {
			var signed wire.Command
			if _, err := keys.OpenInto(raw, &signed); err != nil || signed.CommandID != c.CommandID || c.KioskID != kioskID {
				t.Fatalf("applied a command the trusted key did not sign for this kiosk: %+v (%v)", c, err)
			}
			if applied["cmd/"+c.CommandID] {
				t.Fatalf("command %s applied twice", c.CommandID)
			}
			applied["cmd/"+c.CommandID] = true
		}
		for _, d := range newDecisions {
			var signed wire.OfficerDecision
			if _, err := keys.OpenInto(raw, &signed); err != nil || signed != d || d.KioskID != kioskID || d.ReferralID != ref {
				t.Fatalf("applied a decision the trusted key did not sign for this kiosk: %+v (%v)", d, err)
			}
			if applied["decision/"+d.ReferralID] {
				t.Fatalf("a second decision applied for %s", d.ReferralID)
			}
			applied["decision/"+d.ReferralID] = true
		}
		outcomes := len(newCmds) + len(newDecisions)
		if refused > 0 {
			outcomes++
		}
		if ignored > 0 {
			outcomes++
		}
		// An authentic command refused as unknown or with bad args is
		// answered with command.rejected, not counted as a security event;
		// authentic authorization data has no replica here to go to.
		if outcomes == 0 && topicN%6 != 1 && topicN%6 != 5 {
			if _, _, err := keys.Open(raw); err == nil {
				outcomes++
			}
		}
		if outcomes != 1 {
			t.Fatalf("%q on %s: %d commands, %d decisions applied, %d refusals, %d ignored: want exactly one outcome",
				raw, topic, len(newCmds), len(newDecisions), refused, ignored)
		}
	})
}

func total(m map[string]uint64) uint64 {
	var n uint64
	for _, v := range m {
		n += v
	}
	return n
}
