// Package chipcheck is the kiosk's chip reader: kiosk.ChipReader for
// the traveler's chip step (wait for the passport's chip, read and verify
// it against the printed zone with drivers/chip, give back the verdict and
// DG2's photo as JPEG, wipe the raw files) and drivers.Device for its
// health, polled. It reads the chip from a Source: pcscd (PCSC) or one
// its caller hands in (the demo's emulated chips). It is pure Go: a DG2 in
// JPEG 2000 is converted by the ToJPEG its caller gives (cmd passes
// face.ImageToJPEG, OpenCV's reader), so the chip check never links a
// codec itself.
package chipcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/agent/kiosk"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
)

// ToJPEG decodes an image (here a JPEG 2000 file or codestream) and
// encodes it as JPEG at quality 1-100.
type ToJPEG func(data []byte, quality int) ([]byte, error)

// Reader is the kiosk's chip reader: kiosk.ChipReader for the session,
// drivers.Device for its health (polled; Fault and Recovered).
type Reader struct {
	src     Source
	cscaDir string
	access  chip.Access
	timeout time.Duration
	toJPEG  ToJPEG
	log     *slog.Logger

	events chan drivers.Event
	stop   context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	health *drivers.Error
	trust  *chip.TrustStore // replaced whole when cscaDir changes (reloadTrust)
	stamp  string           // cscaDir as trust was loaded from it (trustStamp)
	failed string           // cscaDir as it last failed to load ("": it loaded)
	stale  string           // the CSCAs whose CRLs were last reported stale
}

var (
	_ kiosk.ChipReader = (*Reader)(nil)
	_ drivers.Device   = (*Reader)(nil)
)

const healthInterval = 5 * time.Second

// trustInterval is how often the reader looks at cscaDir for new or
// changed files (a variable for the tests).
var trustInterval = 10 * time.Second

// Open builds the chip reader the configuration enables (nil when
// disabled), reading from src (nil: pcscd, as configured) and converting
// a JPEG 2000 photo with toJPEG (nil: such a photo is not converted, and
// the result says why). A trust store that does not load is an error: the
// kiosk never runs a chip check with fewer anchors than configured.
func Open(cfg *config.Config, src Source, toJPEG ToJPEG, log *slog.Logger) (*Reader, error) {
	c := cfg.Devices.Chip
	if !c.On() {
		return nil, nil
	}
	stamp, err := trustStamp(c.CSCADir)
	if err != nil {
		return nil, fmt.Errorf("devices.chip.cscaDir: %w", err)
	}
	ts, err := chip.LoadCSCAs(c.CSCADir)
	if err != nil {
		return nil, fmt.Errorf("devices.chip.cscaDir: %w", err)
	}
	if src == nil {
		src = PCSC{Socket: c.Socket, Reader: c.Reader}
	}
	access := chip.AccessAuto
	if c.Access == "BAC" || c.Access == "PACE" {
		access = chip.Access(c.Access)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &Reader{src: src, cscaDir: c.CSCADir, trust: ts, stamp: stamp, access: access, timeout: c.Timeout.Duration, toJPEG: toJPEG, log: log,
		events: make(chan drivers.Event, 8), stop: cancel}
	d.health = src.Health()
	d.warnTrust(ts, time.Now())
	d.wg.Add(1)
	go d.watch(ctx)
	log.Info("chip reader", "kind", src.Kind(), "path", src.Path(), "anchors", ts.Len(), "health", errString(d.health))
	return d, nil
}

func errString(e *drivers.Error) string {
	if e == nil {
		return "ok"
	}
	return e.Error()
}

// watch polls the reader's health and reports its changes.
func (d *Reader) watch(ctx context.Context) {
	defer d.wg.Done()
	defer close(d.events)
	d.mu.Lock()
	first := d.health
	d.mu.Unlock()
	if first != nil {
		d.emit(ctx, drivers.Fault{Device: "chipReader", Err: first, At: time.Now()})
	}
	t := time.NewTicker(healthInterval)
	defer t.Stop()
	tt := time.NewTicker(trustInterval)
	defer tt.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tt.C:
			d.reloadTrust(time.Now())
			continue
		case <-t.C:
		}
		h := d.src.Health()
		d.mu.Lock()
		prev := d.health
		d.health = h
		d.mu.Unlock()
		switch {
		case h != nil && (prev == nil || prev.Kind != h.Kind):
			d.emit(ctx, drivers.Fault{Device: "chipReader", Err: h, At: time.Now()})
		case h == nil && prev != nil:
			d.emit(ctx, drivers.Recovered{Device: "chipReader", After: prev.Kind, At: time.Now()})
		}
	}
}

