package chip

import (
	"errors"
	"fmt"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
)

// Transport carries one command APDU to the chip and returns its whole
// response (data followed by the two status bytes SW1 SW2).
type Transport interface {
	Transmit(apdu []byte) ([]byte, error)
}

// TransportFunc makes a function a Transport.
type TransportFunc func(apdu []byte) ([]byte, error)

// Transmit calls f.
func (f TransportFunc) Transmit(apdu []byte) ([]byte, error) { return f(apdu) }

// Sentinel errors wrapped in the *drivers.Error values this package returns.
var (
	ErrAccessDenied    = errors.New("access denied (BAC refused)")
	ErrSecureMessaging = errors.New("secure messaging error")
	ErrFileNotFound    = errors.New("file not found")
	ErrMalformed       = errors.New("malformed data")
	ErrStatus          = errors.New("unexpected status word")
)

// Status words the protocol tests for.
const (
	SWOK              = 0x9000
	SWFileNotFound    = 0x6A82
	SWSecurityNotSat  = 0x6982
	SWSMObjectsMiss   = 0x6987
	SWSMObjectsWrong  = 0x6988
	SWWrongLength     = 0x6700
	SWWrongP1P2       = 0x6B00
	SWInsNotSupported = 0x6D00
	SWClaNotSupported = 0x6E00
	SWWrongData       = 0x6A80
	SWEndOfFile       = 0x6282
)

// StatusError is a status word other than 9000 returned by the chip.
type StatusError struct {
	SW uint16
}

func (e *StatusError) Error() string { return fmt.Sprintf("status %04X", e.SW) }

// Is lets errors.Is(err, ErrFileNotFound) and errors.Is(err, ErrStatus) work.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrStatus:
		return true
	case ErrFileNotFound:
		return e.SW == SWFileNotFound
	case ErrSecureMessaging:
		return e.SW == SWSMObjectsMiss || e.SW == SWSMObjectsWrong
	}
	return false
}

// Command is a command APDU. Ne is the number of response bytes expected:
// 0 for none, 1 to 256 in short form, up to 65536 in extended form.
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte
	Ne               int
}

// Bytes encodes the command, in short form when data and Ne allow it and in
// extended form otherwise (ISO/IEC 7816-4 5.1).
func (c Command) Bytes() []byte {
	b := make([]byte, 0, 4+3+len(c.Data)+3)
	b = append(b, c.CLA, c.INS, c.P1, c.P2)
	ext := len(c.Data) > 255 || c.Ne > 256
	if ext {
		if len(c.Data) > 0 {
			b = append(b, 0, byte(len(c.Data)>>8), byte(len(c.Data)))
			b = append(b, c.Data...)
		}
		if c.Ne > 0 {
			if len(c.Data) == 0 {
				b = append(b, 0)
			}
			n := c.Ne
			if n == 65536 {
				n = 0
			}
			b = append(b, byte(n>>8), byte(n))
		}
		return b
	}
	if len(c.Data) > 0 {
		b = append(b, byte(len(c.Data)))
		b = append(b, c.Data...)
	}
	if c.Ne > 0 {
		b = append(b, byte(c.Ne)) // 256 encodes as 00
	}
	return b
}

// ParseCommand decodes a command APDU in short or extended form (the four
// ISO cases).
func ParseCommand(b []byte) (Command, error) {
	if len(b) < 4 {
		return Command{}, fmt.Errorf("%w: command of %d bytes", ErrMalformed, len(b))
	}
	c := Command{CLA: b[0], INS: b[1], P1: b[2], P2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0:
	case len(body) == 1: // case 2 short
		c.Ne = int(body[0])
		if c.Ne == 0 {
			c.Ne = 256
		}
	case body[0] != 0: // short, case 3 or 4
		lc := int(body[0])
		switch len(body) {
		case 1 + lc:
		case 2 + lc:
			c.Ne = int(body[1+lc])
			if c.Ne == 0 {
				c.Ne = 256
			}
		default:
			return Command{}, fmt.Errorf("%w: Lc %d with %d bytes", ErrMalformed, lc, len(body)-1)
		}
		c.Data = body[1 : 1+lc]
	case len(body) == 3: // case 2 extended
		c.Ne = int(body[1])<<8 | int(body[2])
		if c.Ne == 0 {
			c.Ne = 65536
		}
	default: // extended, case 3 or 4
		if len(body) < 3 {
			return Command{}, fmt.Errorf("%w: truncated extended length", ErrMalformed)
		}
		lc := int(body[1])<<8 | int(body[2])
		switch len(body) {
		case 3 + lc:
		case 5 + lc:
			c.Ne = int(body[3+lc])<<8 | int(body[4+lc])
			if c.Ne == 0 {
				c.Ne = 65536
			}
		default:
			return Command{}, fmt.Errorf("%w: extended Lc %d with %d bytes", ErrMalformed, lc, len(body)-3)
		}
		if lc == 0 {
			return Command{}, fmt.Errorf("%w: extended Lc of 0", ErrMalformed)
		}
		c.Data = body[3 : 3+lc]
	}
	return c, nil
}

// splitResponse separates a response APDU into data and status word.
func splitResponse(r []byte) ([]byte, uint16, error) {
	if len(r) < 2 {
		return nil, 0, fmt.Errorf("%w: response of %d bytes", ErrMalformed, len(r))
	}
	n := len(r) - 2
	return r[:n], uint16(r[n])<<8 | uint16(r[n+1]), nil
}

// transmit sends c over t (plain) and returns data and SW.
func transmit(t Transport, c Command) ([]byte, uint16, error) {
	r, err := t.Transmit(c.Bytes())
	if err != nil {
		return nil, 0, err
	}
	return splitResponse(r)
}

// fault wraps err as a *drivers.Error for operation op, keeping an existing
// device error's code.
func fault(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *drivers.Error
	if errors.As(err, &de) {
		return err
	}
	return &drivers.Error{Kind: drivers.CodeProtocol, Device: "chip", Op: op, Err: err}
}
