package chipcheck

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"image/jpeg"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/agent/decide"
	"github.com/xpt-pilot/xpt-kiosk/agent/kiosk"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/cardsim"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/issuer"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/pcsc/pcsctest"
	"github.com/xpt-pilot/xpt-kiosk/internal/logbuf"
	"github.com/xpt-pilot/xpt-kiosk/mrz"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

var chipZone = func() []string {
	lines, err := mrz.Generate(mrz.Fields{DocumentCode: "P", IssuingState: "CAN", Nationality: "CAN", DocumentNumber: "L898902C3",
		Surname: "ERIKSSON", GivenNames: "ANNA MARIA", Sex: "F",
		BirthDate: time.Date(1974, 8, 12, 0, 0, 0, 0, time.UTC), ExpiryDate: time.Date(2030, 4, 15, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		panic(err)
	}
	return lines
}()

// noChip presents a passport without a chip (as the demo's no-chip
// traveler).
const noChip = "no-chip"

// emulatedChips is an in-process reader over the emulated chip (Source),
// as the demo's chips are (only cmd may import the demo): a CSCA for the
// test zone's state written to a folder, and a test passport of each kind
// issued under it and put in the field.
type emulatedChips struct {
	authority *issuer.Authority
	photo     []byte
	w, h      int
	cardsim.Field
}

func newEmulatedChips(dir string) (*emulatedChips, error) {
	photo, w, h, err := issuer.Photo("")
	if err != nil {
		return nil, err
	}
	country := issuer.CertCountry(mrz.Parse(chipZone, mrz.Options{}).IssuingState)
	a, err := issuer.NewAuthority(issuer.Options{Country: country})
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.CSCA.Raw})
	if err := os.WriteFile(filepath.Join(dir, "csca-"+country+".pem"), pemBytes, 0o600); err != nil {
		return nil, err
	}
	return &emulatedChips{authority: a, photo: photo, w: w, h: h}, nil
}

// Present puts the chip of the kind's test passport with this zone in the
// field, none for noChip.
func (e *emulatedChips) Present(lines []string, kind string) error {
	var c *cardsim.Card
	if kind != noChip {
		p, err := e.authority.IssueKind(issuer.Document{MRZ: lines, Photo: e.photo, Width: e.w, Height: e.h}, kind)
		if err != nil {
			return err
		}
		c = &cardsim.Card{Keys: p.Keys, Files: p.Files, AAKey: p.AAKey, CAKey: p.CAKey, RefuseBAC: kind == issuer.RefuseBAC, MRZInfo: p.MRZInfo}
	}
	e.Put(c)
	return nil
}

