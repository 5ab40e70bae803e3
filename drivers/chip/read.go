package chip

import (
	"fmt"
	"time"
)

// ReadOptions say what Read reads.
type ReadOptions struct {
	// DataGroups to read besides EF.COM and EF.SOD; DG1 and DG2 when empty.
	// A data group that EF.COM does not list is skipped.
	DataGroups []int
	// Chunk is the READ BINARY size (DefaultChunk when 0).
	Chunk int
	// BAC fixes the terminal's random values (tests only).
	BAC *BACParams
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
	Protocol string         // "BAC"
	Files    map[int][]byte // data groups by number; EF.COM and EF.SOD below
	COMFile  []byte
	SODFile  []byte
	COM      *COM
	DG1      *DG1
	DG2      *DG2
	Bytes    int // bytes of file content read
	Timings  Timings
}

// Read selects the eMRTD application, runs BAC with keys, and reads EF.COM,
// the data groups asked for and EF.SOD over secure messaging. It stops at
// the first failure with a *drivers.Error wrapping the cause: ErrAccessDenied
// (BAC refused), ErrSecureMessaging, ErrFileNotFound, ErrMalformed, or the
// transport's own error (timeout, card removed).
func Read(t Transport, keys Keys, opts ReadOptions) (*Passport, error) {
	start := time.Now()
	if err := SelectApplication(t); err != nil {
		return nil, err
	}
	sm, err := DoBAC(t, keys, opts.BAC)
	if err != nil {
		return nil, err
	}
	p := &Passport{Protocol: "BAC", Files: map[int][]byte{}}
	p.Timings.Access = time.Since(start)
	r := &Reader{T: &Session{T: t, SM: sm}, Chunk: opts.Chunk}
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
	p.Bytes = len(p.COMFile)
	for _, n := range dgs {
		if !p.COM.Has(n) {
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
