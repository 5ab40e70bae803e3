// Package pcsc is a pure-Go client of pcscd, the PC/SC daemon of pcsc-lite
// (Debian's pcscd package): it speaks pcscd's socket protocol (version 4.4,
// the one of pcsc-lite 1.8.24 to 2.x) directly, without libpcsclite and
// without cgo. It does what a kiosk's chip reader needs: list readers and
// their card state, connect to a card, transmit APDUs, disconnect.
//
// Faults are *drivers.Error values: pcscd not running is not_found, a card
// taken away is disconnected, a reader used by another process is busy.
package pcsc

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
)

// DefaultSocket is where Debian's pcscd listens; PCSCLITE_CSOCK_NAME
// overrides it, as it does for libpcsclite.
const DefaultSocket = "/run/pcscd/pcscd.comm"

// Socket returns the socket path clients use.
func Socket() string {
	if s := os.Getenv("PCSCLITE_CSOCK_NAME"); s != "" {
		return s
	}
	return DefaultSocket
}

// Commands of pcscd's protocol (winscard_msg.h).
const (
	cmdEstablishContext = 0x01
	cmdReleaseContext   = 0x02
	cmdConnect          = 0x04
	cmdDisconnect       = 0x06
	cmdBeginTransaction = 0x07
	cmdEndTransaction   = 0x08
	cmdTransmit         = 0x09
	cmdVersion          = 0x11
	cmdGetReadersState  = 0x12

	protocolMajor = 4
	protocolMinor = 4

	maxReaderName = 128
	maxReaders    = 16 // PCSCLITE_MAX_READERS_CONTEXTS
	maxATR        = 33
	readerStateSz = maxReaderName + 4 + 4 + 4 + maxATR + 3 + 4 + 4 // 184, with the padding after the ATR
	maxResponse   = 65538

	scopeSystem   = 2
	shareShared   = 2
	protocolT0    = 1
	protocolT1    = 2
	leaveCard     = 0
	resetCard     = 1
	statePresent  = 0x0004
	stateSwallow  = 0x0008
	statePowered  = 0x0010
	stateSpecific = 0x0040
)

// Return values (pcsclite.h) that the driver maps to device codes.
const (
	rvSuccess           = 0x00000000
	rvInvalidHandle     = 0x80100003
	rvUnknownReader     = 0x80100009
	rvTimeout           = 0x8010000A
	rvSharingViolation  = 0x8010000B
	rvNoSmartcard       = 0x8010000C
	rvProtoMismatch     = 0x8010000F
	rvNotTransacted     = 0x80100016
	rvReaderUnavailable = 0x80100017
	rvNoService         = 0x8010001D
	rvNoReaders         = 0x8010002E
	rvUnresponsiveCard  = 0x80100066
	rvUnpoweredCard     = 0x80100067
	rvResetCard         = 0x80100068
	rvRemovedCard       = 0x80100069
)

// Error is a PC/SC return value.
type Error uint32

func (e Error) Error() string {
	names := map[Error]string{
		rvInvalidHandle: "invalid handle", rvUnknownReader: "unknown reader", rvTimeout: "timeout",
		rvSharingViolation: "sharing violation", rvNoSmartcard: "no smart card", rvProtoMismatch: "protocol mismatch",
		rvNotTransacted: "not transacted", rvReaderUnavailable: "reader unavailable", rvNoService: "no service",
		rvNoReaders: "no readers", rvUnresponsiveCard: "unresponsive card", rvUnpoweredCard: "unpowered card",
		rvResetCard: "card reset", rvRemovedCard: "card removed",
	}
	if n, ok := names[e]; ok {
		return fmt.Sprintf("pcsc: %s (%08X)", n, uint32(e))
	}
	return fmt.Sprintf("pcsc: error %08X", uint32(e))
}

func code(rv uint32) drivers.Code {
	switch rv {
	case rvNoService, rvNoReaders, rvUnknownReader, rvNoSmartcard:
		return drivers.CodeNotFound
	case rvRemovedCard, rvResetCard, rvReaderUnavailable, rvInvalidHandle, rvUnpoweredCard:
		return drivers.CodeDisconnected
	case rvTimeout, rvUnresponsiveCard:
		return drivers.CodeTimeout
	case rvSharingViolation:
		return drivers.CodeBusy
	}
	return drivers.CodeIO
}

func rvError(op string, rv uint32) error {
	return &drivers.Error{Kind: code(rv), Device: "chipReader", Op: op, Err: Error(rv)}
}

// Client is one connection (and PC/SC context) to pcscd. Its methods are
// safe for concurrent use; calls are serialised.
type Client struct {
	mu      sync.Mutex
	conn    net.Conn
	ctx     uint32
	Timeout time.Duration // per call; 30 s by default
}

