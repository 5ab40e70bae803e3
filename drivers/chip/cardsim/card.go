// Package cardsim emulates an ICAO 9303 ePassport chip: the eMRTD
// application with its elementary files, BAC and 3DES secure messaging. A
// *Card is a chip.Transport for in-process tests, and ServeVPCD plays it to
// a vsmartcard virtual reader (vpcd) in pcscd, so that the whole PC/SC path
// of a kiosk runs with no hardware.
//
// The card checks what a real chip checks (the BAC cryptogram, every
// command's MAC and the SSC) with the chip package's own primitives, whose
// both sides are tested against ICAO 9303-11 appendix D. It is pure Go.
package cardsim

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"

	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
)

// ATR is the answer to reset the card gives: a contactless ISO 14443-4
// card as PC/SC readers present one (PC/SC part 3, 3.1.3.2.3.2).
var ATR = []byte{0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09}

// Card is an emulated ePassport chip. Set its fields before first use;
// Transmit is safe for concurrent use (commands are serialised).
type Card struct {
	// Keys are the document basic access keys (chip.BACKeys of the MRZ
	// information of the document the chip belongs to).
	Keys chip.Keys
	// Files of the eMRTD application by file identifier (EF.COM, EF.SOD,
	// DG1...). Their content is served as it is.
	Files map[uint16][]byte
	// RefuseBAC makes the chip refuse every EXTERNAL AUTHENTICATE (6300),
	// as a chip does with keys of another document.
	RefuseBAC bool
	// PACE, when set, makes the chip offer and run PACE with this protocol
	// (EF.CardAccess is made from it) with MRZInfo as the password.
	PACE    *chip.PACEInfo
	MRZInfo string
	// RefusePACE makes the chip answer GENERAL AUTHENTICATE with 6300.
	RefusePACE bool
	// NoExtended makes the chip refuse READ BINARY for more than 256 bytes
	// (6700), like a chip without extended length support.
	NoExtended bool
	// Rand is the source of challenges and keys (crypto/rand when nil).
	Rand io.Reader
	// AAKey is the chip's active authentication key (the private half of
	// DG15's): INTERNAL AUTHENTICATE signs with it, ECDSA in plain format
	// over SHA-256 (as issuer's DG14 declares) or RSA with ISO/IEC 9796-2
	// scheme 1 over SHA-1. Nil: the chip does not support it (6D00).
	AAKey crypto.Signer
	// CAKey is the chip authentication key (the private half of DG14's
	// ChipAuthenticationPublicKeyInfo, P-256): MSE:Set KAT (version 1) or
	// MSE:Set AT and GENERAL AUTHENTICATE (version 2) agree new secure
	// messaging keys with it. Nil: the chip refuses them.
	CAKey *ecdsa.PrivateKey

	mu        sync.Mutex
	caProto   asn1.ObjectIdentifier // chip authentication set by MSE:Set AT, for GENERAL AUTHENTICATE
	nextSM    *chip.SecureMessaging // the session after this answer (chip authentication's)
	appSel    bool
	selected  uint16
	hasFile   bool
	challenge []byte
	pace      *chip.PACEChip
	sm        *chip.SecureMessaging
	commands  int
}

// Replace puts another passport's chip in the field: new keys, files,
// active and chip authentication keys (nil: none), and a reset.
func (c *Card) Replace(keys chip.Keys, files map[uint16][]byte, aaKey crypto.Signer, caKey *ecdsa.PrivateKey) {
	c.mu.Lock()
	c.Keys, c.Files, c.AAKey, c.CAKey = keys, files, aaKey, caKey
	c.mu.Unlock()
	c.Reset()
}

// SetPACE makes the chip offer PACE with info (nil: BAC only) and mrzInfo
// as the password.
func (c *Card) SetPACE(info *chip.PACEInfo, mrzInfo string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.PACE, c.MRZInfo = info, mrzInfo
}

// Reset is a power cycle: nothing selected, no session.
func (c *Card) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.appSel, c.hasFile, c.challenge, c.sm, c.pace, c.caProto, c.nextSM = false, false, nil, nil, nil, nil, nil
}

// Commands returns how many APDUs the card has processed.
func (c *Card) Commands() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.commands
}

func sw(s uint16) []byte { return []byte{byte(s >> 8), byte(s)} }

