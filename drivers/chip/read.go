package chip

import (
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
)

// Access says which access control Read runs.
type Access string

const (
	// AccessAuto runs PACE when EF.CardAccess offers a protocol this
	// package implements, and BAC otherwise or when PACE fails.
	AccessAuto Access = ""
	AccessBAC  Access = "BAC"
	AccessPACE Access = "PACE" // PACE or fail
)

// ReadOptions say what Read reads.
type ReadOptions struct {
	Access Access
	// DataGroups to read besides EF.COM and EF.SOD; DG1 and DG2 when empty.
	// A data group that EF.COM does not list is skipped.
	DataGroups []int
	// Chunk is the READ BINARY size (DefaultChunk when 0).
	Chunk int
	// BAC and PACE fix the terminal's random values (tests only).
	BAC  *BACParams
	PACE *PACEParams
	// AAChallenge fixes active authentication's challenge (tests only;
	// crypto/rand when nil). NoAA skips active authentication.
	AAChallenge []byte
	NoAA        bool
	// NoCA skips chip authentication.
	NoCA bool
}

// Timings of one chip read.
type Timings struct {
	Access time.Duration // SELECT application and BAC
	Read   time.Duration // every file
	Total  time.Duration
}

// Passport is what Read got from a chip: the raw files (for passive
// authentication, which hashes them as read) and their decoded forms.
type Passport struct {
	Protocol string // "BAC" or "PACE"
	// PACEInfo is the protocol PACE ran with; PACEError why PACE was not
	// used when EF.CardAccess offered it and Read fell back to BAC.
	PACEInfo  *PACEInfo
	PACEError string
	Files     map[int][]byte // data groups by number; EF.COM and EF.SOD below
	COMFile   []byte
	SODFile   []byte
	COM       *COM
	DG1       *DG1
	DG2       *DG2
	Bytes     int // bytes of file content read
	Timings   Timings
	// Active authentication, run when EF.COM lists DG15 (DG15 and DG14
	// are then read too): the challenge sent, the chip's signature, or
	// why the chip gave none. VerifyAA judges them.
	AAChallenge []byte
	AASignature []byte
	AAError     error
	// Chip authentication, run when DG14 offers it (DG14 is then read):
	// whether it ran, and why it failed. VerifyCA judges them.
	CARan   bool
	CAError error
}

