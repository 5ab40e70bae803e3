package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // the demo's face is a PNG
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/central"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/cardsim"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/issuer"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/pcsc"
	"github.com/xpt-pilot/xpt-kiosk/mrz"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// The demo's chip travelers: copies of an admitted traveler whose
// passport chip is broken in one way each, with the reason the kiosk must
// give. Labels avoid the word "unknown" (a French-page scan flags it).
var badChips = []struct {
	kind, label, reason string
}{
	{issuer.BadSignature, "chip: SOD signature broken", wire.ReasonChipInvalid},
	{issuer.BadDG2Hash, "chip: photo (DG2) altered after signing", wire.ReasonChipInvalid},
	{issuer.UnknownCSCA, "chip: signed by a CSCA the kiosk does not hold", wire.ReasonChipUntrusted},
	{issuer.DG1Mismatch, "chip: DG1 differs from the printed MRZ", wire.ReasonChipMRZMismatch},
	{issuer.Cloned, "chip: a copy of a genuine chip (active authentication fails)", wire.ReasonChipInvalid},
	{issuer.RevokedDS, "chip: signed by a document signer its CSCA revoked (CRL)", wire.ReasonChipInvalid},
	{issuer.RefuseBAC, "chip: refuses BAC", wire.ReasonChipUnreadable},
	{NoChip, "passport without a chip", wire.ReasonChipUnreadable},
}

const NoChip = "no-chip"

// Chips issues the demo travelers' passport chips from demo CSCAs (one
// per issuing country, written to the kiosk's cscaDir) with the demo's
// face as DG2, and puts the presented traveler's chip in the field of the
// in-process reader.
type Chips struct {
	photo       []byte
	w, h        int
	authorities map[string]*issuer.Authority // by the certificates' country (ISO alpha-2 form)

	field cardsim.Field // the in-process reader's

	mu sync.Mutex
	// vpcd is the chip played to the machine's pcscd through vsmartcard's
	// virtual reader (reader names it), when one runs: the kiosk then
	// reads it over the real PC/SC path. Nil: the in-process reader.
	vpcd   *cardsim.Card
	reader string
}

// usePCSC plays the demo's chips to a pcscd that runs with Debian's
// vsmartcard-vpcd configuration (its virtual reader on 127.0.0.1:35963),
// until ctx ends. It says whether the reader took the emulated chip; the
// demo never starts a pcscd itself (its socket is the machine's).
func (d *Chips) usePCSC(ctx context.Context) bool {
	c, err := pcsc.Dial("")
	if err != nil {
		return false
	}
	defer c.Close()
	rs, err := c.Readers()
	if err != nil {
		return false
	}
	name := ""
	for _, r := range rs {
		if strings.HasPrefix(r.Name, "Virtual PCD") && strings.HasSuffix(r.Name, " 00 00") {
			name = r.Name
		}
	}
	if name == "" {
		return false
	}
	card := &cardsim.Card{Files: map[uint16][]byte{}}
	pctx, cancel := context.WithCancel(ctx)
	go cardsim.Play(pctx, fmt.Sprintf("127.0.0.1:%d", cardsim.DefaultVPCDPort), card, nil, nil)
	wctx, wcancel := context.WithTimeout(ctx, 3*time.Second)
	defer wcancel()
	st, err := c.WaitCard(wctx, name)
	if err != nil || !bytes.Equal(st.ATR, cardsim.ATR) {
		cancel()
		return false
	}
	context.AfterFunc(ctx, cancel) // the player stops with the demo
	d.mu.Lock()
	d.vpcd, d.reader = card, name
	d.mu.Unlock()
	return true
}