func (d *Reader) emit(ctx context.Context, ev drivers.Event) {
	select {
	case d.events <- ev:
	case <-ctx.Done():
	}
}

// trustStamp is what cscaDir holds as LoadCSCAs reads it (chip.TrustFiles):
// every file's name, size, modification time and mode. A file replaced,
// added, removed or rewritten changes it.
func trustStamp(dir string) (string, error) {
	entries, err := chip.TrustFiles(dir)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%s\x00%d\x00%d\x00%v\n", e.Name(), fi.Size(), fi.ModTime().UnixNano(), fi.Mode())
	}
	return b.String(), nil
}

// reloadTrust reads cscaDir again when its files changed since the trust
// store in use was loaded: new CSCAs and CRLs apply from the next chip on,
// without a restart. A folder that no longer loads (a file half copied, or
// one that is no trust file) leaves the store in use as it was, logged as
// an error once per state of the folder, and selftest fails on it; the
// next change is tried again. The stale-CRL warning is repeated when the
// set of stale CSCAs changes, a CRL's next update passing while the agent
// runs included.
func (d *Reader) reloadTrust(now time.Time) {
	stamp, err := trustStamp(d.cscaDir)
	var next *chip.TrustStore
	if err == nil {
		d.mu.Lock()
		tried := stamp == d.stamp || stamp == d.failed
		d.mu.Unlock()
		if !tried {
			next, err = chip.LoadCSCAs(d.cscaDir)
		}
	} else {
		stamp = "unreadable: " + err.Error()
	}
	d.mu.Lock()
	prev := d.trust
	news := err != nil && stamp != d.failed
	switch {
	case err != nil:
		d.failed = stamp
	case next != nil:
		d.trust, d.stamp, d.failed = next, stamp, ""
	}
	d.mu.Unlock()
	if news {
		d.log.Error("chip reader: cscaDir changed but does not load: the trust anchors and CRLs loaded before stay in use (xpt-kiosk selftest names the file)",
			"dir", d.cscaDir, "err", err)
	}
	if next == nil {
		d.warnStale(prev, now)
		return
	}
	d.log.Info("chip reader: cscaDir changed: trust store reloaded", "dir", d.cscaDir,
		"anchors", next.Len(), "crls", next.CRLs(), "before", fmt.Sprintf("%d anchors, %d CRLs", prev.Len(), prev.CRLs()))
	d.warnTrust(next, now)
}

// warnTrust warns about a trust store just loaded: no CSCA at all, CRLs
// no CSCA of the folder signed, stale CRLs.
func (d *Reader) warnTrust(ts *chip.TrustStore, now time.Time) {
	if ts.Len() == 0 {
		d.log.Warn("chip reader: no CSCA in cscaDir: every chip is no_trust_anchor", "dir", d.cscaDir)
	}
	if n := ts.UnusedCRLs(); n > 0 {
		d.log.Warn("chip reader: CRLs in cscaDir that no CSCA of the folder signed are not used (another country's, or a signature that does not verify)",
			"dir", d.cscaDir, "unused", n, "used", ts.CRLs())
	}
	d.warnStale(ts, now)
}

// warnStale warns when the CSCAs whose newest CRL is past its next update
// are not those last warned about.
func (d *Reader) warnStale(ts *chip.TrustStore, now time.Time) {
	stale := strings.Join(ts.StaleCRLs(now), "; ")
	d.mu.Lock()
	changed := stale != d.stale
	d.stale = stale
	d.mu.Unlock()
	if changed && stale != "" {
		d.log.Warn("chip reader: CRLs in cscaDir past their next update: their revocations apply, but newer lists are due (documents signers revoked since are not known)",
			"dir", d.cscaDir, "cscas", stale)
	}
}

