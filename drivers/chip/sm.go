package chip

import (
	"bytes"
	"crypto/subtle"
	"fmt"
)

// SecureMessaging is a secure messaging session (ICAO 9303-11 9.8): KSEnc,
// KSMAC and the send sequence counter, with 3DES (established by BAC, or
// PACE with 3DES) or AES (PACE). The
// terminal uses Protect and Unprotect; a chip emulator uses
// UnprotectCommand and ProtectResponse. Each call increments the SSC, so a
// session is used by one goroutine at a time.
type SecureMessaging struct {
	kEnc, kMAC []byte
	aes        bool
	ssc        []byte // 8 bytes (3DES) or 16 (AES)
	odd        bool   // the last command had an odd INS: its data go in DO'85'
}

// NewSecureMessaging returns a 3DES session with the given keys (16 bytes
// each) and initial SSC (8 bytes).
func NewSecureMessaging(kEnc, kMAC, ssc []byte) *SecureMessaging {
	sm := &SecureMessaging{kEnc: bytes.Clone(kEnc), kMAC: bytes.Clone(kMAC), ssc: make([]byte, 8)}
	copy(sm.ssc, ssc)
	return sm
}

// NewSecureMessagingAES returns an AES session (keys of 16, 24 or 32
// bytes; MACs are AES-CMAC truncated to 8 bytes; the SSC is 16 bytes and
// each block's IV is the encrypted SSC; ICAO 9303-11 9.8.6.3, 9.8.7).
func NewSecureMessagingAES(kEnc, kMAC, ssc []byte) *SecureMessaging {
	sm := &SecureMessaging{kEnc: bytes.Clone(kEnc), kMAC: bytes.Clone(kMAC), aes: true, ssc: make([]byte, 16)}
	copy(sm.ssc[16-min(16, len(ssc)):], ssc)
	return sm
}

func (sm *SecureMessaging) block() int {
	if sm.aes {
		return 16
	}
	return 8
}

func (sm *SecureMessaging) encrypt(data []byte) []byte {
	if !sm.aes {
		return encrypt3DES(sm.kEnc, pad(data))
	}
	return encryptAES(sm.kEnc, sm.aesIV(), padTo(data, 16))
}

func (sm *SecureMessaging) decrypt(data []byte) ([]byte, error) {
	var p []byte
	var err error
	if sm.aes {
		p, err = decryptAES(sm.kEnc, sm.aesIV(), data)
	} else {
		p, err = decrypt3DES(sm.kEnc, data)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSecureMessaging, err)
	}
	return unpad(p)
}

// aesIV is the encrypted SSC (9.8.6.3).
func (sm *SecureMessaging) aesIV() []byte {
	iv := make([]byte, 16)
	newAES(sm.kEnc).Encrypt(iv, sm.ssc)
	return iv
}

func (*SecureMessaging) String() string { return "chip.SecureMessaging{...}" }

// SSC returns the current send sequence counter.
func (sm *SecureMessaging) SSC() []byte { return bytes.Clone(sm.ssc) }

// KeysForTest returns the session keys (for known-answer tests).
func (sm *SecureMessaging) KeysForTest() (enc, mac []byte) { return sm.kEnc, sm.kMAC }

func (sm *SecureMessaging) incSSC() {
	for i := len(sm.ssc) - 1; i >= 0; i-- {
		sm.ssc[i]++
		if sm.ssc[i] != 0 {
			return
		}
	}
}

// mac computes the MAC over SSC || parts, padded.
func (sm *SecureMessaging) mac(parts ...[]byte) []byte {
	n := len(sm.ssc)
	for _, p := range parts {
		n += len(p)
	}
	m := make([]byte, 0, n+8)
	m = append(m, sm.ssc...)
	for _, p := range parts {
		m = append(m, p...)
	}
	if sm.aes {
		return cmac(sm.kMAC, padTo(m, 16))[:8]
	}
	return retailMAC(sm.kMAC, pad(m))
}

// doBytes encodes a one-byte-tag data object.
func doBytes(tag byte, value []byte) []byte { return EncodeTLV(uint32(tag), value) }

// leBytes is the DO'97' value for Ne.
func leBytes(ne int) []byte {
	switch {
	case ne == 256:
		return []byte{0}
	case ne < 256:
		return []byte{byte(ne)}
	case ne == 65536:
		return []byte{0, 0}
	}
	return []byte{byte(ne >> 8), byte(ne)}
}

// smObjects are the secure messaging data objects of a command or response,
// each whole (raw, for the MAC) and by value.
type smObjects struct {
	raw, val map[uint32][]byte
}

