package chip

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/asn1"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
)

// PACE (ICAO 9303-11 4.4, 9.2, 9.5; BSI TR-03110): the ECDH generic
// mapping with 3DES or AES secure messaging, keyed by the MRZ.

// OIDPACE is id-PACE; the ECDH generic mapping protocols are OIDPACE.2.n.
var OIDPACE = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4}

// paceCipher says which secure messaging a PACE protocol sets up.
type paceCipher struct {
	aes    bool
	keyLen int
}

// pacePrograms are the ECDH-GM protocols by the last arc of their OID.
var paceECDHGM = map[int]paceCipher{
	1: {false, 16}, // id-PACE-ECDH-GM-3DES-CBC-CBC
	2: {true, 16},  // id-PACE-ECDH-GM-AES-CBC-CMAC-128
	3: {true, 24},  // -192
	4: {true, 32},  // -256
}

// PACEInfo is one PACEInfo of EF.CardAccess.
type PACEInfo struct {
	Protocol    asn1.ObjectIdentifier
	Version     int
	ParameterID int // standardized domain parameters (9.5.1): 12 is P-256, 13 brainpoolP256r1, ...
}

// Supported reports whether this package can run the protocol: ECDH with
// the generic mapping on one of the curves it implements.
func (p PACEInfo) Supported() bool {
	_, err := p.suite()
	return err == nil
}

func (p PACEInfo) suite() (paceSuite, error) {
	o := p.Protocol
	if len(o) != len(OIDPACE)+2 || !o[:len(OIDPACE)].Equal(OIDPACE) || o[len(OIDPACE)] != 2 {
		return paceSuite{}, fmt.Errorf("PACE protocol %s is not ECDH generic mapping", o)
	}
	ci, ok := paceECDHGM[o[len(o)-1]]
	if !ok {
		return paceSuite{}, fmt.Errorf("unknown PACE protocol %s", o)
	}
	c, ok := paceCurves[p.ParameterID]
	if !ok {
		return paceSuite{}, fmt.Errorf("PACE domain parameters %d not implemented", p.ParameterID)
	}
	return paceSuite{oid: o, cipher: ci, curve: c}, nil
}

// ParseCardAccess returns the PACEInfos of EF.CardAccess (a DER SET OF
// SecurityInfo); other security infos are skipped.
func ParseCardAccess(b []byte) ([]PACEInfo, error) {
	infos, err := securityInfos(b, "EF.CardAccess")
	if err != nil {
		return nil, err
	}
	var out []PACEInfo
	for _, raw := range infos {
		var pi struct {
			Protocol    asn1.ObjectIdentifier
			Version     int
			ParameterID int `asn1:"optional,default:-1"`
		}
		if _, err := asn1.Unmarshal(raw.FullBytes, &pi); err != nil {
			continue // another kind of SecurityInfo
		}
		if len(pi.Protocol) > len(OIDPACE) && pi.Protocol[:len(OIDPACE)].Equal(OIDPACE) && pi.ParameterID >= 0 {
			out = append(out, PACEInfo{pi.Protocol, pi.Version, pi.ParameterID})
		}
	}
	return out, nil
}

// securityInfos reads a SET OF SecurityInfo (EF.CardAccess; DG14's
// content): each element as it is, for the caller to pick its own kinds.
func securityInfos(b []byte, what string) ([]asn1.RawValue, error) {
	var infos []asn1.RawValue
	rest, err := asn1.UnmarshalWithParams(b, &infos, "set")
	if err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
	}
	return infos, nil
}

// EncodeCardAccess builds EF.CardAccess holding infos.
func EncodeCardAccess(infos ...PACEInfo) []byte {
	var items []asn1.RawValue
	for _, p := range infos {
		b, _ := asn1.Marshal(struct {
			Protocol    asn1.ObjectIdentifier
			Version     int
			ParameterID int
		}{p.Protocol, p.Version, p.ParameterID})
		items = append(items, asn1.RawValue{FullBytes: b})
	}
	b, _ := asn1.MarshalWithParams(items, "set")
	return b
}