// Dial connects to pcscd at socket (Socket() when empty), checks the
// protocol version and establishes a context.
func Dial(socket string) (*Client, error) {
	if socket == "" {
		socket = Socket()
	}
	conn, err := net.DialTimeout("unix", socket, 5*time.Second)
	if err != nil {
		return nil, &drivers.Error{Kind: drivers.CodeNotFound, Device: "chipReader", Op: "connect to pcscd", Port: socket, Err: err}
	}
	c := &Client{conn: conn, Timeout: 30 * time.Second}
	ver := []uint32{protocolMajor, protocolMinor, 0}
	if err := c.call(cmdVersion, ver, nil); err != nil {
		conn.Close()
		return nil, err
	}
	if ver[2] != rvSuccess {
		conn.Close()
		return nil, rvError(fmt.Sprintf("protocol version (pcscd speaks %d.%d)", ver[0], ver[1]), ver[2])
	}
	est := []uint32{scopeSystem, 0, 0}
	if err := c.call(cmdEstablishContext, est, nil); err != nil {
		conn.Close()
		return nil, err
	}
	if est[2] != rvSuccess {
		conn.Close()
		return nil, rvError("establish context", est[2])
	}
	c.ctx = est[1]
	return c, nil
}

// Close releases the context and closes the connection.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return nil
	}
	rel := []uint32{c.ctx, 0}
	c.callLocked(cmdReleaseContext, rel, nil)
	err := c.conn.Close()
	c.conn = nil
	return err
}

// call sends a header and the struct of 32-bit fields (plus any raw bytes
// in a struct with a reader name, see callRaw) and reads the struct back.
func (c *Client) call(cmd uint32, fields []uint32, extra []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.callLocked(cmd, fields, extra)
}

func (c *Client) callLocked(cmd uint32, fields []uint32, extra []byte) error {
	b := make([]byte, 4*len(fields))
	for i, f := range fields {
		binary.LittleEndian.PutUint32(b[4*i:], f)
	}
	out, err := c.exchange(cmd, b, extra, len(b))
	if err != nil {
		return err
	}
	for i := range fields {
		fields[i] = binary.LittleEndian.Uint32(out[4*i:])
	}
	return nil
}

// exchange writes header, body and extra, and reads n bytes of reply.
func (c *Client) exchange(cmd uint32, body, extra []byte, n int) ([]byte, error) {
	if c.conn == nil {
		return nil, &drivers.Error{Kind: drivers.CodeClosed, Device: "chipReader", Op: "pcscd"}
	}
	c.conn.SetDeadline(time.Now().Add(c.Timeout))
	msg := make([]byte, 8, 8+len(body)+len(extra))
	binary.LittleEndian.PutUint32(msg[0:], uint32(len(body)))
	binary.LittleEndian.PutUint32(msg[4:], cmd)
	msg = append(msg, body...)
	msg = append(msg, extra...)
	if _, err := c.conn.Write(msg); err != nil {
		return nil, c.ioError(err)
	}
	out := make([]byte, n)
	if _, err := io.ReadFull(c.conn, out); err != nil {
		return nil, c.ioError(err)
	}
	return out, nil
}

func (c *Client) ioError(err error) error {
	kind := drivers.CodeDisconnected
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		kind = drivers.CodeTimeout
	}
	return &drivers.Error{Kind: kind, Device: "chipReader", Op: "pcscd", Err: err}
}

// ReaderState is one reader as pcscd sees it.
type ReaderState struct {
	Name     string `json:"name"`
	Present  bool   `json:"cardPresent"` // a card is in the field
	Powered  bool   `json:"cardPowered"`
	ATR      HexATR `json:"atr,omitempty"`
	Protocol uint32 `json:"-"`
}

// HexATR is an answer to reset, shown (and marshalled to JSON) in hex.
type HexATR []byte

func (a HexATR) String() string { return fmt.Sprintf("%X", []byte(a)) }

// MarshalText writes the hex form.
func (a HexATR) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// Readers lists the readers pcscd knows with their card state.
func (c *Client) Readers() ([]ReaderState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out, err := c.exchange(cmdGetReadersState, nil, nil, maxReaders*readerStateSz)
	if err != nil {
		return nil, err
	}
	var rs []ReaderState
	for i := 0; i < maxReaders; i++ {
		e := out[i*readerStateSz : (i+1)*readerStateSz]
		name := e[:maxReaderName]
		if name[0] == 0 {
			continue
		}
		if j := bytes.IndexByte(name, 0); j >= 0 {
			name = name[:j]
		}
		state := binary.LittleEndian.Uint32(e[132:])
		atrLen := min(int(binary.LittleEndian.Uint32(e[176:])), maxATR)
		rs = append(rs, ReaderState{
			Name:     string(name),
			Present:  state&statePresent != 0,
			Powered:  state&statePowered != 0,
			ATR:      append([]byte(nil), e[140:140+atrLen]...),
			Protocol: binary.LittleEndian.Uint32(e[180:]),
		})
	}
	return rs, nil
}