// trustStore is the trust store in use.
func (d *Reader) trustStore() *chip.TrustStore {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.trust
}

// Source is where d reads the chip from (what the technician console
// shows: its Kind and Path).
func (d *Reader) Source() Source { return d.src }

func (d *Reader) Name() string                 { return "chipReader" }
func (d *Reader) Events() <-chan drivers.Event { return d.events }
func (d *Reader) Health() *drivers.Error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.health
}
func (d *Reader) Close() error {
	d.stop()
	d.wg.Wait()
	return nil
}

// Check is one traveler's chip step (kiosk.ChipReader): wait for the chip,
// read and verify it with the printed zone, give back the verdict and DG2's
// photo as JPEG, and wipe the raw files.
func (d *Reader) Check(ctx context.Context, printed []string, progress func(string)) kiosk.ChipResult {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	progress(kiosk.ChipStageWaiting)
	t, done, err := d.src.Card(ctx)
	if err != nil {
		if drivers.CodeOf(err) == drivers.CodeTimeout {
			return kiosk.ChipResult{Failure: kiosk.ChipNoChip, Detail: "no chip came into the reader's field in " + d.timeout.String()}
		}
		return kiosk.ChipResult{Failure: kiosk.ChipReadError, Detail: err.Error(), ReaderFault: string(drivers.CodeOf(err))}
	}
	defer done()
	progress(kiosk.ChipStageReading)
	trust := d.trustStore()
	type answer struct {
		c   *chip.Check
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		c, err := chip.ReadAndVerify(t, printed, trust, chip.ReadOptions{Access: d.access}, chip.VerifyOptions{})
		ch <- answer{c, err}
	}()
	var a answer
	select {
	case a = <-ch:
	case <-ctx.Done():
		done() // breaks the read in flight
		go func() {
			if a := <-ch; a.c != nil {
				wipePassport(a.c.Passport)
			}
		}()
		return kiosk.ChipResult{Failure: kiosk.ChipTimeout, Detail: "the chip was not read in " + d.timeout.String()}
	}
	if a.err != nil {
		return kiosk.ChipResult{Failure: chipFailure(a.err), Detail: a.err.Error()}
	}
	res := chipResult(a.c, d.toJPEG)
	wipePassport(a.c.Passport)
	d.log.Debug("chip read", "protocol", res.Protocol, "pa", res.PA.Status, "step", res.PA.Step, "dg1Matches", res.DG1Matches,
		"read", a.c.Passport.Timings.Total, "verify", a.c.VerifyTime)
	return res
}

// chipFailure says which failure a read error is.
func chipFailure(err error) string {
	switch {
	case errors.Is(err, chip.ErrAccessDenied):
		return kiosk.ChipAccessDenied
	case errors.Is(err, chip.ErrMalformed):
		return kiosk.ChipMalformed
	}
	switch drivers.CodeOf(err) {
	case drivers.CodeDisconnected:
		return kiosk.ChipRemoved
	case drivers.CodeTimeout:
		return kiosk.ChipTimeout
	}
	return kiosk.ChipReadError
}

// chipResult maps a chip check into the kiosk's result, DG2's photo
// converted to JPEG by toJPEG when it is JPEG 2000.
func chipResult(c *chip.Check, toJPEG ToJPEG) kiosk.ChipResult {
	p := c.Passport
	res := kiosk.ChipResult{Read: true, Protocol: p.Protocol, DG1Matches: c.DG1Matches,
		PA: view.PassiveAuth{Status: string(c.PA.Status), Step: c.PA.Step, DG: c.PA.DG, Detail: c.PA.Detail,
			Country: c.PA.Country, CSCA: c.PA.CSCA},
		AA: view.ActiveAuth{Status: string(c.AA.Status), Algorithm: c.AA.Algorithm, Detail: c.AA.Detail},
		CA: view.ActiveAuth{Status: string(c.CA.Status), Algorithm: c.CA.Algorithm, Detail: c.CA.Detail}}
	if p.DG2 == nil || len(p.DG2.Faces) == 0 {
		res.PhotoDetail = "the chip has no DG2"
		return res
	}
	img := p.DG2.Faces[0]
	photo, orig, err := DG2JPEG(img.Data, img.Type, toJPEG)
	if err != nil {
		res.PhotoDetail = err.Error()
		return res
	}
	res.Photo, res.PhotoType, res.PhotoOriginalType = photo, "image/jpeg", orig
	return res
}