type paceSuite struct {
	oid    asn1.ObjectIdentifier
	cipher paceCipher
	curve  *curve
}

// kdf is ICAO 9303-11 9.7.1 for the suite's cipher.
func (s paceSuite) kdf(k []byte, c uint32) []byte {
	if !s.cipher.aes {
		return kdf3DES(k, c)
	}
	var cb [4]byte
	binary.BigEndian.PutUint32(cb[:], c)
	if s.cipher.keyLen == 16 {
		h := sha1.Sum(append(bytes.Clone(k), cb[:]...))
		return h[:16]
	}
	h := sha256.Sum256(append(bytes.Clone(k), cb[:]...))
	return h[:s.cipher.keyLen]
}

func (s paceSuite) decryptNonce(kpi, z []byte) ([]byte, error) {
	if s.cipher.aes {
		return decryptAES(kpi, make([]byte, 16), z)
	}
	return decrypt3DES(kpi, z)
}

func (s paceSuite) encryptNonce(kpi, nonce []byte) []byte {
	if s.cipher.aes {
		return encryptAES(kpi, make([]byte, 16), nonce)
	}
	return encrypt3DES(kpi, nonce)
}

// token is the authentication token over the other side's ephemeral key
// (9.2.4 step 4): the MAC of its public key data object 7F49.
func (s paceSuite) token(ksMAC []byte, pk point) []byte {
	oid, _ := asn1.Marshal(s.oid)
	body := append(oid, EncodeTLV(0x86, s.curve.encode(pk))...)
	data := EncodeTLV(0x7F49, body)
	if s.cipher.aes {
		return cmac(ksMAC, data)[:8]
	}
	return retailMAC(ksMAC, pad(data))
}

func (s paceSuite) session(k []byte) *SecureMessaging {
	enc, mac := s.kdf(k, kdfEnc), s.kdf(k, kdfMAC)
	if s.cipher.aes {
		return NewSecureMessagingAES(enc, mac, nil)
	}
	return NewSecureMessaging(enc, mac, nil)
}

// PACEParams lets tests fix the terminal's keys; nil ones are drawn from
// Rand (crypto/rand by default).
type PACEParams struct {
	Rand     io.Reader
	MapKey   *big.Int // the mapping key pair's private key
	EphemKey *big.Int // the ephemeral key pair's private key
}

func randomScalar(r io.Reader, n *big.Int) (*big.Int, error) {
	if r == nil {
		r = rand.Reader
	}
	for {
		k, err := rand.Int(r, n)
		if err != nil {
			return nil, err
		}
		if k.Sign() > 0 {
			return k, nil
		}
	}
}

// gaData wraps a dynamic authentication data object 7C around tag/value.
func gaData(tag uint32, v []byte) []byte {
	if tag == 0 {
		return EncodeTLV(0x7C, nil)
	}
	return EncodeTLV(0x7C, EncodeTLV(tag, v))
}

// gaValue takes the object tag out of a 7C answer.
func gaValue(resp []byte, tag uint32) ([]byte, error) {
	t, err := ParseTLV(resp)
	if err != nil || t.Tag != 0x7C {
		return nil, fmt.Errorf("%w: GENERAL AUTHENTICATE answer is no 7C object", ErrMalformed)
	}
	o, ok := Find(t.Value, tag)
	if !ok {
		return nil, fmt.Errorf("%w: GENERAL AUTHENTICATE answer without %X", ErrMalformed, tag)
	}
	return o.Value, nil
}

// passwordKey is K = SHA-1(MRZ information), the PACE password of an MRZ.
func passwordKey(mrzInfo string) []byte {
	h := sha1.Sum([]byte(mrzInfo))
	return h[:]
}

