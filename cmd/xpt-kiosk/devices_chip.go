package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/pcsc"
	"github.com/xpt-pilot/xpt-kiosk/mrz"
)

const devChipUsage = `Usage: xpt-kiosk devices chip --mrz LINE1 LINE2 [LINE3] [--csca DIR] [--reader NAME] [flags]

Reads an ePassport's chip on a PC/SC reader (through pcscd): waits for the
passport, runs PACE (when EF.CardAccess offers it) or BAC with keys from the
printed MRZ, reads EF.COM, DG1, DG2 and EF.SOD over secure messaging
(and DG14, DG15 when the chip has them), compares DG1 with the printed MRZ, runs passive authentication against the
CSCA certificates and CRLs in --csca (PEM, DER or ICAO master list files)
and, when the chip has DG15, active authentication (the chip signs a
random challenge with its own key), and when DG14 offers it, chip
authentication (the chip agrees new session keys with its own key): a
copy of its files on another chip can do neither. Prints the data groups
read, the access protocol, timings and the verdicts; no name or document
number.

Exit status: 0 when the chip is genuine (passive authentication valid, active
and chip authentication valid or not supported) and its MRZ is the printed one, 1
otherwise or when the chip cannot be read, 2 for bad arguments. Try it on the simulated chip: 'xpt-kiosk sim chip --help'.

Flags:
`

type devChipReport struct {
	Reader      string         `json:"reader"`
	Protocol    string         `json:"protocol"`
	PACE        string         `json:"pace,omitempty"`        // the PACE protocol and domain parameters used
	PACEError   string         `json:"paceNotUsed,omitempty"` // why PACE was offered but BAC ran
	Files       []string       `json:"files"`
	Bytes       int            `json:"bytes"`
	AccessMS    float64        `json:"accessMs"`
	ReadMS      float64        `json:"readMs"`
	VerifyMS    float64        `json:"verifyMs"`
	TotalMS     float64        `json:"totalMs"`
	DG1Matches  bool           `json:"dg1MatchesPrintedMrz"`
	Faces       []devChipFace  `json:"faces"`
	PA          chip.PAResult  `json:"passiveAuthentication"`
	AA          chip.AAResult  `json:"activeAuthentication"`
	CA          chip.CAResult  `json:"chipAuthentication"`
	Error       string         `json:"error,omitempty"`
	ErrorCode   drivers.Code   `json:"errorCode,omitempty"`
	CSCAs       int            `json:"cscaCertificates"`
	CRLs        int            `json:"crls"`
	DataGroups  map[string]int `json:"dataGroupBytes"`
	PhotoSaved  string         `json:"photoSaved,omitempty"`
	MRZWarnings []string       `json:"mrzWarnings,omitempty"`
}

type devChipFace struct {
	Format string         `json:"format"`
	Type   chip.ImageType `json:"type"`
	Width  int            `json:"width"`
	Height int            `json:"height"`
	Bytes  int            `json:"bytes"`
}

