package chip

import (
	"fmt"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/mrz"
)

// Check is what a kiosk needs to know about a traveler's chip: what was
// read, whether DG1 is the printed zone, passive authentication (the data
// is the issuer's) and active authentication (the chip is the issuer's,
// not a copy).
type Check struct {
	Passport   *Passport
	DG1Matches bool
	PA         PAResult
	AA         AAResult
	CA         CAResult
	VerifyTime time.Duration
}

// Genuine reports whether the chip passed passive authentication, holds
// the printed zone and passed active and chip authentication where it
// supports them.
func (c *Check) Genuine() bool {
	return c.PA.Status == PAValid && c.DG1Matches && c.AA.Status != AAInvalid && c.CA.Status != AAInvalid
}

// ReadAndVerify reads the chip over t with the keys of the printed zone
// (lines as the MRZ reader gave them, after the agent's correction), then
// compares DG1 with them, runs passive authentication against ts and
// checks active authentication's signature. A read
// failure is an error (a *drivers.Error, see Read); a chip read but not
// genuine is a Check whose Genuine is false.
func ReadAndVerify(t Transport, printed []string, ts *TrustStore, opts ReadOptions, vopts VerifyOptions) (*Check, error) {
	zone := mrz.Parse(printed, mrz.Options{})
	info, err := MRZInfoFromFields(zone.Fields)
	if err == nil && !zone.Valid {
		err = fmt.Errorf("%w: the printed MRZ is not valid", ErrMalformed)
	}
	if err != nil {
		return nil, fault("mrz", err)
	}
	p, err := Read(t, info, opts)
	if err != nil {
		return nil, err
	}
	c := &Check{Passport: p, DG1Matches: p.DG1 != nil && p.DG1.MatchesPrinted(zone.Lines)}
	start := time.Now()
	c.PA = Verify(p.SODFile, p.Files, ts, vopts)
	if opts.NoAA {
		c.AA = AAResult{Status: AANotSupported, Detail: "not run (NoAA)"}
	} else {
		c.AA = VerifyAA(p.Files[15], p.Files[14], p.AAChallenge, p.AASignature, p.AAError)
	}
	if opts.NoCA {
		c.CA = CAResult{Status: AANotSupported, Detail: "not run (NoCA)"}
	} else {
		c.CA = VerifyCA(p.Files[14], p.CARan, p.CAError)
	}
	c.VerifyTime = time.Since(start)
	return c, nil
}