// DoPACE runs PACE with the MRZ as password (ECDH generic mapping, 9.2)
// and returns the secure messaging session. A chip that refuses the keys
// gives an error wrapping ErrAccessDenied.
func DoPACE(t Transport, mrzInfo string, info PACEInfo, p *PACEParams) (*SecureMessaging, error) {
	sm, err := doPACE(t, mrzInfo, info, p)
	return sm, fault("pace", err)
}

func doPACE(t Transport, mrzInfo string, info PACEInfo, p *PACEParams) (*SecureMessaging, error) {
	if p == nil {
		p = &PACEParams{}
	}
	s, err := info.suite()
	if err != nil {
		return nil, err
	}
	c := s.curve
	oid, _ := asn1.Marshal(info.Protocol)
	mse := append(EncodeTLV(0x80, oid[2:]), EncodeTLV(0x83, []byte{0x01})...) // password: MRZ
	if _, sw, err := transmit(t, Command{INS: 0x22, P1: 0xC1, P2: 0xA4, Data: mse}); err != nil {
		return nil, err
	} else if sw != SWOK {
		return nil, fmt.Errorf("%w: MSE:Set AT: %w", ErrAccessDenied, &StatusError{sw})
	}
	ga := func(last bool, tag uint32, v []byte, want uint32) ([]byte, error) {
		cla := byte(0x10)
		if last {
			cla = 0
		}
		resp, sw, err := transmit(t, Command{CLA: cla, INS: 0x86, Data: gaData(tag, v), Ne: 256})
		if err != nil {
			return nil, err
		}
		if sw != SWOK {
			return nil, fmt.Errorf("%w: GENERAL AUTHENTICATE: %w", ErrAccessDenied, &StatusError{sw})
		}
		return gaValue(resp, want)
	}
	// 1. The chip's nonce, encrypted with the password key.
	z, err := ga(false, 0, nil, 0x80)
	if err != nil {
		return nil, err
	}
	kpi := s.kdf(passwordKey(mrzInfo), 3)
	nonce, err := s.decryptNonce(kpi, z)
	if err != nil {
		return nil, err
	}
	// 2. Generic mapping: G' = s·G + H, H = SKmap·PKmap(chip).
	skMap := p.MapKey
	if skMap == nil {
		if skMap, err = randomScalar(p.Rand, c.n); err != nil {
			return nil, err
		}
	}
	v, err := ga(false, 0x81, c.encode(c.mul(skMap, c.g())), 0x82)
	if err != nil {
		return nil, err
	}
	pkMapIC, err := c.decode(v)
	if err != nil {
		return nil, err
	}
	h := c.mul(skMap, pkMapIC)
	if h.x == nil {
		return nil, fmt.Errorf("%w: the mapping gives the point at infinity", ErrAccessDenied)
	}
	gMapped := c.add(c.mul(new(big.Int).SetBytes(nonce), c.g()), h)
	// 3. Key agreement on the mapped generator.
	sk := p.EphemKey
	if sk == nil {
		if sk, err = randomScalar(p.Rand, c.n); err != nil {
			return nil, err
		}
	}
	pk := c.mul(sk, gMapped)
	if v, err = ga(false, 0x83, c.encode(pk), 0x84); err != nil {
		return nil, err
	}
	pkIC, err := c.decode(v)
	if err != nil {
		return nil, err
	}
	if pkIC.x.Cmp(pk.x) == 0 && pkIC.y.Cmp(pk.y) == 0 {
		return nil, fmt.Errorf("%w: the chip sent back the terminal's key", ErrAccessDenied)
	}
	shared := c.mul(sk, pkIC)
	if shared.x == nil {
		return nil, fmt.Errorf("%w: shared secret at infinity", ErrAccessDenied)
	}
	k := make([]byte, c.coordinateSz)
	shared.x.FillBytes(k)
	sm := s.session(k)
	// 4. Mutual authentication tokens.
	if v, err = ga(true, 0x85, s.token(sm.kMAC, pkIC), 0x86); err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(v, s.token(sm.kMAC, pk)) != 1 {
		return nil, fmt.Errorf("%w: the chip's authentication token does not verify", ErrAccessDenied)
	}
	return sm, nil
}