// WaitCard polls until a reader (the one named, or any when name is "")
// has a card, and returns that reader's state. No reader of that name (or
// none at all) is a not_found fault at once, naming the readers pcscd has:
// a misconfigured reader is the technician's, not a traveler without a
// chip.
func (c *Client) WaitCard(ctx context.Context, name string) (ReaderState, error) {
	for {
		rs, err := c.Readers()
		if err != nil {
			return ReaderState{}, err
		}
		known := false
		for _, r := range rs {
			if name == "" || r.Name == name {
				known = true
				if r.Present {
					return r, nil
				}
			}
		}
		if !known {
			return ReaderState{}, noReader(name, rs)
		}
		select {
		case <-ctx.Done():
			return ReaderState{}, &drivers.Error{Kind: drivers.CodeTimeout, Device: "chipReader", Op: "wait for a card", Port: name, Err: ctx.Err()}
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// noReader is the fault of a reader that pcscd does not have.
func noReader(name string, rs []ReaderState) error {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = fmt.Sprintf("%q", r.Name)
	}
	var err error
	switch {
	case len(rs) == 0:
		err = errors.New("pcscd has no reader (is the reader plugged in, and its driver installed?)")
	default:
		err = fmt.Errorf("pcscd has no reader named %q; it has %s (devices.chip.reader)", name, strings.Join(names, ", "))
	}
	return &drivers.Error{Kind: drivers.CodeNotFound, Device: "chipReader", Op: "find the reader", Port: name, Err: err}
}

// Card is a connection to the card in one reader. It is a chip.Transport.
type Card struct {
	c        *Client
	h        uint32
	protocol uint32
	Reader   string
}

// Connect connects, shared, to the card in reader with T=1 or T=0.
func (c *Client) Connect(reader string) (*Card, error) {
	if len(reader) >= maxReaderName {
		return nil, &drivers.Error{Kind: drivers.CodeConfig, Device: "chipReader", Op: "connect", Err: errors.New("reader name too long")}
	}
	body := make([]byte, 4+maxReaderName+5*4)
	binary.LittleEndian.PutUint32(body, c.ctx)
	copy(body[4:], reader)
	o := 4 + maxReaderName
	binary.LittleEndian.PutUint32(body[o:], shareShared)
	binary.LittleEndian.PutUint32(body[o+4:], protocolT0|protocolT1)
	c.mu.Lock()
	out, err := c.exchange(cmdConnect, body, nil, len(body))
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if rv := binary.LittleEndian.Uint32(out[o+16:]); rv != rvSuccess {
		return nil, rvError("connect "+reader, rv)
	}
	return &Card{c: c, h: binary.LittleEndian.Uint32(out[o+8:]), protocol: binary.LittleEndian.Uint32(out[o+12:]), Reader: reader}, nil
}

// Transmit sends one APDU and returns the card's response.
func (k *Card) Transmit(apdu []byte) ([]byte, error) {
	k.c.mu.Lock()
	defer k.c.mu.Unlock()
	fields := []uint32{k.h, k.protocol, 8, uint32(len(apdu)), k.protocol, 8, maxResponse, 0}
	b := make([]byte, 4*len(fields))
	for i, f := range fields {
		binary.LittleEndian.PutUint32(b[4*i:], f)
	}
	out, err := k.c.exchange(cmdTransmit, b, apdu, len(b))
	if err != nil {
		return nil, err
	}
	if rv := binary.LittleEndian.Uint32(out[28:]); rv != rvSuccess {
		return nil, rvError("transmit", rv)
	}
	n := binary.LittleEndian.Uint32(out[24:])
	if n > maxResponse {
		return nil, &drivers.Error{Kind: drivers.CodeProtocol, Device: "chipReader", Op: "transmit", Err: fmt.Errorf("response of %d bytes", n)}
	}
	resp := make([]byte, n)
	if _, err := io.ReadFull(k.c.conn, resp); err != nil {
		return nil, k.c.ioError(err)
	}
	return resp, nil
}

// Disconnect leaves the card powered (reset when reset is true).
func (k *Card) Disconnect(reset bool) error {
	d := uint32(leaveCard)
	if reset {
		d = resetCard
	}
	f := []uint32{k.h, d, 0}
	if err := k.c.call(cmdDisconnect, f, nil); err != nil {
		return err
	}
	if f[2] != rvSuccess {
		return rvError("disconnect", f[2])
	}
	return nil
}