func runDevicesChip(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("devices chip", devChipUsage, stderr)
	devMRZUsage(fs)
	reader := fs.String("reader", "", "PC/SC reader `name` (default: the first with a card)")
	socket := fs.String("socket", "", "pcscd's socket `path` (default $PCSCLITE_CSOCK_NAME or "+pcsc.DefaultSocket+")")
	cscaDir := fs.String("csca", "", "`directory` of CSCA certificates (without it: no_trust_anchor)")
	access := fs.String("access", "auto", "access control: auto (PACE when the chip offers it, else BAC), bac, pace")
	wait := fs.Duration("timeout", 10*time.Second, "how long to wait for a passport on the reader")
	photo := fs.String("save-photo", "", "write DG2's face image to `FILE` (personal data: delete it after use)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	lines, code := devParseMRZ(fs, args, stdout)
	if code >= 0 {
		return code
	}
	if len(lines) < 2 || len(lines) > 3 {
		return usageError(fs, "give the printed MRZ: --mrz LINE1 LINE2 [LINE3]")
	}
	zone := mrz.Parse(lines, mrz.Options{Correct: true})
	_, err := chip.MRZInfoFromFields(zone.Fields)
	if !zone.Valid || err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk devices chip: the MRZ does not give BAC keys: %v\n", errors.Join(zone.Err(), err))
		return exitUsage
	}
	rep := devChipReport{DataGroups: map[string]int{}, Faces: []devChipFace{}}
	for _, c := range zone.Corrections {
		rep.MRZWarnings = append(rep.MRZWarnings, fmt.Sprintf("corrected line %d column %d", c.Line, c.Col))
	}
	ts := chip.NewTrustStore()
	if *cscaDir != "" {
		if ts, err = chip.LoadCSCAs(*cscaDir); err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk devices chip: --csca: %v\n", err)
			return exitUsage
		}
	}
	rep.CSCAs, rep.CRLs = ts.Len(), ts.CRLs()
	opts := chip.ReadOptions{}
	switch *access {
	case "auto":
	case "bac":
		opts.Access = chip.AccessBAC
	case "pace":
		opts.Access = chip.AccessPACE
	default:
		return usageError(fs, "--access %q: auto, bac or pace", *access)
	}
	ok := devChipRead(&rep, zone.Lines, opts, ts, *socket, *reader, *wait, *photo)
	if *asJSON {
		b, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintln(stdout, string(b))
	} else {
		devChipPrint(stdout, &rep)
	}
	if rep.Error != "" {
		fmt.Fprintf(stderr, "xpt-kiosk devices chip: %s\n", rep.Error)
		if rep.ErrorCode == drivers.CodeNotFound && strings.Contains(rep.Error, "pcscd") {
			fmt.Fprintln(stderr, "  Is pcscd running? (Debian: apt-get install pcscd; pcscd --foreground)")
		}
	}
	if !ok {
		return exitFail
	}
	return exitOK
}

