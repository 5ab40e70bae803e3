// Package embedbroker runs mochi-mqtt/server in-process on a loopback port:
// the broker of the single-machine demo (xpt-kiosk run --demo) and of tests
// that do not need Mosquitto. With Users it requires a username and
// password and confines each kiosk to its own topics (the demo does this);
// without, it allows every client (tests). Loopback only, no TLS: it is for
// development, never for production.
package embedbroker

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// Broker is a running in-process broker.
type Broker struct {
	srv  *mochi.Server
	addr string
}

// Options for Start.
type Options struct {
	// Addr to listen on; default 127.0.0.1:0 (a free port). Only loopback
	// addresses are accepted.
	Addr string
	// Logger; nil discards.
	Logger *slog.Logger
	// Users, when set, are the only accounts: anonymous clients and wrong
	// passwords are refused, kiosks confined to their own topics.
	Users []User
}

// Start listens and serves until Close.
func Start(o Options) (*Broker, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("embedbroker: %s is not a loopback address", o.Addr)
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Resolve a free port first: mochi's listener does not report the port
	// it bound when given :0.
	l, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()

	srv := mochi.New(&mochi.Options{Logger: log, InlineClient: false})
	if len(o.Users) > 0 {
		h := &aclHook{users: map[string]User{}}
		for _, u := range o.Users {
			h.users[u.Name] = u
		}
		if err := srv.AddHook(h, nil); err != nil {
			return nil, err
		}
	} else if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		return nil, err
	}
	if err := srv.AddListener(listeners.NewTCP(listeners.Config{ID: "tcp", Address: addr})); err != nil {
		return nil, err
	}
	if err := srv.Serve(); err != nil {
		return nil, err
	}
	return &Broker{srv: srv, addr: addr}, nil
}

// Addr is host:port.
func (b *Broker) Addr() string { return b.addr }

// Port is the TCP port.
func (b *Broker) Port() int {
	_, p, _ := net.SplitHostPort(b.addr)
	n, _ := strconv.Atoi(p)
	return n
}

// URL is tcp://host:port for paho.
func (b *Broker) URL() string { return "tcp://" + b.addr }

// Close stops the broker and disconnects every client.
func (b *Broker) Close() error {
	if b == nil || b.srv == nil {
		return errors.New("embedbroker: not running")
	}
	return b.srv.Close()
}
