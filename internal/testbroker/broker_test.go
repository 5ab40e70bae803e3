package testbroker

import (
	"crypto/tls"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

func connect(t *testing.T, url, id string, tc *tls.Config) mqtt.Client {
	t.Helper()
	o := mqtt.NewClientOptions().AddBroker(url).SetClientID(id).SetCleanSession(false).
		SetAutoReconnect(false).SetConnectTimeout(5 * time.Second)
	if tc != nil {
		o.SetTLSConfig(tc)
	}
	c := mqtt.NewClient(o)
	tok := c.Connect()
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect %s: %v", id, tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c
}

func TestPlainRestartKeepsQueuedMessages(t *testing.T) {
	b := New(t)
	got := make(chan string, 10)
	sub := connect(t, b.URL(), "sub", nil)
	if tok := sub.Subscribe("a/#", 1, func(_ mqtt.Client, m mqtt.Message) { got <- string(m.Payload()) }); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	sub.Disconnect(100)
	pub := connect(t, b.URL(), "pub", nil)
	pub.Publish("a/b", 1, false, "queued").WaitTimeout(5 * time.Second)
	pub.Disconnect(100)
	if err := b.Restart(); err != nil {
		t.Fatal(err)
	}
	// The persistent session and the queued message survived the restart.
	o := mqtt.NewClientOptions().AddBroker(b.URL()).SetClientID("sub").SetCleanSession(false).SetAutoReconnect(false)
	o.SetDefaultPublishHandler(func(_ mqtt.Client, m mqtt.Message) { got <- string(m.Payload()) })
	c := mqtt.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	select {
	case m := <-got:
		if m != "queued" {
			t.Fatalf("got %q", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("queued message lost across restart")
	}
}

func TestTLSACLConfinesKiosk(t *testing.T) {
	b := New(t, Options{TLS: &TLSOptions{Kiosks: []string{"k-one", "k-two"}}})
	ctc, err := b.ClientTLS("xpt-central")
	if err != nil {
		t.Fatal(err)
	}
	central := connect(t, b.URL(), "central", ctc)
	got := make(chan string, 10)
	central.Subscribe("xpt/v1/kiosks/#", 1, func(_ mqtt.Client, m mqtt.Message) { got <- m.Topic() }).WaitTimeout(5 * time.Second)

	ktc, _ := b.ClientTLS("xpt-kiosk-k-one")
	k1 := connect(t, b.URL(), "xpt-kiosk-k-one", ktc)
	k1.Publish("xpt/v1/kiosks/k-one/events", 1, false, "{}").WaitTimeout(5 * time.Second)
	select {
	case topic := <-got:
		if topic != "xpt/v1/kiosks/k-one/events" {
			t.Fatalf("got %s", topic)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("own publish not delivered: %s", b.Log())
	}
	// Under another kiosk's topic: Mosquitto 2.0 drops the message (and, for
	// MQTT 3.1.1, closes the connection, as there is no reason code to send).
	k1.Publish("xpt/v1/kiosks/k-two/events", 1, false, "{}").WaitTimeout(2 * time.Second)
	select {
	case topic := <-got:
		t.Fatalf("ACL let through %s", topic)
	case <-time.After(500 * time.Millisecond):
	}
	// No client certificate: refused at the TLS handshake.
	pool := ctc.RootCAs
	o := mqtt.NewClientOptions().AddBroker(b.URL()).SetClientID("anon").SetTLSConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}).SetAutoReconnect(false).SetConnectTimeout(3 * time.Second)
	c := mqtt.NewClient(o)
	if tok := c.Connect(); tok.WaitTimeout(5*time.Second) && tok.Error() == nil {
		c.Disconnect(0)
		t.Fatal("connected without a client certificate")
	}
}

func TestTLSWithPasswords(t *testing.T) {
	b := New(t, Options{TLS: &TLSOptions{Kiosks: []string{"k-one"}, AllowPassword: true,
		Passwords: map[string]string{"xpt-kiosk-k-one": "s3cret", "xpt-central": "c3ntral"}}})
	pool, _ := b.ClientTLS("xpt-central")
	tc := &tls.Config{RootCAs: pool.RootCAs, MinVersion: tls.VersionTLS12}
	login := func(id, user, pw string) (mqtt.Client, error) {
		o := mqtt.NewClientOptions().AddBroker(b.URL()).SetClientID(id).SetTLSConfig(tc).
			SetUsername(user).SetPassword(pw).SetAutoReconnect(false).SetConnectTimeout(5 * time.Second)
		c := mqtt.NewClient(o)
		tok := c.Connect()
		tok.WaitTimeout(10 * time.Second)
		return c, tok.Error()
	}
	if _, err := login("bad", "xpt-kiosk-k-one", "wrong"); err == nil {
		t.Fatal("wrong password accepted")
	}
	central, err := login("central", "xpt-central", "c3ntral")
	if err != nil {
		t.Fatal(err)
	}
	defer central.Disconnect(50)
	got := make(chan string, 4)
	central.Subscribe("xpt/v1/kiosks/#", 1, func(_ mqtt.Client, m mqtt.Message) { got <- m.Topic() }).WaitTimeout(5 * time.Second)
	k, err := login("xpt-kiosk-k-one", "xpt-kiosk-k-one", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	defer k.Disconnect(50)
	k.Publish("xpt/v1/kiosks/k-one/events", 1, false, "{}").WaitTimeout(5 * time.Second)
	k.Publish("xpt/v1/kiosks/k-two/events", 1, false, "{}").WaitTimeout(2 * time.Second)
	select {
	case topic := <-got:
		if topic != "xpt/v1/kiosks/k-one/events" {
			t.Fatal(topic)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("own publish lost")
	}
	select {
	case topic := <-got:
		t.Fatalf("ACL let through %s", topic)
	case <-time.After(300 * time.Millisecond):
	}
}