// testChipDevice is the kiosk's chip reader over an in-process emulated
// chip, trusting its CSCA written to a folder.
func testChipDevice(t *testing.T) (*Reader, *emulatedChips) {
	t.Helper()
	if !mrz.Parse(chipZone, mrz.Options{}).Valid {
		t.Fatal("test zone not valid")
	}
	dir := t.TempDir()
	chips, err := newEmulatedChips(filepath.Join(dir, "csca"))
	if err != nil {
		t.Fatal(err)
	}
	on := true
	cfg := &config.Config{Devices: config.Devices{Chip: config.Chip{Enabled: &on, CSCADir: filepath.Join(dir, "csca"),
		Timeout: config.Duration{Duration: 2 * time.Second}, Access: "auto"}}}
	d, err := Open(cfg, chips, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, chips
}

// Through the real chip stack (BAC, secure messaging, LDS, passive
// authentication) on the emulated chip: a genuine passport passes and its
// DG2 is the face reference; each tampered kind gives its verdict and the
// decision its reason.
func TestChipStepOnTheEmulatedChip(t *testing.T) {
	d, chips := testChipDevice(t)
	cases := []struct {
		kind    string
		read    bool
		failure string
		pa      string
		step    string
		reasons []string
		aa      string // active authentication's verdict ("valid" for a read chip unless said)
	}{
		{issuer.Genuine, true, "", "valid", "", nil, ""},
		{issuer.Cloned, true, "", "valid", "", []string{wire.ReasonChipInvalid}, "invalid"},
		{issuer.BadSignature, true, "", "invalid", "sod_signature", []string{wire.ReasonChipInvalid}, ""},
		{issuer.BadDG2Hash, true, "", "invalid", "dg_hash", []string{wire.ReasonChipInvalid}, ""},
		{issuer.BadDG1Hash, true, "", "invalid", "dg_hash", []string{wire.ReasonChipMRZMismatch, wire.ReasonChipInvalid}, ""},
		{issuer.ForgedCSCA, true, "", "invalid", "ds_certificate", []string{wire.ReasonChipInvalid}, ""},
		{issuer.UnknownCSCA, true, "", "no_trust_anchor", "", []string{wire.ReasonChipUntrusted}, ""},
		{issuer.DG1Mismatch, true, "", "valid", "", []string{wire.ReasonChipMRZMismatch}, ""},
		{issuer.GarbageSOD, true, "", "invalid", "sod_format", []string{wire.ReasonChipInvalid}, ""},
		{issuer.RefuseBAC, false, kiosk.ChipAccessDenied, "", "", []string{wire.ReasonChipUnreadable}, ""},
		{noChip, false, kiosk.ChipNoChip, "", "", []string{wire.ReasonChipUnreadable}, ""},
	}
	for _, c := range cases {
		t.Run(c.kind, func(t *testing.T) {
			if err := chips.Present(chipZone, c.kind); err != nil {
				t.Fatal(err)
			}
			var stages []string
			res := d.Check(context.Background(), chipZone, func(s string) { stages = append(stages, s) })
			if res.Read != c.read || res.Failure != c.failure || res.PA.Status != c.pa || res.PA.Step != c.step {
				t.Fatalf("result %+v", res)
			}
			wantAA := c.aa
			if wantAA == "" && c.read {
				wantAA = "valid"
			}
			if res.AA.Status != wantAA || (c.read && !strings.HasPrefix(res.AA.Algorithm, "ecdsa-plain-SHA256")) {
				t.Errorf("active authentication %+v, want %s", res.AA, wantAA)
			}
			if len(stages) == 0 || stages[0] != kiosk.ChipStageWaiting {
				t.Errorf("stages %v", stages)
			}
			if c.read {
				if res.Protocol != "BAC" || res.ReaderFault != "" {
					t.Errorf("protocol %q fault %q", res.Protocol, res.ReaderFault)
				}
				if c.kind != issuer.BadDG2Hash && c.kind != issuer.GarbageSOD {
					if _, err := jpeg.Decode(bytes.NewReader(res.Photo)); err != nil || res.PhotoType != "image/jpeg" {
						t.Errorf("DG2 photo: %v (%q)", err, res.PhotoType)
					}
				}
			}
			// The decision over it, as the kiosk weighs it.
			in := decide.Input{Chip: &decide.Chip{Read: res.Read, Failure: res.Failure, DG1Matches: res.DG1Matches, PA: res.PA.Status,
				PAStep: res.PA.Step, PADG: res.PA.DG, AA: res.AA.Status, AADetail: res.AA.Detail}}
			var got []string
			for _, r := range decide.Decide(in).Reasons {
				if strings.HasPrefix(r, "CHIP_") {
					got = append(got, r)
				}
			}
			if strings.Join(got, ",") != strings.Join(c.reasons, ",") {
				t.Errorf("chip reasons %v, want %v", got, c.reasons)
			}
		})
	}
}

// A DG2 in JPEG 2000 goes to the converter the reader is given, at
// quality 92; a JPEG is copied; any other type, or a JPEG 2000 photo with
// no converter, is an error. (cmd's TestChipJPEG2000Photo converts a real
// JPEG 2000 face with the binary's converter, OpenCV's.)
func TestDG2JPEG(t *testing.T) {
	var got []byte
	var quality int
	toJPEG := func(data []byte, q int) ([]byte, error) {
		got, quality = data, q
		if string(data) == "not an image at all" {
			return nil, errors.New("the image does not decode")
		}
		return []byte("jpeg"), nil
	}
	for _, typ := range []chip.ImageType{chip.ImageJPEG2K, chip.ImageJ2K} {
		out, orig, err := DG2JPEG([]byte("jp2"), typ, toJPEG)
		if err != nil || orig != string(typ) || string(out) != "jpeg" || string(got) != "jp2" || quality != 92 {
			t.Fatalf("%s: %q %q %v (the converter had %q at %d)", typ, out, orig, err, got, quality)
		}
	}
	if _, orig, err := DG2JPEG([]byte("not an image at all"), "image/jp2", toJPEG); err == nil || orig != "image/jp2" ||
		!strings.HasPrefix(err.Error(), "DG2: JPEG 2000: ") {
		t.Fatalf("garbage JPEG 2000 converted: %q %v", orig, err)
	}
	if _, orig, err := DG2JPEG([]byte("jp2"), "image/jp2", nil); err == nil || orig != "image/jp2" {
		t.Fatalf("JPEG 2000 without a converter: %q %v", orig, err)
	}
	in := []byte{0xff, 0xd8, 0xff}
	out, orig, err := DG2JPEG(in, chip.ImageJPEG, nil)
	if err != nil || orig != "" || !bytes.Equal(out, in) || &out[0] == &in[0] {
		t.Fatalf("JPEG: %v %q %v (want a copy)", out, orig, err)
	}
	if _, _, err := DG2JPEG([]byte{1, 2, 3}, "", toJPEG); err == nil {
		t.Fatal("an untyped image converted")
	}
}

// The chip reader's selftest: the CSCA folder, pcscd.
func TestSelftestChip(t *testing.T) {
	var got []string
	add := func(name, status, format string, a ...any) { got = append(got, name+" "+status) }
	Selftest(&config.Config{}, add)
	on := true
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")}), 0o600); err != nil {
		t.Fatal(err)
	}
	Selftest(&config.Config{Devices: config.Devices{Chip: config.Chip{Enabled: &on, CSCADir: dir}}}, add)
	Selftest(&config.Config{Devices: config.Devices{Chip: config.Chip{Enabled: &on, CSCADir: t.TempDir(),
		Socket: filepath.Join(t.TempDir(), "no-pcscd.comm")}}}, add)
	want := []string{"devices.chip ok", "devices.chip fail", "devices.chip fail"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("selftest %v, want %v", got, want)
	}
}

