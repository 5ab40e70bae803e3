package central

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// MQTTOptions say how to reach the broker.
type MQTTOptions struct {
	Broker   string // tcp://127.0.0.1:1883, ssl://host:8883
	ClientID string // "" = xpt-central-{role}-{random}
	Role     string // part of the generated client ID

	CA, Cert, KeyFile  string // TLS: CA bundle, client certificate and key (PEM)
	Username, Password string

	// Persistent asks for a persistent session (clean session false), so
	// that the broker queues QoS 1 messages while this client is away. It
	// needs a stable ClientID.
	Persistent bool
	// ManualAck leaves acknowledging received messages to the handler
	// (Message.Ack), so that a message can be made durable first.
	ManualAck bool

	// OnMessage receives messages that match no subscription made through
	// this client yet: with a persistent session the broker delivers what
	// it queued right after connecting, before Subscribe is called again.
	OnMessage func(Message)

	ConnectTimeout time.Duration // 0 = 10 s
	Window         int           // QoS 1 publishes in flight before Publish waits; 0 = 64
}

// Client is a paho client with a window of in-flight QoS 1 publishes.
type Client struct {
	c      mqtt.Client
	window int

	mu      sync.Mutex
	pending []mqtt.Token
}

// Message is a received message.
type Message = mqtt.Message

// Connect dials the broker and waits for the connection. The client
// reconnects by itself afterwards and restores subscriptions.
func Connect(ctx context.Context, o MQTTOptions) (*Client, error) {
	if o.Broker == "" {
		return nil, errors.New("no broker URL (--broker tcp://127.0.0.1:1883)")
	}
	if o.ClientID == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		role := o.Role
		if role == "" {
			role = "tool"
		}
		o.ClientID = "xpt-central-" + role + "-" + hex.EncodeToString(b[:])
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	if o.Window <= 0 {
		o.Window = 64
	}
	opts := mqtt.NewClientOptions().
		AddBroker(o.Broker).
		SetClientID(o.ClientID).
		SetCleanSession(!o.Persistent).
		SetKeepAlive(30 * time.Second).
		SetAutoReconnect(true).
		SetMaxReconnectInterval(10 * time.Second).
		SetConnectTimeout(o.ConnectTimeout).
		SetOrderMatters(true).
		SetResumeSubs(true).
		SetAutoAckDisabled(o.ManualAck)
	if o.OnMessage != nil {
		h := o.OnMessage
		opts.SetDefaultPublishHandler(func(_ mqtt.Client, m mqtt.Message) { h(m) })
	}
	if o.Username != "" {
		opts.SetUsername(o.Username).SetPassword(o.Password)
	}
	if o.CA != "" || o.Cert != "" {
		tc, err := tlsConfig(o)
		if err != nil {
			return nil, err
		}
		opts.SetTLSConfig(tc)
	}
	c := mqtt.NewClient(opts)
	tok := c.Connect()
	select {
	case <-tok.Done():
	case <-ctx.Done():
		c.Disconnect(0)
		return nil, ctx.Err()
	case <-time.After(o.ConnectTimeout + time.Second):
		c.Disconnect(0)
		return nil, fmt.Errorf("connect %s: timed out", o.Broker)
	}
	if err := tok.Error(); err != nil {
		return nil, fmt.Errorf("connect %s: %w", o.Broker, err)
	}
	return &Client{c: c, window: o.Window}, nil
}

func tlsConfig(o MQTTOptions) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CA != "" {
		pem, err := os.ReadFile(o.CA)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificates", o.CA)
		}
		tc.RootCAs = pool
	}
	if o.Cert != "" {
		if o.KeyFile == "" {
			return nil, errors.New("a client certificate needs its key (--key-file)")
		}
		cert, err := tls.LoadX509KeyPair(o.Cert, o.KeyFile)
		if err != nil {
			return nil, err
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// Publish sends one message. QoS 1 and 2 publishes are kept in a window;
// when it is full Publish waits for the oldest to be acknowledged.
func (c *Client) Publish(topic string, qos byte, retained bool, payload []byte) error {
	tok := c.c.Publish(topic, qos, retained, payload)
	if qos == 0 {
		return nil
	}
	c.mu.Lock()
	c.pending = append(c.pending, tok)
	var oldest mqtt.Token
	if len(c.pending) > c.window {
		oldest = c.pending[0]
		c.pending = c.pending[1:]
	}
	c.mu.Unlock()
	if oldest != nil {
		return waitToken(oldest, 2*time.Minute)
	}
	return nil
}

// Flush waits until every publish so far is acknowledged.
func (c *Client) Flush(timeout time.Duration) error {
	c.mu.Lock()
	p := c.pending
	c.pending = nil
	c.mu.Unlock()
	deadline := time.Now().Add(timeout)
	var errs []error
	for _, t := range p {
		if err := waitToken(t, time.Until(deadline)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func waitToken(t mqtt.Token, d time.Duration) error {
	if d <= 0 {
		d = time.Millisecond
	}
	if !t.WaitTimeout(d) {
		return errors.New("mqtt: timed out waiting for the broker's acknowledgement")
	}
	return t.Error()
}

// Subscribe subscribes filter at qos. The handler runs on paho's delivery
// goroutine, in arrival order: it must not block on a publish of its own.
func (c *Client) Subscribe(filter string, qos byte, h func(Message)) error {
	tok := c.c.Subscribe(filter, qos, func(_ mqtt.Client, m mqtt.Message) { h(m) })
	return waitToken(tok, 10*time.Second)
}

// Close flushes for at most a second and disconnects.
func (c *Client) Close() {
	_ = c.Flush(time.Second)
	c.c.Disconnect(250)
}