// Transmit processes one command APDU and returns the response. A fault
// of the emulation itself answers 6F00 (no precise diagnosis), as a real
// chip's would, never a panic in the process that plays it.
func (c *Card) Transmit(apdu []byte) (resp []byte, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			c.sm, c.challenge = nil, nil
			resp, err = sw(0x6F00), nil
		}
	}()
	c.commands++
	cmd, err := chip.ParseCommand(apdu)
	if err != nil {
		return sw(chip.SWWrongLength), nil
	}
	if cmd.CLA&0x0C == 0x0C {
		if c.sm == nil {
			return sw(chip.SWSMObjectsMiss), nil
		}
		plain, err := c.sm.UnprotectCommand(cmd)
		if err != nil {
			c.sm = nil // a broken MAC ends the session, as on a real chip
			return sw(chip.SWSMObjectsWrong), nil
		}
		data, s := c.process(plain, true)
		resp := c.sm.ProtectResponse(data, s)
		if c.nextSM != nil {
			// Chip authentication: its answer goes under the old keys,
			// what follows under the new ones.
			c.sm, c.nextSM = c.nextSM, nil
		}
		if len(resp)-2 > cmd.Ne {
			// An answer the command's Le cannot carry (a short Le for a
			// 2048-bit RSA signature): a real chip refuses it.
			return sw(chip.SWWrongLength), nil
		}
		return resp, nil
	}
	if c.sm != nil {
		c.sm = nil // a plain command ends secure messaging
	}
	data, s := c.process(cmd, false)
	return append(data, sw(s)...), nil
}

func (c *Card) random(n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(c.randReader(), b); err != nil {
		panic(err)
	}
	return b
}

func (c *Card) randReader() io.Reader {
	if c.Rand == nil {
		return rand.Reader
	}
	return c.Rand
}

// SignAA is a chip's answer to INTERNAL AUTHENTICATE with challenge: an
// ECDSA key signs SHA-256(challenge) in plain format (r || s, each as long
// as the order: BSI TR-03111), an RSA key with ISO/IEC 9796-2 digital
// signature scheme 1, partial recovery, SHA-1 (6A || M1 || SHA-1(M1 ||
// challenge) || BC, M1 random), as ICAO 9303-11 6.1 describes.
func SignAA(key crypto.Signer, challenge []byte, r io.Reader) ([]byte, error) {
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		d := sha256.Sum256(challenge)
		rr, ss, err := ecdsa.Sign(r, k, d[:])
		if err != nil {
			return nil, err
		}
		l := (k.Curve.Params().N.BitLen() + 7) / 8
		out := make([]byte, 2*l)
		rr.FillBytes(out[:l])
		ss.FillBytes(out[l:])
		return out, nil
	case *rsa.PrivateKey:
		size := k.Size()
		m := make([]byte, size)
		m[0], m[size-1] = 0x6A, 0xBC
		m1 := m[1 : size-1-sha1.Size]
		if _, err := io.ReadFull(r, m1); err != nil {
			return nil, err
		}
		h := sha1.New()
		h.Write(m1)
		h.Write(challenge)
		copy(m[size-1-sha1.Size:], h.Sum(nil))
		if new(big.Int).SetBytes(m).Cmp(k.N) >= 0 {
			return nil, errors.New("cardsim: an RSA key shorter than its size in bytes")
		}
		return new(big.Int).Exp(new(big.Int).SetBytes(m), k.D, k.N).FillBytes(make([]byte, size)), nil
	}
	return nil, fmt.Errorf("cardsim: an active authentication key of type %T", key)
}

