package issuer

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"maps"
	"strings"

	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
)

// Tampering kinds for test passports: what a kiosk must refer, and the
// passive authentication result it must show.
const (
	Genuine      = "genuine"       // valid
	BadDG2Hash   = "dg2-hash"      // DG2 replaced after signing: invalid, dg_hash DG2
	BadDG1Hash   = "dg1-hash"      // DG1 replaced after signing: invalid, dg_hash DG1
	BadSignature = "sod-signature" // one bit of the SOD's signature flipped: invalid, sod_signature
	ForgedCSCA   = "forged-csca"   // signed by a CSCA of the same name but another key: invalid, ds_certificate
	UnknownCSCA  = "unknown-csca"  // signed by a CSCA of another country: no_trust_anchor
	DG1Mismatch  = "dg1-mismatch"  // genuine signature, but DG1 holds another zone than the printed one
	RefuseBAC    = "refuse-bac"    // the chip refuses BAC (set cardsim.Card.RefuseBAC)
	GarbageSOD   = "sod-garbage"   // EF.SOD is not ASN.1: invalid, sod_format
	// Cloned is a copy of a genuine chip: every file as issued (passive
	// authentication valid), but the copy cannot hold the chip's private
	// key, so active authentication fails: invalid, active_authentication.
	Cloned = "cloned"
	// RevokedDS is signed by a document signer the CSCA's CRL revokes
	// (RevocationList): valid for a kiosk without the CRL.
	RevokedDS = "revoked-ds"
)

// Kinds lists every kind, Genuine first.
var Kinds = []string{Genuine, BadDG2Hash, BadDG1Hash, BadSignature, ForgedCSCA, UnknownCSCA, DG1Mismatch, RefuseBAC, GarbageSOD, Cloned, RevokedDS}

// IssueKind issues doc as the given kind of test passport. The CSCA that a
// kiosk must trust is a's, whatever the kind (ForgedCSCA and UnknownCSCA
// sign with other authorities they make).
func (a *Authority) IssueKind(doc Document, kind string) (*Passport, error) {
	signer := a
	switch kind {
	case ForgedCSCA, UnknownCSCA:
		o := Options{Country: a.Country, Algorithm: a.Algorithm, Name: a.CSCA.Subject.CommonName}
		if kind == UnknownCSCA {
			o = Options{Country: "ZZ", Algorithm: a.Algorithm}
		}
		var err error
		if signer, err = NewAuthority(o); err != nil {
			return nil, err
		}
	case DG1Mismatch:
		doc.ChipMRZ = otherZone(doc.MRZ)
	case RevokedDS:
		signer = &Authority{Country: a.Country, Algorithm: a.Algorithm, CSCA: a.CSCA, CSCAKey: a.CSCAKey, DS: a.RevokedDS, DSKey: a.revokedDSKey}
	case Cloned:
		if doc.NoAA && doc.NoCA {
			return nil, fmt.Errorf("issuer: %s needs a chip with active or chip authentication (not NoAA and NoCA)", kind)
		}
	}
	p, err := signer.Issue(doc)
	if err != nil {
		return nil, err
	}
	p.Files = maps.Clone(p.Files)
	switch kind {
	case Genuine, ForgedCSCA, UnknownCSCA, DG1Mismatch, RefuseBAC, RevokedDS:
	case BadDG2Hash:
		dg2 := p.Files[chip.FIDDG2]
		if dg2 == nil {
			return nil, fmt.Errorf("issuer: %s needs a photo", kind)
		}
		dg2 = bytes.Clone(dg2)
		dg2[len(dg2)-3] ^= 0x01 // inside the image, before its end marker
		p.Files[chip.FIDDG2] = dg2
	case BadDG1Hash:
		p.Files[chip.FIDDG1] = chip.EncodeDG1(otherZone(doc.MRZ))
	case BadSignature:
		sod := bytes.Clone(p.Files[chip.FIDSOD])
		sod[len(sod)-5] ^= 0x01 // the signature is the SOD's last element
		p.Files[chip.FIDSOD] = sod
	case GarbageSOD:
		p.Files[chip.FIDSOD] = chip.EncodeTLV(0x77, []byte("not a signed object"))
	case Cloned:
		if p.AAKey != nil {
			k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader) // the cloner's own
			if err != nil {
				return nil, err
			}
			p.AAKey = k
		}
		if p.CAKey != nil {
			if p.CAKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("issuer: unknown kind %q (kinds: %s)", kind, strings.Join(Kinds, ", "))
	}
	return p, nil
}

// otherZone changes one letter of the first name in the zone's name field,
// keeping the check digits (names carry none) and the BAC fields.
func otherZone(lines []string) []string {
	out := append([]string(nil), lines...)
	i := len(out) - 1 // TD1 names are on line 3, TD2/TD3 on line 1
	if len(out) == 2 {
		i = 0
	}
	b := []byte(out[i])
	for j := len(b) - 1; j > 5; j-- {
		if b[j] >= 'A' && b[j] <= 'Z' {
			b[j] = 'A' + (b[j]-'A'+1)%26
			break
		}
	}
	out[i] = string(b)
	return out
}