// NewChips makes a CSCA for each issuing state of the travelers and
// writes them into dir (emptied first).
func NewChips(dir string, travelers []central.Traveler) (*Chips, error) {
	img, _, err := image.Decode(bytes.NewReader(facePNG))
	if err != nil {
		return nil, fmt.Errorf("demo face: %w", err)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		return nil, err
	}
	d := &Chips{photo: b.Bytes(), w: img.Bounds().Dx(), h: img.Bounds().Dy(), authorities: map[string]*issuer.Authority{}}
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	states := map[string]bool{}
	for _, t := range travelers {
		if len(t.MRZ) > 0 {
			states[issuer.CertCountry(t.Document.IssuingState)] = true
		}
	}
	names := make([]string, 0, len(states))
	for s := range states {
		names = append(names, s)
	}
	sort.Strings(names)
	for _, c := range names {
		a, err := issuer.NewAuthority(issuer.Options{Country: c})
		if err != nil {
			return nil, err
		}
		d.authorities[c] = a
		pemBytes, err := a.TrustPEM()
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "csca-"+c+".pem"), pemBytes, 0o600); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Present puts the chip of a passport with this zone in the field: the
// kind's test passport (issuer.Genuine when empty), none for NoChip or a
// zone that is not valid.
func (d *Chips) Present(lines []string, kind string) error {
	zone := mrz.Parse(lines, mrz.Options{})
	if kind == NoChip || !zone.Valid {
		d.put(nil)
		return nil
	}
	a := d.authorities[issuer.CertCountry(zone.IssuingState)]
	if a == nil {
		return fmt.Errorf("no demo CSCA for %s", zone.IssuingState)
	}
	if kind == "" {
		kind = issuer.Genuine
	}
	p, err := a.IssueKind(issuer.Document{MRZ: zone.Lines, Photo: d.photo, Width: d.w, Height: d.h}, kind)
	if err != nil {
		return err
	}
	d.put(&cardsim.Card{Keys: p.Keys, Files: p.Files, AAKey: p.AAKey, CAKey: p.CAKey, RefuseBAC: kind == issuer.RefuseBAC, MRZInfo: p.MRZInfo})
	return nil
}

func (d *Chips) put(c *cardsim.Card) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.vpcd != nil {
		// The virtual reader always holds the emulated chip: a passport
		// without a chip is one with no eMRTD application (unreadable).
		if c == nil {
			c = &cardsim.Card{Files: map[uint16][]byte{}}
		}
		d.vpcd.RefuseBAC = c.RefuseBAC
		d.vpcd.Replace(c.Keys, c.Files, c.AAKey, c.CAKey)
		return
	}
	d.field.Put(c)
}

// Card is the chip in the in-process reader's field, waiting for one
// until ctx ends (the kiosk's chip source, as pcscd is for a real reader).
func (d *Chips) Card(ctx context.Context) (chip.Transport, func(), error) { return d.field.Card(ctx) }

func (d *Chips) Health() *drivers.Error { return d.field.Health() }
func (d *Chips) Kind() string           { return d.field.Kind() }
func (d *Chips) Path() string           { return d.field.Path() }

// InField is the in-process reader's chip in the field (nil: none).
func (d *Chips) InField() *cardsim.Card { return d.field.InField() }

// ChipReader says how the kiosk reads the demo's chips: pcscReader names
// pcscd's virtual reader that holds them (vsmartcard's vpcd, played by the
// demo), or, when it is empty, the kiosk reads them from inProcess, the
// in-process reader (Card, Health, Kind, Path). Both are zero when the
// demo has no chips.
func (e *Env) ChipReader() (pcscReader string, inProcess *Chips) {
	switch {
	case e.chips == nil:
		return "", nil
	case e.chips.vpcd != nil:
		return e.chips.reader, nil
	}
	return "", e.chips
}

// addChipTravelers appends the bad-chip travelers: copies of the first
// admitted passport traveler, each with its chip kind and expected reason.
func addChipTravelers(travelers []central.Traveler) ([]central.Traveler, []string, error) {
	kinds := make([]string, len(travelers))
	base := -1
	for i, t := range travelers {
		if e, ok := t.Expect[direction]; ok && e.Outcome == wire.OutcomeAdmitted && len(t.MRZ) > 0 && t.Format == "TD3" {
			base = i
			break
		}
	}
	if base < 0 {
		return travelers, kinds, errors.New("no admitted passport traveler to give a bad chip")
	}
	for _, k := range badChips {
		t := travelers[base]
		t.Scenario = k.label
		t.Expect = map[string]central.Expectation{direction: {Outcome: wire.OutcomeReferred, Reasons: []string{k.reason}}}
		travelers = append(travelers, t)
		kinds = append(kinds, k.kind)
	}
	return travelers, kinds, nil
}