// process runs a plain command; secure tells whether it came protected.
func (c *Card) process(cmd chip.Command, secure bool) ([]byte, uint16) {
	if cmd.CLA&^0x0C != 0 && !(cmd.CLA == 0x10 && cmd.INS == 0x86) {
		return nil, chip.SWClaNotSupported
	}
	switch cmd.INS {
	case 0x22: // MSE:Set AT for PACE, MSE:Set KAT or Set AT for chip authentication
		if cmd.P1 == 0x41 {
			return c.chipAuthMSE(cmd, secure)
		}
		return nil, c.setAT(cmd)
	case 0x86: // GENERAL AUTHENTICATE
		if c.caProto != nil {
			return c.chipAuthGA(cmd, secure)
		}
		return c.generalAuthenticate(cmd)
	case 0xA4: // SELECT
		return nil, c.selectFile(cmd, secure)
	case 0x84: // GET CHALLENGE
		if cmd.Ne != 8 {
			return nil, chip.SWWrongLength
		}
		c.challenge = c.random(8)
		return c.challenge, chip.SWOK
	case 0x82: // EXTERNAL AUTHENTICATE
		rnd := c.challenge
		c.challenge = nil
		if rnd == nil || !c.appSel {
			return nil, 0x6985 // conditions of use not satisfied
		}
		if c.RefuseBAC {
			return nil, 0x6300
		}
		resp, sm, err := chip.AnswerExternalAuthenticate(c.Keys, cmd.Data, rnd, c.random(16))
		if err != nil {
			return nil, 0x6300
		}
		// The session starts with the next command; this answer is plain.
		defer func() { c.sm = sm }()
		return resp, chip.SWOK
	case 0x88: // INTERNAL AUTHENTICATE (active authentication)
		if !secure {
			return nil, chip.SWSecurityNotSat
		}
		if c.AAKey == nil {
			return nil, chip.SWInsNotSupported
		}
		if len(cmd.Data) != chip.AAChallengeLen {
			return nil, chip.SWWrongData
		}
		sig, err := SignAA(c.AAKey, cmd.Data, c.randReader())
		if err != nil {
			return nil, 0x6F00
		}
		return sig, chip.SWOK
	case 0xB0, 0xB1: // READ BINARY
		if !secure && !(c.hasFile && c.selected == chip.FIDCardAccess) {
			return nil, chip.SWSecurityNotSat
		}
		return c.readBinary(cmd)
	}
	return nil, chip.SWInsNotSupported
}

func (c *Card) selectFile(cmd chip.Command, secure bool) uint16 {
	switch cmd.P1 {
	case 0x04:
		// A card with no files holds no eMRTD application: what a
		// virtual reader that always has a card shows for a passport
		// without a chip.
		if string(cmd.Data) != string(chip.AppletAID) || len(c.Files) == 0 {
			return chip.SWFileNotFound
		}
		c.appSel, c.hasFile = true, false
		return chip.SWOK
	case 0x02:
		if len(cmd.Data) != 2 {
			return chip.SWFileNotFound
		}
		fid := uint16(cmd.Data[0])<<8 | uint16(cmd.Data[1])
		if fid == chip.FIDCardAccess { // in the master file, readable by anyone
			if c.PACE == nil {
				return chip.SWFileNotFound
			}
			c.appSel, c.selected, c.hasFile = false, fid, true
			return chip.SWOK
		}
		if !c.appSel {
			return chip.SWFileNotFound
		}
		if !secure {
			return chip.SWSecurityNotSat
		}
		if _, ok := c.Files[fid]; !ok {
			return chip.SWFileNotFound
		}
		c.selected, c.hasFile = fid, true
		return chip.SWOK
	}
	return chip.SWWrongP1P2
}

func (c *Card) readBinary(cmd chip.Command) ([]byte, uint16) {
	if !c.hasFile {
		return nil, 0x6986 // no current EF
	}
	if cmd.Ne > 256 && c.NoExtended {
		return nil, chip.SWWrongLength
	}
	f := c.Files[c.selected]
	if c.selected == chip.FIDCardAccess {
		f = chip.EncodeCardAccess(*c.PACE)
	}
	off, n := int(cmd.P1)<<8|int(cmd.P2), cmd.Ne
	if cmd.INS == 0xB1 {
		t, err := chip.ParseTLV(cmd.Data)
		if err != nil || t.Tag != 0x54 || len(t.Value) == 0 || len(t.Value) > 3 {
			return nil, chip.SWWrongData
		}
		off = 0
		for _, b := range t.Value {
			off = off<<8 | int(b)
		}
		n = max(n-4, 1) // room for DO'53' and its length
	} else if cmd.P1&0x80 != 0 {
		return nil, chip.SWWrongP1P2 // short EF identifiers are not emulated
	}
	if off > len(f) {
		return nil, chip.SWWrongP1P2
	}
	end := min(off+n, len(f))
	data := f[off:end]
	s := uint16(chip.SWOK)
	if end-off < n {
		s = chip.SWEndOfFile
	}
	if cmd.INS == 0xB1 {
		data = chip.EncodeTLV(0x53, data)
	}
	return append([]byte(nil), data...), s
}