// Read opens the chip with the MRZ information mrzInfo (see MRZInfo): PACE
// when EF.CardAccess offers it, else BAC (opts.Access), selects the eMRTD
// application, and reads EF.COM, the data groups asked for and EF.SOD over
// secure messaging. It stops at the first failure with a *drivers.Error
// wrapping the cause: ErrAccessDenied (BAC or PACE refused),
// ErrSecureMessaging, ErrFileNotFound, ErrMalformed, or the transport's own
// error (timeout, card removed).
func Read(t Transport, mrzInfo string, opts ReadOptions) (*Passport, error) {
	start := time.Now()
	p := &Passport{Files: map[int][]byte{}}
	sess, err := open(t, mrzInfo, opts, p)
	if err != nil {
		return nil, err
	}
	p.Timings.Access = time.Since(start)
	r := &Reader{T: sess, Chunk: opts.Chunk}
	if p.COMFile, err = r.ReadFile(FIDCOM); err != nil {
		return nil, err
	}
	if p.COM, err = ParseCOM(p.COMFile); err != nil {
		return nil, fault("EF.COM", err)
	}
	dgs := opts.DataGroups
	if len(dgs) == 0 {
		dgs = []int{1, 2}
	}
	aa := !opts.NoAA && p.COM.Has(15)
	if aa { // DG15's key, DG14's AA algorithm: hashed by passive authentication with the rest
		dgs = append(slices.Clone(dgs), 14, 15)
	}
	if !opts.NoCA && p.COM.Has(14) { // chip authentication's key and protocol
		dgs = append(slices.Clone(dgs), 14)
	}
	p.Bytes = len(p.COMFile)
	for _, n := range dgs {
		if _, done := p.Files[n]; done || !p.COM.Has(n) {
			continue
		}
		b, err := r.ReadFile(FIDOfDG(n))
		if err != nil {
			return nil, err
		}
		p.Files[n] = b
		p.Bytes += len(b)
	}
	if p.SODFile, err = r.ReadFile(FIDSOD); err != nil {
		return nil, err
	}
	p.Bytes += len(p.SODFile)
	if aa {
		if p.AAChallenge = opts.AAChallenge; p.AAChallenge == nil {
			p.AAChallenge = make([]byte, AAChallengeLen)
			if _, err := rand.Read(p.AAChallenge); err != nil {
				return nil, fault("active authentication", err)
			}
		}
		p.AASignature, p.AAError = InternalAuthenticate(r.T, p.AAChallenge, AASignatureLen(p.Files[15]))
		var de *drivers.Error
		if errors.As(p.AAError, &de) && de.Kind != drivers.CodeProtocol {
			return nil, p.AAError // the card went away, a timeout: a read failure, not a verdict
		}
	}
	// Chip authentication last: it replaces the session's keys. A DG14
	// that does not parse is passive and chip authentication's verdict
	// (VerifyCA), not a read failure.
	if s, ok := sess.(*Session); ok && !opts.NoCA {
		if info, err := ParseCA(p.Files[14]); err == nil && info != nil {
			p.CARan = true
			_, p.CAError = ChipAuthenticate(s, info, p.COMFile, nil)
			var de *drivers.Error
			if errors.As(p.CAError, &de) && de.Kind != drivers.CodeProtocol {
				return nil, p.CAError
			}
		}
	}
	p.Timings.Read = time.Since(start) - p.Timings.Access
	if b, ok := p.Files[1]; ok {
		if p.DG1, err = ParseDG1(b); err != nil {
			return nil, fault("DG1", err)
		}
	}
	if b, ok := p.Files[2]; ok {
		if p.DG2, err = ParseDG2(b); err != nil {
			return nil, fault("DG2", err)
		}
	}
	p.Timings.Total = time.Since(start)
	return p, nil
}

// String summarises the read without personal data.
func (p *Passport) String() string {
	return fmt.Sprintf("chip read: %s, %d data groups, %d bytes, %v", p.Protocol, len(p.Files), p.Bytes, p.Timings.Total.Round(time.Millisecond))
}

// open runs access control and selects the application.
func open(t Transport, mrzInfo string, opts ReadOptions, p *Passport) (Transport, error) {
	if opts.Access != AccessBAC {
		info, err := pacePick(t)
		switch {
		case err == nil:
			sm, err := DoPACE(t, mrzInfo, info, opts.PACE)
			if err == nil {
				sess := &Session{T: t, SM: sm}
				if err := SelectApplication(sess); err != nil {
					return nil, err
				}
				p.Protocol, p.PACEInfo = "PACE", &info
				return sess, nil
			}
			if opts.Access == AccessPACE {
				return nil, err
			}
			p.PACEError = err.Error()
		case opts.Access == AccessPACE:
			return nil, fault("pace", err)
		case !IsNotFound(err):
			p.PACEError = err.Error() // EF.CardAccess there, but no PACE this package runs
		}
	}
	if err := SelectApplication(t); err != nil {
		return nil, err
	}
	sm, err := DoBAC(t, BACKeys(mrzInfo), opts.BAC)
	if err != nil {
		return nil, err
	}
	p.Protocol = "BAC"
	return &Session{T: t, SM: sm}, nil
}

// pacePick reads EF.CardAccess (plain, from the master file) and returns
// the first PACE protocol it offers that this package implements.
func pacePick(t Transport) (PACEInfo, error) {
	r := &Reader{T: t}
	b, err := r.ReadFile(FIDCardAccess)
	if err != nil {
		return PACEInfo{}, fmt.Errorf("no EF.CardAccess: %w", err)
	}
	infos, err := ParseCardAccess(b)
	if err != nil {
		return PACEInfo{}, err
	}
	var why []string
	for _, i := range infos {
		if _, err := i.suite(); err != nil {
			why = append(why, err.Error())
			continue
		}
		return i, nil
	}
	return PACEInfo{}, fmt.Errorf("%w: no PACE protocol implemented here in EF.CardAccess (%s)", ErrAccessDenied, strings.Join(why, "; "))
}
