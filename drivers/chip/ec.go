package chip

import (
	"crypto/ecdh"
	"crypto/elliptic"
	"fmt"
	"math/big"
)

// curve is a short Weierstrass curve y² = x³ + ax + b over GF(p), with the
// arithmetic PACE's generic mapping needs (adding an arbitrary point, which
// crypto/ecdh does not offer) in affine coordinates with math/big. It is
// not constant-time: it computes with ephemeral keys of one session only.
type curve struct {
	name         string
	p, a, b, n   *big.Int
	gx, gy       *big.Int
	coordinateSz int
}

type point struct{ x, y *big.Int } // x == nil is the point at infinity

func hexInt(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("chip: bad curve constant")
	}
	return n
}

func fromStdlib(name string, c elliptic.Curve) *curve {
	p := c.Params()
	return &curve{name: name, p: p.P, a: new(big.Int).Sub(p.P, big.NewInt(3)), b: p.B, n: p.N, gx: p.Gx, gy: p.Gy, coordinateSz: (p.BitSize + 7) / 8}
}

// brainpoolP256r1 (RFC 5639 3.4).
var brainpoolP256r1 = &curve{
	name:         "brainpoolP256r1",
	p:            hexInt("A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377"),
	a:            hexInt("7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9"),
	b:            hexInt("26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6"),
	gx:           hexInt("8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262"),
	gy:           hexInt("547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997"),
	n:            hexInt("A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7"),
	coordinateSz: 32,
}

// paceCurves are the standardized domain parameters PACE may name (ICAO
// 9303-11 9.5.1) that this package implements.
var paceCurves = map[int]*curve{
	10: fromStdlib("P-224", elliptic.P224()),
	12: fromStdlib("P-256", elliptic.P256()),
	13: brainpoolP256r1,
	15: fromStdlib("P-384", elliptic.P384()),
	18: fromStdlib("P-521", elliptic.P521()),
}

// nistCurves are the curves Go's crypto implements, by name: crypto/ecdsa
// and crypto/ecdh are much faster on them than this package's math/big
// arithmetic, which brainpool and explicit curves take (no ECDH on P-224).
var nistCurves = map[string]struct {
	ec elliptic.Curve
	dh ecdh.Curve
}{
	"P-224": {elliptic.P224(), nil},
	"P-256": {elliptic.P256(), ecdh.P256()},
	"P-384": {elliptic.P384(), ecdh.P384()},
	"P-521": {elliptic.P521(), ecdh.P521()},
}

func (c *curve) g() point { return point{c.gx, c.gy} }

func (c *curve) onCurve(p point) bool {
	if p.x == nil || p.x.Sign() < 0 || p.y.Sign() < 0 || p.x.Cmp(c.p) >= 0 || p.y.Cmp(c.p) >= 0 {
		return false
	}
	y2 := new(big.Int).Mul(p.y, p.y)
	x3 := new(big.Int).Mul(p.x, p.x)
	x3.Mul(x3, p.x)
	ax := new(big.Int).Mul(c.a, p.x)
	x3.Add(x3, ax).Add(x3, c.b)
	return y2.Sub(y2, x3).Mod(y2, c.p).Sign() == 0
}

func (c *curve) add(p1, p2 point) point {
	if p1.x == nil {
		return p2
	}
	if p2.x == nil {
		return p1
	}
	var l *big.Int
	if p1.x.Cmp(p2.x) == 0 {
		sum := new(big.Int).Add(p1.y, p2.y)
		if sum.Mod(sum, c.p).Sign() == 0 {
			return point{}
		}
		// tangent: (3x² + a) / 2y
		num := new(big.Int).Mul(p1.x, p1.x)
		num.Mul(num, big.NewInt(3)).Add(num, c.a)
		den := new(big.Int).Lsh(p1.y, 1)
		l = num.Mul(num, den.ModInverse(den.Mod(den, c.p), c.p))
	} else {
		num := new(big.Int).Sub(p2.y, p1.y)
		den := new(big.Int).Sub(p2.x, p1.x)
		den.Mod(den, c.p)
		l = num.Mul(num, den.ModInverse(den, c.p))
	}
	l.Mod(l, c.p)
	x := new(big.Int).Mul(l, l)
	x.Sub(x, p1.x).Sub(x, p2.x).Mod(x, c.p)
	y := new(big.Int).Sub(p1.x, x)
	y.Mul(y, l).Sub(y, p1.y).Mod(y, c.p)
	return point{x, y}
}

func (c *curve) mul(k *big.Int, p point) point {
	r := point{}
	for i := k.BitLen() - 1; i >= 0; i-- {
		r = c.add(r, r)
		if k.Bit(i) == 1 {
			r = c.add(r, p)
		}
	}
	return r
}

// encode is the uncompressed point 04 || X || Y.
func (c *curve) encode(p point) []byte {
	b := make([]byte, 1+2*c.coordinateSz)
	b[0] = 4
	p.x.FillBytes(b[1 : 1+c.coordinateSz])
	p.y.FillBytes(b[1+c.coordinateSz:])
	return b
}

func (c *curve) decode(b []byte) (point, error) {
	if len(b) != 1+2*c.coordinateSz || b[0] != 4 {
		return point{}, fmt.Errorf("%w: not an uncompressed %s point", ErrMalformed, c.name)
	}
	p := point{new(big.Int).SetBytes(b[1 : 1+c.coordinateSz]), new(big.Int).SetBytes(b[1+c.coordinateSz:])}
	if !c.onCurve(p) {
		return point{}, fmt.Errorf("%w: the point is not on %s", ErrMalformed, c.name)
	}
	return p, nil
}