// parseSMObjects splits b into data objects, accepting only the tags given,
// each at most once.
func parseSMObjects(b []byte, what string, tags ...uint32) (smObjects, error) {
	o := smObjects{raw: map[uint32][]byte{}, val: map[uint32][]byte{}}
	for len(b) > 0 {
		tlv, n, err := parseOne(b)
		if err != nil {
			return o, fmt.Errorf("%w: %s objects: %v", ErrSecureMessaging, what, err)
		}
		known := false
		for _, t := range tags {
			known = known || t == tlv.Tag
		}
		if !known || o.raw[tlv.Tag] != nil {
			return o, fmt.Errorf("%w: unexpected object %X in the %s", ErrSecureMessaging, tlv.Tag, what)
		}
		o.raw[tlv.Tag], o.val[tlv.Tag] = b[:n], tlv.Value
		b = b[n:]
	}
	return o, nil
}

// dataObject encrypts data into DO'87' (padding indicator 01, then the
// cryptogram) or, for an odd instruction, DO'85' (the cryptogram alone,
// ISO/IEC 7816-4 10.2.2).
func (sm *SecureMessaging) dataObject(data []byte, odd bool) []byte {
	if odd {
		return doBytes(0x85, sm.encrypt(data))
	}
	return doBytes(0x87, append([]byte{0x01}, sm.encrypt(data)...))
}

// openDataObject returns the raw data object (DO'87' or DO'85') for the
// MAC, and a function that decrypts it once the MAC has been checked.
func (sm *SecureMessaging) openDataObject(o smObjects) ([]byte, func() ([]byte, error), error) {
	if o.raw[0x87] != nil && o.raw[0x85] != nil {
		return nil, nil, fmt.Errorf("%w: both DO'85' and DO'87'", ErrSecureMessaging)
	}
	if v := o.val[0x85]; o.raw[0x85] != nil {
		return o.raw[0x85], func() ([]byte, error) { return sm.decrypt(v) }, nil
	}
	if o.raw[0x87] == nil {
		return nil, nil, nil
	}
	v := o.val[0x87]
	return o.raw[0x87], func() ([]byte, error) {
		if len(v) < 1 || v[0] != 0x01 {
			return nil, fmt.Errorf("%w: DO'87' without the padding indicator", ErrSecureMessaging)
		}
		return sm.decrypt(v[1:])
	}, nil
}

// Protect turns a plain command into a secure messaging command: the class
// byte marked 0x0C, the data encrypted in DO'87', Ne in DO'97', the MAC over
// SSC, the padded header and both objects in DO'8E' (9.8.4, 9.8.5).
func (sm *SecureMessaging) Protect(c Command) Command {
	hdr := padTo([]byte{c.CLA | 0x0C, c.INS, c.P1, c.P2}, sm.block())
	var do87, do97 []byte
	sm.incSSC()
	sm.odd = c.INS&1 == 1
	if len(c.Data) > 0 {
		do87 = sm.dataObject(c.Data, sm.odd)
	}
	if c.Ne > 0 {
		do97 = doBytes(0x97, leBytes(c.Ne))
	}
	cc := sm.mac(hdr, do87, do97)
	data := make([]byte, 0, len(do87)+len(do97)+10)
	data = append(data, do87...)
	data = append(data, do97...)
	data = append(data, doBytes(0x8E, cc)...)
	ne := 256
	if c.Ne > 256 || len(data) > 255 || protectedLen(c.Ne, sm.block()) > 256 {
		ne = 65536
	}
	return Command{CLA: c.CLA | 0x0C, INS: c.INS, P1: c.P1, P2: c.P2, Data: data, Ne: ne}
}

// protectedLen is the most bytes a protected response to a command asking
// for ne bytes holds: the data padded to the block size in DO'87' (with its
// padding-content byte), DO'99' and an 8-byte MAC in DO'8E'. Above 256 the
// command needs an extended Le: 0xDF bytes of READ BINARY fit a short one,
// a 256-byte RSA signature does not.
func protectedLen(ne, block int) int {
	if ne <= 0 {
		return 4 + 10
	}
	v := 1 + (ne/block+1)*block
	l := 2 + v // the tag, one length octet and the value
	switch {
	case v > 0xFF:
		l += 2
	case v > 0x7F:
		l++
	}
	return l + 4 + 10
}

