package cardsim

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// The vpcd protocol (vsmartcard's virtual reader driver for pcscd): every
// message is a 2-byte big-endian length and its bytes, both ways. A
// message of one byte from the reader is a control: power off, power on,
// reset, or a request for the ATR (answered with the ATR); any other is a
// command APDU, answered with the response APDU.
const (
	vpcdOff   = 0x00
	vpcdOn    = 0x01
	vpcdReset = 0x02
	vpcdATR   = 0x04

	// DefaultVPCDPort is the port vpcd listens on with Debian's
	// /etc/reader.conf.d/vpcd (DEVICENAME /dev/null:0x8C7B).
	DefaultVPCDPort = 35963
)

// Serve plays card on one vpcd connection until the connection ends or ctx
// is done. Power off and reset end the card's session, as on a real chip.
func Serve(ctx context.Context, conn net.Conn, card *Card) error {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	var hdr [2]byte
	for {
		quickAck(conn)
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		msg := make([]byte, binary.BigEndian.Uint16(hdr[:]))
		quickAck(conn)
		if _, err := io.ReadFull(conn, msg); err != nil {
			return err
		}
		var answer []byte
		if len(msg) == 1 {
			switch msg[0] {
			case vpcdOff, vpcdOn, vpcdReset:
				card.Reset()
				continue
			case vpcdATR:
				answer = ATR
			default:
				continue
			}
		} else {
			var err error
			if answer, err = card.Transmit(msg); err != nil {
				return err
			}
		}
		if len(answer) > 0xFFFF {
			return fmt.Errorf("cardsim: response of %d bytes", len(answer))
		}
		out := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(answer)), uint16(len(answer)))
		if _, err := conn.Write(append(out, answer...)); err != nil {
			return err
		}
	}
}

// Dial connects card to a vpcd that listens at addr (normal mode, as
// vicc does), and serves it until ctx is done or vpcd hangs up. Dial only
// loopback addresses: vpcd speaks in clear.
func Dial(ctx context.Context, addr string, card *Card) error {
	var d net.Dialer
	d.Timeout = 5 * time.Second
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return Serve(ctx, conn, card)
}

// Play keeps card connected to a vpcd at addr (as Dial) until ctx is done,
// dialing again a second after each hang-up or failure: vpcd hangs up
// when pcscd restarts. dialing, when set, is called before each dial, and
// failed with each error Dial returns while ctx is not done.
func Play(ctx context.Context, addr string, card *Card, dialing func(), failed func(error)) {
	for ctx.Err() == nil {
		if dialing != nil {
			dialing()
		}
		err := Dial(ctx, addr, card)
		if ctx.Err() != nil {
			return
		}
		if err != nil && failed != nil {
			failed(err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// Listen waits on ln for vpcd to connect (vpcd's reversed mode, DEVICENAME
// host:port) and serves card on each connection in turn until ctx is done.
// The card is what a passport on the reader would be: it stays in the
// field until Remove.
func Listen(ctx context.Context, ln net.Listener, card *Card) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if err := Serve(ctx, conn, card); err != nil && ctx.Err() == nil {
			return err
		}
	}
}