// devChipRead fills rep; it reports whether the chip is genuine and its MRZ
// is the printed one.
func devChipRead(rep *devChipReport, printed []string, opts chip.ReadOptions, ts *chip.TrustStore, socket, reader string, wait time.Duration, photo string) bool {
	fail := func(err error) bool {
		rep.Error, rep.ErrorCode = err.Error(), drivers.CodeOf(err)
		return false
	}
	cr := &pcsc.ChipReader{Socket: socket, Reader: reader, Wait: wait, Trust: ts, Read: opts}
	res, name, err := cr.Check(context.Background(), printed)
	rep.Reader = name
	if err != nil {
		return fail(err)
	}
	p := res.Passport
	rep.Protocol, rep.Bytes, rep.PACEError = p.Protocol, p.Bytes, p.PACEError
	if p.PACEInfo != nil {
		rep.PACE = fmt.Sprintf("%s, domain parameters %d", p.PACEInfo.Protocol, p.PACEInfo.ParameterID)
	}
	rep.AccessMS, rep.ReadMS = ms(p.Timings.Access), ms(p.Timings.Read)
	rep.Files = append(rep.Files, "EF.COM")
	for _, n := range sortedDGs(p.Files) {
		rep.Files = append(rep.Files, fmt.Sprintf("DG%d", n))
		rep.DataGroups[fmt.Sprintf("DG%d", n)] = len(p.Files[n])
	}
	rep.Files = append(rep.Files, "EF.SOD")
	rep.DG1Matches = res.DG1Matches
	if p.DG2 != nil {
		for _, f := range p.DG2.Faces {
			rep.Faces = append(rep.Faces, devChipFace{f.Format, f.Type, f.Width, f.Height, len(f.Data)})
		}
		if photo != "" && len(p.DG2.Faces) > 0 {
			if err := os.WriteFile(photo, p.DG2.Faces[0].Data, 0o600); err != nil {
				return fail(err)
			}
			rep.PhotoSaved = photo
		}
	}
	rep.PA, rep.AA, rep.CA, rep.VerifyMS = res.PA, res.AA, res.CA, ms(res.VerifyTime)
	rep.TotalMS = ms(p.Timings.Total) + rep.VerifyMS
	return res.Genuine()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func sortedDGs(m map[int][]byte) []int {
	var out []int
	for n := 1; n <= 16; n++ {
		if _, ok := m[n]; ok {
			out = append(out, n)
		}
	}
	return out
}

func devChipPrint(w io.Writer, r *devChipReport) {
	if r.Reader != "" {
		fmt.Fprintf(w, "Reader:        %s\n", r.Reader)
	}
	if r.Protocol == "" {
		return
	}
	fmt.Fprintf(w, "Access:        %s (%.1f ms)\n", r.Protocol, r.AccessMS)
	if r.PACE != "" {
		fmt.Fprintf(w, "               %s\n", r.PACE)
	}
	if r.PACEError != "" {
		fmt.Fprintf(w, "               PACE offered but not used: %s\n", r.PACEError)
	}
	fmt.Fprintf(w, "Files read:    %s (%d bytes in %.1f ms)\n", strings.Join(r.Files, ", "), r.Bytes, r.ReadMS)
	if r.DG1Matches {
		fmt.Fprintln(w, "DG1:           matches the printed MRZ")
	} else {
		fmt.Fprintln(w, "DG1:           DIFFERS from the printed MRZ")
	}
	for _, f := range r.Faces {
		fmt.Fprintf(w, "DG2:           face image %s, %s %dx%d, %d bytes\n", f.Format, f.Type, f.Width, f.Height, f.Bytes)
	}
	if r.PhotoSaved != "" {
		fmt.Fprintf(w, "               saved to %s\n", r.PhotoSaved)
	}
	fmt.Fprintf(w, "Passive auth.: %s (%d CSCA certificates, %d CRLs, %.1f ms)\n", r.PA, r.CSCAs, r.CRLs, r.VerifyMS)
	if r.PA.DSSubject != "" {
		fmt.Fprintf(w, "               document signer %q\n", r.PA.DSSubject)
	}
	auth := func(a chip.AAResult) string {
		s := string(a.Status)
		if a.Algorithm != "" {
			s += " (" + a.Algorithm + ")"
		}
		if a.Detail != "" {
			s += ": " + a.Detail
		}
		return s
	}
	fmt.Fprintf(w, "Active auth.:  %s\n", auth(r.AA))
	fmt.Fprintf(w, "Chip auth.:    %s\n", auth(r.CA))
	fmt.Fprintf(w, "Total:         %.1f ms\n", r.TotalMS)
}

// devMRZArgs takes "--mrz LINE1 LINE2 [LINE3]" (or --mrz=LINE1 LINE2 ...)
// out of args, wherever it stands, and returns the lines and the other
// arguments for the flag set. An MRZ line never starts with '-'.
func devMRZArgs(args []string) (lines, rest []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "mrz" {
			rest = append(rest, a)
			continue
		}
		if hasVal {
			lines = append(lines, val)
		}
		for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			i++
			lines = append(lines, args[i])
		}
	}
	return lines, rest
}

// devParseMRZ parses args with fs, taking --mrz and its lines out first.
// It returns the lines and -1, or the exit status (as parseFlags).
func devParseMRZ(fs *flag.FlagSet, args []string, stdout io.Writer) ([]string, int) {
	lines, rest := devMRZArgs(args)
	_, code := parseArgs(fs, rest, stdout, 0, 0)
	return lines, code
}

// devMRZUsage documents --mrz in the flag defaults.
func devMRZUsage(fs *flag.FlagSet) {
	fs.String("mrz", "", "the MRZ's `lines`, each an argument: --mrz LINE1 LINE2 [LINE3]")
}

// devListChipReaders lists pcscd's readers for 'devices list'; nil and the
// reason when pcscd does not answer.
func devListChipReaders() ([]pcsc.ReaderState, string) {
	rs, err := (&pcsc.ChipReader{}).Health()
	switch {
	case drivers.CodeOf(err) == drivers.CodeNotFound:
		return nil, "pcscd not running (" + pcsc.Socket() + ")"
	case err != nil:
		return nil, err.Error()
	}
	return rs, ""
}