// Unprotect checks and decrypts a secure messaging response: the MAC in
// DO'8E' over SSC, DO'87' and DO'99', and returns the plain data and the
// status word from DO'99'. A response without secure messaging objects (a
// bare error status) is returned as it is, with an error when it says
// success.
func (sm *SecureMessaging) Unprotect(resp []byte) ([]byte, uint16, error) {
	body, sw, err := splitResponse(resp)
	if err != nil {
		return nil, 0, err
	}
	sm.incSSC()
	if len(body) == 0 {
		if sw == SWOK {
			return nil, sw, fmt.Errorf("%w: success without secure messaging objects", ErrSecureMessaging)
		}
		return nil, sw, nil
	}
	o, err := parseSMObjects(body, "response", 0x85, 0x87, 0x99, 0x8E)
	if err != nil {
		return nil, 0, err
	}
	do87, open, err := sm.openDataObject(o)
	if err != nil {
		return nil, 0, err
	}
	do99, cc := o.raw[0x99], o.val[0x8E]
	if do99 != nil {
		if v := o.val[0x99]; len(v) != 2 {
			return nil, 0, fmt.Errorf("%w: DO'99' of %d bytes", ErrSecureMessaging, len(v))
		} else {
			sw = uint16(v[0])<<8 | uint16(v[1])
		}
	}
	if cc == nil {
		return nil, 0, fmt.Errorf("%w: no MAC in the response", ErrSecureMessaging)
	}
	if subtle.ConstantTimeCompare(sm.mac(do87, do99), cc) != 1 {
		return nil, 0, fmt.Errorf("%w: the response MAC does not verify", ErrSecureMessaging)
	}
	if do99 == nil {
		return nil, 0, fmt.Errorf("%w: no status object in the response", ErrSecureMessaging)
	}
	if open == nil {
		return nil, sw, nil
	}
	data, err := open()
	return data, sw, err
}

// UnprotectCommand is the chip's side of Protect: it checks the MAC of a
// protected command and returns the plain command.
func (sm *SecureMessaging) UnprotectCommand(c Command) (Command, error) {
	if c.CLA&0x0C != 0x0C {
		return Command{}, fmt.Errorf("%w: command without secure messaging", ErrSecureMessaging)
	}
	sm.incSSC()
	plain := Command{CLA: c.CLA &^ 0x0C, INS: c.INS, P1: c.P1, P2: c.P2}
	sm.odd = c.INS&1 == 1
	o, err := parseSMObjects(c.Data, "command", 0x85, 0x87, 0x97, 0x8E)
	if err != nil {
		return Command{}, err
	}
	do87, open, err := sm.openDataObject(o)
	if err != nil {
		return Command{}, err
	}
	do97, cc := o.raw[0x97], o.val[0x8E]
	if do97 != nil {
		v := o.val[0x97]
		switch len(v) {
		case 1:
			plain.Ne = int(v[0])
			if plain.Ne == 0 {
				plain.Ne = 256
			}
		case 2:
			plain.Ne = int(v[0])<<8 | int(v[1])
			if plain.Ne == 0 {
				plain.Ne = 65536
			}
		default:
			return Command{}, fmt.Errorf("%w: DO'97' of %d bytes", ErrSecureMessaging, len(v))
		}
	}
	if cc == nil {
		return Command{}, fmt.Errorf("%w: no MAC in the command", ErrSecureMessaging)
	}
	hdr := padTo([]byte{c.CLA, c.INS, c.P1, c.P2}, sm.block())
	if subtle.ConstantTimeCompare(sm.mac(hdr, do87, do97), cc) != 1 {
		return Command{}, fmt.Errorf("%w: the command MAC does not verify", ErrSecureMessaging)
	}
	if open != nil {
		var err error
		if plain.Data, err = open(); err != nil {
			return Command{}, err
		}
	}
	return plain, nil
}

// ProtectResponse is the chip's side of Unprotect: data in DO'87' (DO'85'
// when the command's INS was odd), the status in DO'99', the MAC in DO'8E',
// then 9000.
func (sm *SecureMessaging) ProtectResponse(data []byte, sw uint16) []byte {
	var do87 []byte
	sm.incSSC()
	if len(data) > 0 {
		do87 = sm.dataObject(data, sm.odd)
	}
	do99 := []byte{0x99, 0x02, byte(sw >> 8), byte(sw)}
	cc := sm.mac(do87, do99)
	out := make([]byte, 0, len(do87)+len(do99)+12)
	out = append(out, do87...)
	out = append(out, do99...)
	out = append(out, doBytes(0x8E, cc)...)
	return append(out, 0x90, 0x00)
}

// Session is a Transport that protects every command with sm and unprotects
// every response, so that files can be read over it as over a plain one.
type Session struct {
	T  Transport
	SM *SecureMessaging
}

// Transmit protects apdu, sends it and returns the plain response.
func (s *Session) Transmit(apdu []byte) ([]byte, error) {
	c, err := ParseCommand(apdu)
	if err != nil {
		return nil, err
	}
	r, err := s.T.Transmit(s.SM.Protect(c).Bytes())
	if err != nil {
		return nil, err
	}
	data, sw, err := s.SM.Unprotect(r)
	if err != nil {
		return nil, fault("secure messaging", err)
	}
	return append(data, byte(sw>>8), byte(sw)), nil
}
