package embedbroker

import (
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

func TestPubSub(t *testing.T) {
	b, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(b.URL()).SetClientID("t").SetAutoReconnect(false))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(50)
	got := make(chan string, 1)
	c.Subscribe("x/#", 1, func(_ mqtt.Client, m mqtt.Message) { got <- string(m.Payload()) }).WaitTimeout(5 * time.Second)
	c.Publish("x/y", 1, false, "hi").WaitTimeout(5 * time.Second)
	select {
	case m := <-got:
		if m != "hi" {
			t.Fatal(m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing received")
	}
	if _, err := Start(Options{Addr: "0.0.0.0:0"}); err == nil {
		t.Fatal("non-loopback accepted")
	}
}

// With users, the broker refuses anonymous clients and wrong passwords, and
// a kiosk can neither publish a decision nor act as another kiosk.
func TestUsersAndACL(t *testing.T) {
	b, err := Start(Options{Users: []User{{Name: "central", Password: "c-secret"}, {Name: "k1", Password: "k-secret", Kiosk: "yyz-k1"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	connect := func(id, user, pass string) (mqtt.Client, error) {
		o := mqtt.NewClientOptions().AddBroker(b.URL()).SetClientID(id).SetAutoReconnect(false).SetConnectRetry(false)
		if user != "" {
			o.SetUsername(user).SetPassword(pass)
		}
		c := mqtt.NewClient(o)
		tok := c.Connect()
		tok.WaitTimeout(5 * time.Second)
		return c, tok.Error()
	}
	for _, bad := range [][2]string{{"", ""}, {"k1", "guess"}, {"nobody", "x"}} {
		if c, err := connect("bad", bad[0], bad[1]); err == nil {
			c.Disconnect(50)
			t.Fatalf("%q/%q connected", bad[0], bad[1])
		}
	}
	central, err := connect("central", "central", "c-secret")
	if err != nil {
		t.Fatal(err)
	}
	defer central.Disconnect(50)
	got := make(chan string, 10)
	central.Subscribe("#", 1, func(_ mqtt.Client, m mqtt.Message) { got <- m.Topic() }).WaitTimeout(5 * time.Second)
	kiosk, err := connect("xpt-kiosk-yyz-k1", "k1", "k-secret")
	if err != nil {
		t.Fatal(err)
	}
	defer kiosk.Disconnect(50)
	for _, topic := range []string{"xpt/v1/kiosks/yyz-k1/events", "xpt/v1/ports/YYZ/referrals/r1/decision", "xpt/v1/kiosks/yyz-k2/events", "xpt/v1/kiosks/yyz-k1/commands"} {
		kiosk.Publish(topic, 1, false, "x").WaitTimeout(5 * time.Second)
	}
	deadline := time.After(2 * time.Second)
	var seen []string
	for done := false; !done; {
		select {
		case tp := <-got:
			seen = append(seen, tp)
		case <-deadline:
			done = true
		}
	}
	if len(seen) != 1 || seen[0] != "xpt/v1/kiosks/yyz-k1/events" {
		t.Fatalf("the kiosk published on %v; only its own events may pass", seen)
	}
	for _, c := range []struct {
		topic string
		write bool
		ok    bool
	}{
		{"xpt/v1/kiosks/yyz-k1/state", true, true}, {"xpt/v1/kiosks/yyz-k1/sync", true, true},
		{"xpt/v1/kiosks/yyz-k1/commands", false, true}, {"xpt/v1/ports/YYZ/referrals/+/decision", false, true},
		{"xpt/v1/authz/batches", false, true}, {"#", false, false}, {"xpt/v1/kiosks/+/events", false, false},
		{"xpt/v1/kiosks/yyz-k2/commands", false, false}, {"xpt/v1/ports/YYZ/referrals/r/decision", true, false},
	} {
		if Allowed(User{Name: "k1", Kiosk: "yyz-k1"}, c.topic, c.write) != c.ok {
			t.Errorf("%s write=%v: want %v", c.topic, c.write, c.ok)
		}
	}
}