func (c *Card) setAT(cmd chip.Command) uint16 {
	if cmd.P1 != 0xC1 || cmd.P2 != 0xA4 || c.PACE == nil {
		return chip.SWWrongP1P2
	}
	o, ok := chip.Find(cmd.Data, 0x80)
	pw, ok2 := chip.Find(cmd.Data, 0x83)
	if !ok || !ok2 || string(o.Value) != string(oidContent(c.PACE)) || len(pw.Value) != 1 || pw.Value[0] != 0x01 {
		return chip.SWWrongData
	}
	p, err := chip.NewPACEChip(c.MRZInfo, *c.PACE, c.Rand)
	if err != nil {
		return chip.SWWrongData
	}
	c.pace, c.sm = p, nil
	return chip.SWOK
}

func (c *Card) generalAuthenticate(cmd chip.Command) ([]byte, uint16) {
	if c.pace == nil {
		return nil, 0x6985
	}
	if c.RefusePACE {
		c.pace = nil
		return nil, 0x6300
	}
	resp, sm, err := c.pace.GeneralAuthenticate(cmd.Data)
	if err != nil {
		c.pace = nil
		return nil, 0x6300
	}
	if sm != nil {
		c.pace = nil
		defer func() { c.sm, c.appSel, c.hasFile = sm, false, false }()
	}
	return resp, chip.SWOK
}

// chipAuthMSE is MSE:Set KAT (41 A6: chip authentication version 1, 3DES,
// with the terminal's key) or MSE:Set AT (41 A4: version 2, the protocol;
// the key follows in GENERAL AUTHENTICATE).
func (c *Card) chipAuthMSE(cmd chip.Command, secure bool) ([]byte, uint16) {
	c.caProto = nil
	if !secure {
		return nil, chip.SWSecurityNotSat
	}
	if c.CAKey == nil {
		return nil, chip.SWInsNotSupported
	}
	switch cmd.P2 {
	case 0xA6:
		pk, ok := chip.Find(cmd.Data, 0x91)
		if !ok {
			return nil, chip.SWWrongData
		}
		return c.chipAuthAgree(chip.OIDCAECDH3DES, pk.Value)
	case 0xA4:
		o, ok := chip.Find(cmd.Data, 0x80)
		if !ok {
			return nil, chip.SWWrongData
		}
		var proto asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(append([]byte{0x06, byte(len(o.Value))}, o.Value...), &proto); err != nil {
			return nil, chip.SWWrongData
		}
		if !chip.CAProtocolSupported(proto) {
			return nil, chip.SWWrongData
		}
		c.caProto = proto
		return nil, chip.SWOK
	}
	return nil, chip.SWWrongP1P2
}

// chipAuthGA is chip authentication version 2's GENERAL AUTHENTICATE: the
// terminal's ephemeral key in 7C { 80 }, answered 7C 00.
func (c *Card) chipAuthGA(cmd chip.Command, secure bool) ([]byte, uint16) {
	proto := c.caProto
	c.caProto = nil
	if !secure {
		return nil, chip.SWSecurityNotSat
	}
	dad, ok := chip.Find(cmd.Data, 0x7C)
	if !ok {
		return nil, chip.SWWrongData
	}
	pk, ok := chip.Find(dad.Value, 0x80)
	if !ok {
		return nil, chip.SWWrongData
	}
	if _, s := c.chipAuthAgree(proto, pk.Value); s != chip.SWOK {
		return nil, s
	}
	return []byte{0x7C, 0x00}, chip.SWOK
}

// chipAuthAgree computes the shared secret with the terminal's key and
// sets the session that starts after this answer.
func (c *Card) chipAuthAgree(proto asn1.ObjectIdentifier, terminal []byte) ([]byte, uint16) {
	peer, err := ecdh.P256().NewPublicKey(terminal)
	if err != nil {
		return nil, chip.SWWrongData
	}
	sk, err := c.CAKey.ECDH()
	if err != nil {
		return nil, 0x6F00
	}
	k, err := sk.ECDH(peer)
	if err != nil {
		return nil, chip.SWWrongData
	}
	sm, err := chip.CASession(proto, k)
	if err != nil {
		return nil, chip.SWWrongData
	}
	c.nextSM = sm
	return nil, chip.SWOK
}

// oidContent is the DER content of the protocol's object identifier.
func oidContent(p *chip.PACEInfo) []byte {
	b, _ := asn1.Marshal(p.Protocol)
	return b[2:]
}