// DG2JPEG is a DG2 image as JPEG: a JPEG as it is (copied), a JPEG 2000
// image (JP2 file or codestream) converted by toJPEG at quality 92 (the
// binary's is face.ImageToJPEG: OpenCV reads it through OpenJPEG; Go's
// encoder writes the JPEG, as the binary's OpenCV must not encode JPEG:
// docs/camera.md). orig names the chip's type when it was converted.
func DG2JPEG(data []byte, typ chip.ImageType, toJPEG ToJPEG) (photo []byte, orig string, err error) {
	switch typ {
	case chip.ImageJPEG:
		return bytes.Clone(data), "", nil
	case chip.ImageJPEG2K, chip.ImageJ2K:
	default:
		return nil, "", fmt.Errorf("DG2 image of type %q", typ)
	}
	orig = string(typ)
	if toJPEG == nil {
		return nil, orig, errors.New("DG2: JPEG 2000: no converter")
	}
	photo, err = toJPEG(data, 92)
	if err != nil {
		return nil, orig, fmt.Errorf("DG2: JPEG 2000: %w", err)
	}
	return photo, orig, nil
}

// wipePassport overwrites what a chip read held: DG1, DG2, EF.SOD, EF.COM.
func wipePassport(p *chip.Passport) {
	if p == nil {
		return
	}
	for _, b := range p.Files {
		clear(b)
	}
	clear(p.SODFile)
	clear(p.COMFile)
	if p.DG2 != nil {
		for _, f := range p.DG2.Faces {
			clear(f.Data)
		}
	}
	p.Files, p.SODFile, p.COMFile, p.DG1, p.DG2 = nil, nil, nil, nil, nil
}

// Selftest checks the chip reader: pcscd answers, the reader is there,
// and the CSCA folder loads (how many trust anchors). add takes each
// check's name, status (ok, warn, fail) and message.
func Selftest(cfg *config.Config, add func(name, status, format string, a ...any)) {
	c := cfg.Devices.Chip
	if !c.On() {
		add("devices.chip", "ok", "disabled")
		return
	}
	ts, err := chip.LoadCSCAs(c.CSCADir)
	if err != nil {
		add("devices.chip", "fail", "cscaDir %s: %v", c.CSCADir, err)
		return
	}
	anchors := fmt.Sprintf("%d CSCA trust anchor(s) and %d CRL(s) in %s", ts.Len(), ts.CRLs(), c.CSCADir)
	if n := ts.UnusedCRLs(); n > 0 {
		anchors += fmt.Sprintf(" (%d CRL(s) no CSCA there signed: not used)", n)
	}
	src := PCSC{Socket: c.Socket, Reader: c.Reader}
	if h := src.Health(); h != nil {
		add("devices.chip", "fail", "%s: %v (is pcscd running? xpt-kiosk devices list shows the PC/SC readers); %s", src.Path(), h, anchors)
		return
	}
	if ts.Len() == 0 {
		add("devices.chip", "warn", "%s: reader ready, but no CSCA in %s: every chip would be no_trust_anchor (CHIP_UNTRUSTED)", src.Path(), c.CSCADir)
		return
	}
	if stale := ts.StaleCRLs(time.Now()); len(stale) > 0 {
		add("devices.chip", "warn", "%s: reader ready, access %s, timeout %s; %s; the CRL of %s is past its next update: put the newer one in %s",
			src.Path(), c.Access, c.Timeout, anchors, strings.Join(stale, "; "), c.CSCADir)
		return
	}
	add("devices.chip", "ok", "%s: reader ready, access %s, timeout %s; %s", src.Path(), c.Access, c.Timeout, anchors)
}