// PACEChip is the chip's side of PACE, for emulators: it answers the four
// GENERAL AUTHENTICATE steps and gives the session after the last.
type PACEChip struct {
	s       paceSuite
	kpi     []byte
	rand    io.Reader
	step    int
	nonce   []byte
	gMapped point
	pk      point // the chip's ephemeral public key
	pkIFD   point // the terminal's
	sm      *SecureMessaging
}

// NewPACEChip starts the chip's side of PACE for the document whose MRZ
// information is mrzInfo (after MSE:Set AT named info's protocol).
func NewPACEChip(mrzInfo string, info PACEInfo, r io.Reader) (*PACEChip, error) {
	s, err := info.suite()
	if err != nil {
		return nil, err
	}
	if r == nil {
		r = rand.Reader
	}
	return &PACEChip{s: s, kpi: s.kdf(passwordKey(mrzInfo), 3), rand: r}, nil
}

// GeneralAuthenticate answers one GENERAL AUTHENTICATE command's data with
// the response data; after the terminal's token it returns the session too.
// Any error ends PACE: the chip answers 6300 and starts again.
func (p *PACEChip) GeneralAuthenticate(data []byte) ([]byte, *SecureMessaging, error) {
	c := p.s.curve
	t, err := ParseTLV(data)
	if err != nil || t.Tag != 0x7C {
		return nil, nil, fmt.Errorf("%w: GENERAL AUTHENTICATE data is no 7C object", ErrMalformed)
	}
	in := func(tag uint32) (point, error) {
		v, err := gaValue(data, tag)
		if err != nil {
			return point{}, err
		}
		return c.decode(v)
	}
	switch p.step {
	case 0:
		p.nonce = make([]byte, 16)
		if !p.s.cipher.aes {
			p.nonce = p.nonce[:8]
		}
		if _, err := io.ReadFull(p.rand, p.nonce); err != nil {
			return nil, nil, err
		}
		p.step++
		return gaData(0x80, p.s.encryptNonce(p.kpi, p.nonce)), nil, nil
	case 1:
		pkMapIFD, err := in(0x81)
		if err != nil {
			return nil, nil, err
		}
		skMap, err := randomScalar(p.rand, c.n)
		if err != nil {
			return nil, nil, err
		}
		h := c.mul(skMap, pkMapIFD)
		if h.x == nil {
			return nil, nil, fmt.Errorf("%w: mapping at infinity", ErrAccessDenied)
		}
		p.gMapped = c.add(c.mul(new(big.Int).SetBytes(p.nonce), c.g()), h)
		p.step++
		return gaData(0x82, c.encode(c.mul(skMap, c.g()))), nil, nil
	case 2:
		pkIFD, err := in(0x83)
		if err != nil {
			return nil, nil, err
		}
		sk, err := randomScalar(p.rand, c.n)
		if err != nil {
			return nil, nil, err
		}
		p.pk = c.mul(sk, p.gMapped)
		shared := c.mul(sk, pkIFD)
		if shared.x == nil {
			return nil, nil, fmt.Errorf("%w: shared secret at infinity", ErrAccessDenied)
		}
		k := make([]byte, c.coordinateSz)
		shared.x.FillBytes(k)
		p.sm = p.s.session(k)
		p.step++
		p.pkIFD = pkIFD
		return gaData(0x84, c.encode(p.pk)), nil, nil
	case 3:
		tok, err := gaValue(data, 0x85)
		if err != nil {
			return nil, nil, err
		}
		if subtle.ConstantTimeCompare(tok, p.s.token(p.sm.kMAC, p.pk)) != 1 {
			return nil, nil, fmt.Errorf("%w: the terminal's token does not verify", ErrAccessDenied)
		}
		p.step++
		return gaData(0x86, p.s.token(p.sm.kMAC, p.pkIFD)), p.sm, nil
	}
	return nil, nil, fmt.Errorf("%w: PACE is over", ErrAccessDenied)
}