// fixedSource hands out one transport (Source).
type fixedSource struct{ t chip.Transport }

func (f fixedSource) Card(context.Context) (chip.Transport, func(), error) {
	return f.t, func() {}, nil
}
func (fixedSource) Health() *drivers.Error { return nil }
func (fixedSource) Kind() string           { return "test" }
func (fixedSource) Path() string           { return "test" }

// A chip taken away mid-read, a DG2 that is no image and a chip that
// answers garbage are each a typed failure, never a panic nor a pass.
func TestChipBadInput(t *testing.T) {
	d, chips := testChipDevice(t)
	if err := chips.Present(chipZone, issuer.Genuine); err != nil {
		t.Fatal(err)
	}
	card := chips.InField()
	n := 0
	removed := chip.TransportFunc(func(apdu []byte) ([]byte, error) {
		if n++; n > 6 {
			return nil, &drivers.Error{Kind: drivers.CodeDisconnected, Device: "chipReader", Op: "transmit"}
		}
		return card.Transmit(apdu)
	})
	garbage := chip.TransportFunc(func([]byte) ([]byte, error) { return []byte{0x90}, nil })
	for _, c := range []struct {
		name    string
		t       chip.Transport
		failure string
	}{
		{"removed", removed, kiosk.ChipRemoved},
		{"garbage answers", garbage, kiosk.ChipMalformed},
	} {
		card.Reset()
		d := d.with(fixedSource{c.t})
		res := d.Check(context.Background(), chipZone, func(string) {})
		if res.Read || res.Failure != c.failure || res.Detail == "" {
			t.Errorf("%s: %+v", c.name, res)
		}
	}
	card.Files[chip.FIDDG2] = chip.EncodeTLV(0x75, []byte("no image here"))
	card.Reset()
	d = d.with(fixedSource{card})
	if res := d.Check(context.Background(), chipZone, func(string) {}); res.Read || res.Failure != kiosk.ChipMalformed {
		t.Errorf("DG2 not an image: %+v", res)
	}
}

