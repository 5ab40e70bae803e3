package link

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/xpt-pilot/xpt-kiosk/internal/testbroker"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

func seal(t *testing.T, keyID string, priv ed25519.PrivateKey, v any) []byte {
	t.Helper()
	raw, err := wire.Seal(keyID, priv, v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestForgedAndReplayedOnEveryTopic sends, over the real broker, good and
// bad messages on every topic the kiosk subscribes to, and checks what was
// applied, what was refused and counted, and what was reported.
func TestForgedAndReplayedOnEveryTopic(t *testing.T) {
	b := testbroker.New(t)
	keys, priv := testKeys(t)
	_, otherPriv, _ := ed25519.GenerateKey(nil)
	col := collector(t, b.URL())
	k := startKiosk(t, "yyz-t1-k04", b.URL(), keys, nil)
	k.waitConnected(t)
	k.refs.mu.Lock()
	k.refs.open["ref-1"] = true
	k.refs.open["ref-2"] = true
	k.refs.mu.Unlock()
	pub := central(t, b.URL())
	send := func(topic string, raw []byte) {
		t.Helper()
		if tok := pub.Publish(topic, 1, false, raw); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
	}
	now := time.Now()
	notAfter := wire.FormatTime(now.Add(time.Minute))
	good := wire.Command{CommandID: "cmd-1", KioskID: k.id, Type: wire.CommandLock, NotAfter: notAfter}
	goodRaw := seal(t, "central-test", priv, good)
	cmdTopic := wire.KioskTopic(k.id, "commands")

	// Forged: a valid envelope with its payload swapped.
	var env wire.SignedEnvelope
	json.Unmarshal(seal(t, "central-test", priv, wire.Command{CommandID: "cmd-x", KioskID: k.id, Type: wire.CommandUnlock, NotAfter: notAfter}), &env)
	env.Payload = base64.StdEncoding.EncodeToString([]byte(`{"commandId":"cmd-x","kioskId":"` + k.id + `","type":"unlock","notAfter":"` + notAfter + `","x":1}`))
	forged, _ := json.Marshal(env)
	rate := json.RawMessage(`{"rate":0.05}`)

	cases := []struct {
		topic string
		raw   []byte
	}{
		{cmdTopic, goodRaw}, // applied
		{cmdTopic, goodRaw}, // replay
		{cmdTopic, forged},  // bad_signature
		{cmdTopic, seal(t, "central-other", otherPriv, good)}, // unknown_key
		{cmdTopic, []byte(`not json`)},                        // malformed
		{cmdTopic, seal(t, "central-test", priv, wire.Command{CommandID: "cmd-2", KioskID: "yyz-t1-k99", Type: "lock", NotAfter: notAfter})},           // mismatch
		{cmdTopic, seal(t, "central-test", priv, wire.Command{CommandID: "cmd-3", KioskID: k.id, Type: "lock", NotAfter: "2020-01-01T00:00:00.000Z"})}, // expired
		{cmdTopic, seal(t, "central-test", priv, wire.Command{CommandID: "cmd-4", KioskID: k.id, Type: wire.CommandSetReferralRate, Args: rate, NotAfter: notAfter})},
		{wire.TopicAuthzBatches, forged}, // bad_signature
		{wire.TopicAuthzHead, seal(t, "central-other", otherPriv, wire.AuthzHead{Seq: 1})},                                // unknown_key
		{wire.KioskTopic(k.id, "authz"), []byte(`{"keyId":"central-test"}`)},                                              // malformed
		{wire.DecisionTopic("YYZ", "ref-1"), []byte(`{"referralId":`)},                                                    // malformed
		{wire.DecisionTopic("YYZ", "ref-9"), seal(t, "central-test", priv, decision("ref-9", k.id, now))},                 // mismatch: not open
		{wire.DecisionTopic("YYZ", "ref-1"), seal(t, "central-test", priv, decision("ref-1", "yyz-t1-k05", now))},         // another kiosk's: ignored
		{wire.DecisionTopic("YYZ", "ref-2"), mustJSON(decision("ref-2", k.id, now))},                                      // unsigned: an anonymous client's
		{wire.DecisionTopic("YYZ", "ref-2"), seal(t, "central-other", otherPriv, decision("ref-2", k.id, now))},           // unknown_key
		{wire.DecisionTopic("YYZ", "ref-2"), seal(t, "central-test", priv, decision("ref-2", k.id, now.Add(-time.Hour)))}, // expired
		{wire.DecisionTopic("YYZ", "ref-1"), seal(t, "central-test", priv, decision("ref-1", k.id, now))},                 // applied
		{wire.DecisionTopic("YYZ", "ref-1"), seal(t, "central-test", priv, decision("ref-1", k.id, now))},                 // replayed: no longer open
	}
	for _, c := range cases {
		send(c.topic, c.raw)
	}
	want := map[string]uint64{wire.RejectReplay: 1, wire.RejectSignature: 2, wire.RejectUnknownKey: 3,
		wire.RejectMalformed: 3, wire.RejectMismatch: 3, wire.RejectExpired: 2, wire.RejectUnsigned: 1}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := k.link.Rejections()
		ok := len(got) == len(want)
		for r, n := range want {
			ok = ok && got[r] == n
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rejections %v, want %v", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if k.cmds.count() != 2 {
		t.Fatalf("%d commands applied, want 2 (lock, set-referral-rate)", k.cmds.count())
	}
	k.refs.mu.Lock()
	if len(k.refs.decided) != 1 || k.refs.decided[0].ReferralID != "ref-1" || k.refs.via[0] != "mqtt:central-test" {
		t.Fatalf("decisions %+v via %v, want ref-1 by mqtt:central-test", k.refs.decided, k.refs.via)
	}
	k.refs.mu.Unlock()
	// Reports: 2 applied, 3 rejected (replay, mismatch, expired), 15 security events.
	if !col.WaitFor(10*time.Second, func() bool {
		r := col.Report(k.id)
		return r.Types[wire.EventCommandApplied] == 2 && r.Types[wire.EventCommandRejected] == 3 && r.Types[wire.EventSecurityRejected] == 15
	}) {
		t.Fatalf("events: %v", col.Report(k.id).Types)
	}
	st := k.link.Stats()
	if st.RejectedBy["commands"] != 6 || st.RejectedBy["authz"] != 3 || st.RejectedBy["decision"] != 6 || st.OtherKiosk != 1 {
		t.Fatalf("by topic %v, other kiosk %d", st.RejectedBy, st.OtherKiosk)
	}

	// The replay memory is durable: a restarted kiosk still refuses cmd-1.
	stateDir := k.link.o.StateDir
	k.stop()
	k2 := startKiosk(t, "yyz-t1-k04", b.URL(), keys, func(o *Options) { o.StateDir = stateDir })
	k2.waitConnected(t)
	send(cmdTopic, goodRaw)
	deadline = time.Now().Add(5 * time.Second)
	for k2.link.Rejections()[wire.RejectReplay] != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("replay after restart not refused: %v", k2.link.Rejections())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if k2.cmds.count() != 0 {
		t.Fatal("replayed command applied after restart")
	}
}

func mustJSON(v any) []byte { raw, _ := json.Marshal(v); return raw }

func decision(referralID, kioskID string, at time.Time) wire.OfficerDecision {
	return wire.OfficerDecision{ReferralID: referralID, KioskID: kioskID, OfficerID: "o1", Decision: wire.DecisionAdmit, At: wire.FormatTime(at)}
}

func TestSecurityEventsRateLimited(t *testing.T) {
	keys, _ := testKeys(t)
	k := startKiosk(t, "yyz-t1-k06", "tcp://127.0.0.1:1", keys, func(o *Options) { o.SecurityEventsPerMinute = 60 })
	for i := 0; i < 100; i++ {
		k.link.Deliver(t.Context(), wire.KioskTopic(k.id, "commands"), []byte("garbage"))
	}
	if got := k.link.Rejections()[wire.RejectMalformed]; got != 100 {
		t.Fatalf("counted %d", got)
	}
	if d := k.ob.Depth(); d < 15 || d > 25 {
		t.Fatalf("%d security events for a flood of 100 (burst 20)", d)
	}
}

func TestTLSClientCertAndACL(t *testing.T) {
	b := testbroker.New(t, testbroker.Options{TLS: &testbroker.TLSOptions{Kiosks: []string{"yyz-t1-k07", "yyz-t1-k08"}}})
	keys, _ := testKeys(t)
	ctc, _ := b.ClientTLS("xpt-central")
	col := collector(t, b.URL(), func(o *mqtt.ClientOptions) { o.SetTLSConfig(ctc) })
	pki := b.PKI()
	cert, key, _ := pki.Client("xpt-kiosk-yyz-t1-k07")
	k := startKiosk(t, "yyz-t1-k07", b.URL(), keys, func(o *Options) {
		o.CAFile, o.CertFile, o.KeyFile = pki.CAFile(), cert, key
	})
	k.waitConnected(t)
	for i := 0; i < 10; i++ {
		k.ob.Append(txEvent(i))
	}
	if !col.WaitFor(10*time.Second, func() bool { return col.Unique(k.id) == 10 }) {
		t.Fatalf("TLS delivery: %v", col.Report(k.id))
	}
	// A kiosk presenting k07's certificate but claiming to be k08 cannot
	// publish under k08's topics: the broker's ACL refuses it.
	imp := startKiosk(t, "yyz-t1-k08", b.URL(), keys, func(o *Options) {
		o.CAFile, o.CertFile, o.KeyFile = pki.CAFile(), cert, key
	})
	imp.ob.Append(txEvent(0))
	time.Sleep(time.Second)
	if n := col.Unique("yyz-t1-k08"); n != 0 || len(col.States("yyz-t1-k08")) != 0 {
		t.Fatalf("ACL let an impostor publish %d events for another kiosk", n)
	}
	// Without a client certificate there is no connection at all.
	nocert := startKiosk(t, "yyz-t1-k09", b.URL(), keys, func(o *Options) { o.CAFile = pki.CAFile() })
	deadline := time.Now().Add(10 * time.Second)
	for nocert.link.Stats().ConnectFails == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if nocert.link.Connected() || nocert.link.Stats().ConnectFails == 0 {
		t.Fatal("connected without a client certificate")
	}
}