// The chip reader over the real PC/SC path: pcscd, vsmartcard's vpcd, the
// emulated chip behind it (pcsctest), a genuine passport and one whose
// DG2 was altered.
func TestChipStepOverPCSC(t *testing.T) {
	d, chips := testChipDevice(t)
	if err := chips.Present(chipZone, issuer.Genuine); err != nil {
		t.Fatal(err)
	}
	card := chips.InField()
	_, reader := pcsctest.Start(t, card)
	d = d.with(PCSC{Reader: reader})
	if h := d.src.Health(); h != nil {
		t.Fatalf("health %v", h)
	}
	res := d.Check(context.Background(), chipZone, func(string) {})
	if !res.Read || res.PA.Status != "valid" || !res.DG1Matches || len(res.Photo) == 0 {
		t.Fatalf("genuine over PC/SC: %+v", res)
	}
	if err := chips.Present(chipZone, issuer.BadDG2Hash); err != nil {
		t.Fatal(err)
	}
	card.Replace(chips.InField().Keys, chips.InField().Files, chips.InField().AAKey, chips.InField().CAKey)
	if res := d.Check(context.Background(), chipZone, func(string) {}); res.PA.Status != "invalid" || res.PA.Step != "dg_hash" || res.PA.DG != 2 {
		t.Fatalf("altered DG2 over PC/SC: %+v", res.PA)
	}
	if h := (PCSC{Reader: "No Such Reader 00 00"}).Health(); h == nil || h.Kind != drivers.CodeNotFound {
		t.Fatalf("missing reader: %v", h)
	}
}

// with is d's reader over another source, without d's health watcher
// (which reads d's source).
func (d *Reader) with(src Source) *Reader {
	return &Reader{src: src, trust: d.trust, access: d.access, timeout: d.timeout, toJPEG: d.toJPEG, log: d.log}
}

// A CRL, a CSCA added or removed while the agent runs applies from the
// next chip on; a folder that stops loading keeps the store in use, and
// says so once.
func TestTrustStoreReload(t *testing.T) {
	old := trustInterval
	trustInterval = 10 * time.Millisecond
	defer func() { trustInterval = old }()
	dir := t.TempDir()
	chips, err := newEmulatedChips(dir)
	if err != nil {
		t.Fatal(err)
	}
	var logs logbuf.Buffer
	on := true
	cfg := &config.Config{Devices: config.Devices{Chip: config.Chip{Enabled: &on, CSCADir: dir,
		Timeout: config.Duration{Duration: 2 * time.Second}, Access: "auto"}}}
	d, err := Open(cfg, chips, nil, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := chips.Present(chipZone, issuer.RevokedDS); err != nil {
		t.Fatal(err)
	}
	pa := func() string {
		t.Helper()
		r := d.Check(context.Background(), chipZone, func(string) {})
		if !r.Read {
			t.Fatalf("not read: %s %s", r.Failure, r.Detail)
		}
		return strings.TrimSuffix(r.PA.Status+" "+r.PA.Step, " ")
	}
	waitFor := func(what string, ok func(ts *chip.TrustStore) bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !ok(d.trustStore()); {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not reloaded; log:\n%s", what, logs.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if got := pa(); got != "valid" {
		t.Fatalf("before the CRL: %s, want valid", got)
	}

	crl, err := chips.authority.RevocationList()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "csca.crl"), crl, 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor("CRL added", func(ts *chip.TrustStore) bool { return ts.CRLs() == 1 })
	if got := pa(); got != "invalid ds_certificate" {
		t.Fatalf("after the CRL: %s, want invalid ds_certificate", got)
	}

	// A file that is no trust file: the store in use stays, one error.
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(logs.String(), "does not load"); {
		if time.Now().After(deadline) {
			t.Fatalf("no error for a folder that does not load; log:\n%s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(10 * trustInterval)
	if n := strings.Count(logs.String(), "does not load"); n != 1 {
		t.Errorf("the folder that does not load was reported %d times, want once", n)
	}
	if ts := d.trustStore(); ts.Len() != 1 || ts.CRLs() != 1 {
		t.Errorf("store in use after a bad file: %d anchors, %d CRLs; want the last loaded (1, 1)", ts.Len(), ts.CRLs())
	}
	if got := pa(); got != "invalid ds_certificate" {
		t.Fatalf("with the bad file: %s, want invalid ds_certificate (the store loaded before)", got)
	}
	if err := os.Remove(filepath.Join(dir, "notes.txt")); err != nil {
		t.Fatal(err)
	}

	// The CSCA withdrawn: no trust anchor from the next chip on.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "csca-") {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitFor("CSCA removed", func(ts *chip.TrustStore) bool { return ts.Len() == 0 })
	if got := pa(); got != "no_trust_anchor" {
		t.Fatalf("after the CSCA was removed: %s, want no_trust_anchor", got)
	}
	if !strings.Contains(logs.String(), "trust store reloaded") {
		t.Errorf("no reload logged:\n%s", logs.String())
	}
}
