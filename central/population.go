package central

import (
	"bufio"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/mrz"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Traveler is one line of travelers.jsonl: what a simulated traveler
// carries to the kiosk, and what the kiosk should decide.
type Traveler struct {
	TravelerID      string        `json:"travelerId"`
	Scenario        string        `json:"scenario"`                  // admit, or the reason(s) this traveler was made for
	DisplayName     string        `json:"displayName"`               // as printed on the data page, diacritics and all
	AuthorizationID string        `json:"authorizationId,omitempty"` // the record a kiosk should pick ("" when none)
	Format          string        `json:"format"`                    // TD3 or TD1
	Document        wire.Document `json:"document"`                  // what the zone says
	Holder          wire.Holder   `json:"holder"`                    // what the zone says (full names, before truncation)
	// MRZ is the zone as printed (lines of 44 or 30, '<' fillers). Empty
	// when the document cannot be read at all (MRZ_UNREADABLE).
	MRZ        []string   `json:"mrz"`
	MRZInvalid bool       `json:"mrzInvalid,omitempty"` // a check digit is wrong on purpose
	Card       *wire.Card `json:"card,omitempty"`       // the trusted-traveler card presented, if any
	Letter     string     `json:"letter,omitempty"`     // the QR text of the pre-approval letter carried, if any
	// Expect is the outcome at the population's date for a kiosk serving
	// each direction, with policy: card not required by the kiosk, no face
	// verifier, random referral rate 0, fresh data, healthy devices.
	Expect map[string]Expectation `json:"expect"`
	Note   string                 `json:"note,omitempty"`
}

// Expectation is an outcome and every reason, in the order of the spec's table.
type Expectation struct {
	Outcome string   `json:"outcome"`
	Reasons []string `json:"reasons"`
}

// PopulationOptions steer GeneratePopulation.
type PopulationOptions struct {
	Count int       // travelers; at least len(Scenarios) (every scenario is made once first)
	Seed  uint64    // same seed, same files
	Today time.Time // the date the expectations hold for
	// Signer signs the letters. Nil: a key derived from the seed
	// (PopulationSigner), so that the files stay reproducible.
	Signer *Signer
	// LetterRate is the share of ordinary travelers who carry a letter; 0 = 2%.
	LetterRate float64
	// TroubleRate is the share of ordinary travelers given a random
	// problem; 0 = 5%. A negative value means none.
	TroubleRate float64
	// RecordsOnly skips the travelers (no zones, no expectations): about
	// twice as fast, for replica benchmarks. travelers may then be nil.
	RecordsOnly bool
}

// PopulationStats counts what was written.
type PopulationStats struct {
	Travelers, Records int
	Outcomes           map[string]int // for CA>US
	Reasons            map[string]int // for CA>US
}

// PopulationSigner is the letter key derived from a seed.
func PopulationSigner(seed uint64) Signer {
	h := sha256.Sum256([]byte(fmt.Sprintf("xpt-central-population-%d", seed)))
	return Signer{KeyID: "central-population", Priv: ed25519.NewKeyFromSeed(h[:])}
}

// Scenarios are the special travelers every population starts with, one
// each, in this order.
var Scenarios = []string{
	"admit", "admit-long-name", "admit-diacritics", "admit-single-name", "admit-td1-id-card",
	"admit-td1-long-surname", "admit-several-documents", "admit-renewed-passport", "admit-letter",
	"HOLDER_MISMATCH-card-other-document", "DOC_EXPIRED", "NOT_AUTHORIZED", "HOLDER_MISMATCH", "AUTH_SUSPENDED", "AUTH_REVOKED",
	"AUTH_NOT_YET_VALID", "AUTH_EXPIRED", "DIRECTION_NOT_ALLOWED", "DIRECTION_NOT_ALLOWED-us-to-ca",
	"CARD_MISSING", "CARD_MISMATCH", "MRZ_INVALID", "PREAPPROVAL_INVALID", "PREAPPROVAL_INVALID-forged",
	"MRZ_UNREADABLE", "DOC_EXPIRED+AUTH_EXPIRED+CARD_MISMATCH",
}

type popGen struct {
	opt     PopulationOptions
	rng     *rand.Rand
	signer  Signer
	forger  Signer
	ring    *wire.KeyRing
	today   time.Time
	nextRec int
	nextDoc int
	recW    *bufio.Writer
	travW   *bufio.Writer
	stats   PopulationStats
	weights int
	plain   bool // making a scenario: no random restrictions or second documents

	nextTag, nextMember uint64
}

// GeneratePopulation writes records (JSON lines of AuthzRecords) and
// travelers (JSON lines of Traveler), streaming: memory does not grow with
// Count.
func GeneratePopulation(opt PopulationOptions, records, travelers io.Writer) (PopulationStats, error) {
	if opt.Count < len(Scenarios) {
		opt.Count = len(Scenarios)
	}
	if opt.Today.IsZero() {
		opt.Today = time.Now()
	}
	if opt.LetterRate == 0 {
		opt.LetterRate = 0.02
	}
	if opt.TroubleRate == 0 {
		opt.TroubleRate = 0.05
	}
	g := &popGen{opt: opt, rng: rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)),
		today: time.Date(opt.Today.Year(), opt.Today.Month(), opt.Today.Day(), 0, 0, 0, 0, time.UTC),
		recW:  bufio.NewWriterSize(records, 1<<20), travW: bufio.NewWriterSize(orDiscard(travelers), 1<<20),
		stats: PopulationStats{Outcomes: map[string]int{}, Reasons: map[string]int{}}}
	if opt.Signer != nil {
		g.signer = *opt.Signer
	} else {
		g.signer = PopulationSigner(opt.Seed)
	}
	h := sha256.Sum256([]byte(fmt.Sprintf("xpt-central-forger-%d", opt.Seed)))
	g.forger = Signer{KeyID: g.signer.KeyID, Priv: ed25519.NewKeyFromSeed(h[:])}
	g.ring = g.signer.KeyRing()
	for _, n := range nations {
		g.weights += n.weight
	}
	for i := 0; i < opt.Count; i++ {
		sc := "ordinary"
		if i < len(Scenarios) {
			sc = Scenarios[i]
		}
		if err := g.traveler(i+1, sc); err != nil {
			return g.stats, err
		}
	}
	if err := g.recW.Flush(); err != nil {
		return g.stats, err
	}
	return g.stats, g.travW.Flush()
}

// person is one generated human with a record and a document.
type person struct {
	nat        nation
	display    string
	holder     wire.Holder
	rec        wire.AuthzRecord
	doc        wire.Document
	format     string
	presented  *wire.Card
	letter     string
	unreadable bool
	invalid    bool
	mrzHolder  wire.Holder // what the zone says, when it differs from the record
	extraRecs  []wire.AuthzRecord
	candidates []wire.AuthzRecord // records a kiosk would find for the document (or card)
	note       string
}

func (g *popGen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *popGen) nation() nation {
	n := g.rng.IntN(g.weights)
	for _, nt := range nations {
		if n < nt.weight {
			return nt
		}
		n -= nt.weight
	}
	return nations[0]
}

func (g *popGen) nationCode(code string) nation {
	for _, n := range nations {
		if n.code == code {
			return n
		}
	}
	return nations[0]
}

func (g *popGen) date(t time.Time) string { return t.Format(wire.DateFormat) }

func (g *popGen) days(n int) time.Time { return g.today.AddDate(0, 0, n) }

func (g *popGen) between(lo, hi int) int { return lo + g.rng.IntN(hi-lo+1) }

// docNumber is unique per issuing state: it encodes a counter.
func (g *popGen) docNumber(n nation) string {
	g.nextDoc++
	k := g.nextDoc
	switch n.numStyle {
	case 'L': // CAN: 2 letters and 6 digits
		a, b := (k/1000000)/26%26, (k/1000000)%26
		return fmt.Sprintf("%c%c%06d", 'A'+a, 'A'+b, k%1000000)
	case 'D': // 9 digits
		return fmt.Sprintf("5%08d", k%100000000)
	default: // a letter, then 8 characters
		return fmt.Sprintf("%c%08d", "CFGHJKLMNPRTVWXYZ"[k/100000000%17], k%100000000)
	}
}

// cardTag returns a tag no other card of the population has: a counter
// through a bijection of the 40-bit space (multiplication by an odd
// constant, then a mask from the seed), so that it still looks random.
func (g *popGen) cardTag() string {
	g.nextTag++
	const mask40 = 1<<40 - 1
	v := (g.nextTag*0x9E3779B97F ^ g.opt.Seed*0x5DEECE66D) & mask40
	return fmt.Sprintf("%010X", v)
}

// membershipID is unique too: a counter times a prime coprime with 10^9.
func (g *popGen) membershipID() string {
	g.nextMember++
	return fmt.Sprintf("%09d", (g.nextMember*999999937+g.opt.Seed)%1000000000)
}

// newPerson makes an ordinary, admissible person of nation n.
func (g *popGen) newPerson(n nation) *person {
	p := &person{nat: n, format: "TD3"}
	given := g.pick(n.given)
	sex := "X" // 1 in 100: unspecified, whatever the name
	switch {
	case g.rng.IntN(100) == 0:
	case strings.HasPrefix(given, "F:"):
		sex = "F"
	case strings.HasPrefix(given, "M:"):
		sex = "M"
	default:
		sex = []string{"F", "M"}[g.rng.IntN(2)]
	}
	given = strings.TrimPrefix(strings.TrimPrefix(given, "F:"), "M:")
	sur := g.pick(n.surnames)
	if n.single && g.rng.IntN(3) == 0 {
		given = ""
	}
	p.display = strings.TrimSpace(given + " " + sur)
	birth := g.days(-g.between(22*365, 70*365))
	p.holder = wire.Holder{Surname: translit(sur), GivenNames: translit(given), BirthDate: g.date(birth), Sex: sex, Nationality: n.code}
	p.doc = wire.Document{Code: "P", IssuingState: n.code, Number: g.docNumber(n), ExpiryDate: g.date(g.days(g.between(60, 9*365)))}
	g.nextRec++
	cat := []string{"executive", "professional", "technical"}[g.rng.IntN(3)]
	from := g.days(-g.between(0, 3*365))
	p.rec = wire.AuthzRecord{
		AuthorizationID: fmt.Sprintf("XPT-%d-%07d", from.Year(), g.nextRec),
		Version:         int64(g.between(1, 4)),
		Status:          wire.StatusActive,
		Category:        cat,
		Occupation:      g.pick(occupations[cat]),
		Employer:        g.pick(employers),
		Holder:          p.holder,
		Documents:       []wire.Document{p.doc},
		ValidFrom:       g.date(from),
		ValidUntil:      g.date(from.AddDate(g.between(1, 5), 0, 0).AddDate(0, 0, 1)),
		Entries:         []string{wire.DirCAtoUS, wire.DirUStoCA},
		MaxStayDays:     []int{30, 90, 180, 180, 365}[g.rng.IntN(5)],
	}
	if !g.validOn(p.rec.ValidUntil, 1) { // keep ordinary people valid today
		p.rec.ValidUntil = g.date(g.days(g.between(30, 4*365)))
	}
	if g.rng.IntN(10) < 9 {
		p.rec.TrustedTraveler = &wire.TrustedTraveler{Program: n.ttProgram, MembershipID: g.membershipID(), CardTag: g.cardTag()}
		if n.ttProgram == "NEXUS" && g.rng.IntN(5) == 0 {
			p.rec.TrustedTraveler.Program = "GLOBAL_ENTRY"
		}
		if g.rng.IntN(10) < 7 {
			p.presented = &wire.Card{Tag: p.rec.TrustedTraveler.CardTag}
		}
		if g.rng.IntN(20) == 0 && !g.plain {
			p.rec.RequireCard = true
			p.presented = &wire.Card{Tag: p.rec.TrustedTraveler.CardTag}
		}
	}
	if g.rng.IntN(25) == 0 && !g.plain {
		p.rec.Entries = []string{[]string{wire.DirCAtoUS, wire.DirUStoCA}[g.rng.IntN(2)]}
	}
	if n.idCard && g.rng.IntN(4) == 0 && !g.plain { // a second document: the national identity card
		card := wire.Document{Code: "ID", IssuingState: n.code, Number: g.docNumber(n), ExpiryDate: g.date(g.days(g.between(60, 9*365)))}
		p.rec.Documents = append(p.rec.Documents, card)
		if g.rng.IntN(2) == 0 {
			p.doc, p.format = card, "TD1"
		}
	}
	p.mrzHolder = p.holder
	return p
}

// validOn reports whether date d is at least minDays after today.
func (g *popGen) validOn(d string, minDays int) bool {
	t, err := time.Parse(wire.DateFormat, d)
	return err == nil && !t.Before(g.days(minDays))
}

func (g *popGen) letterFor(p *person, doc wire.Document, s Signer) string {
	l := wire.Letter{KID: s.KeyID, AuthorizationID: p.rec.AuthorizationID,
		Document: wire.LetterDocument{IssuingState: doc.IssuingState, Number: doc.Number},
		Holder:   wire.LetterHolder{Surname: p.rec.Holder.Surname, BirthDate: p.rec.Holder.BirthDate},
		Purpose:  g.pick(purposes), Employer: p.rec.Employer, ValidUntil: g.date(g.days(g.between(14, 180)))}
	if l.ValidUntil > p.rec.ValidUntil {
		l.ValidUntil = p.rec.ValidUntil
	}
	text, _ := wire.SignLetter(s.Priv, l)
	return text
}

// traveler makes one traveler of scenario sc and writes it with its records.
func (g *popGen) traveler(idx int, sc string) error {
	var p *person
	g.plain = sc != "ordinary"
	switch sc {
	case "admit":
		p = g.newPerson(g.nationCode("CAN"))
		g.withCard(p)
	case "admit-long-name":
		p = g.newPerson(g.nationCode("IND"))
		g.rename(p, "Venkataraghavan Subrahmanyam", "Venkatasubramanian")
		p.note = "name longer than the TD3 name field: the zone truncates it, the record holds it whole"
	case "admit-diacritics":
		p = g.newPerson(g.nationCode("D"))
		g.rename(p, "Jürgen Björn", "Müller-Lüdenscheidt")
		p.doc, p.format = p.rec.Documents[0], "TD3"
		p.note = "ICAO transliteration: Ü→UE, Ö→OE in zone and record"
	case "admit-single-name":
		p = g.newPerson(g.nationCode("IDN"))
		g.rename(p, "", "Sukarni")
		p.note = "single name: primary identifier only"
	case "admit-td1-id-card", "admit-several-documents":
		p = g.newPerson(g.nationCode("FRA"))
		g.rename(p, "Anaïs Gaëlle", "Lefèvre")
		pass := p.rec.Documents[0]
		card := wire.Document{Code: "ID", IssuingState: "FRA", Number: g.docNumber(p.nat), ExpiryDate: g.date(g.days(2000))}
		p.rec.Documents = []wire.Document{pass, card}
		p.doc, p.format = card, "TD1"
		if sc == "admit-several-documents" {
			p.doc, p.format = pass, "TD3"
		}
		p.note = "one record lists a passport and an identity card"
	case "admit-td1-long-surname":
		p = g.newPerson(g.nationCode("D"))
		g.rename(p, "Jürgen", "Wolfeschlegelsteinhausenbergerdorff")
		card := wire.Document{Code: "ID", IssuingState: "D", Number: g.docNumber(p.nat), ExpiryDate: g.date(g.days(2500))}
		p.rec.Documents = []wire.Document{card}
		p.doc, p.format = card, "TD1"
		p.note = "the surname alone overflows the 30-character TD1 name field: ICAO cuts it to keep the first letter of the given name (WOLFESCHLEGELSTEINHAUSENBER<<J)"
	case "admit-renewed-passport":
		p = g.newPerson(g.nationCode("CAN"))
		old := p.rec
		old.Status = wire.StatusRevoked
		old.Version = 2
		g.nextRec++
		old.AuthorizationID = fmt.Sprintf("XPT-%d-%07d", g.today.Year()-3, g.nextRec)
		oldDoc := wire.Document{Code: "P", IssuingState: "CAN", Number: g.docNumber(p.nat), ExpiryDate: g.date(g.days(200))}
		old.Documents = []wire.Document{oldDoc}
		p.rec.Documents = []wire.Document{p.doc, oldDoc}
		p.doc = oldDoc
		p.extraRecs = []wire.AuthzRecord{old}
		p.note = "two records list this passport: the old authorization (revoked) and the new one (active, which also lists the renewed passport)"
	case "admit-letter":
		p = g.newPerson(g.nationCode("USA"))
		p.letter = g.letterFor(p, p.doc, g.signer)
	case "HOLDER_MISMATCH-card-other-document":
		p = g.newPerson(g.nationCode("CAN"))
		g.withCard(p)
		newDoc := wire.Document{Code: "P", IssuingState: "CAN", Number: g.docNumber(p.nat), ExpiryDate: g.date(g.days(3600))}
		p.doc = newDoc
		p.note = "the passport presented is in no record, but the card maps to the holder's record: not NOT_AUTHORIZED (the card maps to a record), but that record does not list the document, so the holder is not established (never fail open)"
	case "DOC_EXPIRED":
		p = g.newPerson(g.nationCode("USA"))
		p.doc.ExpiryDate = g.date(g.days(-10))
		p.rec.Documents[0] = p.doc
	case "NOT_AUTHORIZED":
		p = g.newPerson(g.nationCode("GBR"))
		p.presented = nil
		p.doc.Number = g.docNumber(p.nat) // a document no record lists
		p.rec.Documents[0].Number = g.docNumber(p.nat)
		p.note = "no record lists this document and no card is presented"
	case "HOLDER_MISMATCH":
		p = g.newPerson(g.nationCode("CAN"))
		b, _ := time.Parse(wire.DateFormat, p.holder.BirthDate)
		p.mrzHolder.BirthDate = g.date(b.AddDate(0, 0, 9))
		p.note = "the zone's birth date differs from the record's"
	case "AUTH_SUSPENDED":
		p = g.newPerson(g.nationCode("MEX"))
		p.rec.Status = wire.StatusSuspended
	case "AUTH_REVOKED":
		p = g.newPerson(g.nationCode("USA"))
		p.rec.Status = wire.StatusRevoked
	case "AUTH_NOT_YET_VALID":
		p = g.newPerson(g.nationCode("CAN"))
		p.rec.ValidFrom, p.rec.ValidUntil = g.date(g.days(14)), g.date(g.days(14+3*365))
	case "AUTH_EXPIRED":
		p = g.newPerson(g.nationCode("USA"))
		p.rec.ValidFrom, p.rec.ValidUntil = g.date(g.days(-3*365)), g.date(g.days(-1))
	case "DIRECTION_NOT_ALLOWED":
		p = g.newPerson(g.nationCode("CAN"))
		p.rec.Entries = []string{wire.DirUStoCA}
	case "DIRECTION_NOT_ALLOWED-us-to-ca":
		p = g.newPerson(g.nationCode("USA"))
		p.rec.Entries = []string{wire.DirCAtoUS}
	case "CARD_MISSING":
		p = g.newPerson(g.nationCode("CAN"))
		g.withCard(p)
		p.rec.RequireCard = true
		p.presented = nil
	case "CARD_MISMATCH":
		p = g.newPerson(g.nationCode("USA"))
		g.withCard(p)
		p.presented = &wire.Card{Tag: g.otherTag(p.rec.TrustedTraveler.CardTag)}
	case "MRZ_INVALID":
		p = g.newPerson(g.nationCode("USA"))
		p.presented = nil
		p.doc.Number = "KXH347937" // no OCR-confusable character: correction cannot rescue it
		p.rec.Documents[0] = p.doc
		p.invalid = true
		p.note = "the document number's check digit is wrong (and not an OCR confusion of the right one)"
	case "PREAPPROVAL_INVALID":
		p = g.newPerson(g.nationCode("CAN"))
		other := wire.Document{Code: "P", IssuingState: "CAN", Number: g.docNumber(p.nat)}
		p.letter = g.letterFor(p, other, g.signer)
		p.note = "a genuine letter, for another document"
	case "PREAPPROVAL_INVALID-forged":
		p = g.newPerson(g.nationCode("USA"))
		p.letter = g.letterFor(p, p.doc, g.forger)
		p.note = "a letter signed by an untrusted key under the trusted key ID"
	case "MRZ_UNREADABLE":
		p = g.newPerson(g.nationCode("CAN"))
		p.unreadable = true
		p.note = "no zone can be read (a simulated reader should time out)"
	case "DOC_EXPIRED+AUTH_EXPIRED+CARD_MISMATCH":
		p = g.newPerson(g.nationCode("USA"))
		g.withCard(p)
		p.doc.ExpiryDate = g.date(g.days(-40))
		p.rec.Documents[0] = p.doc
		p.rec.ValidFrom, p.rec.ValidUntil = g.date(g.days(-5*365)), g.date(g.days(-30))
		p.presented = &wire.Card{Tag: g.otherTag(p.rec.TrustedTraveler.CardTag)}
		p.note = "several reasons at once: all must be reported"
	default: // ordinary
		p = g.newPerson(g.nation())
		if g.rng.Float64() < g.opt.LetterRate {
			p.letter = g.letterFor(p, p.doc, g.signer)
		}
		if g.opt.TroubleRate > 0 && g.rng.Float64() < g.opt.TroubleRate {
			g.trouble(p)
		}
	}
	return g.write(idx, sc, p)
}

func (g *popGen) withCard(p *person) {
	if p.rec.TrustedTraveler == nil {
		p.rec.TrustedTraveler = &wire.TrustedTraveler{Program: p.nat.ttProgram, MembershipID: g.membershipID(), CardTag: g.cardTag()}
	}
	p.presented = &wire.Card{Tag: p.rec.TrustedTraveler.CardTag}
}

// otherTag is a card nobody in the population holds.
func (g *popGen) otherTag(string) string { return g.cardTag() }

func (g *popGen) rename(p *person, given, sur string) {
	p.display = strings.TrimSpace(given + " " + sur)
	p.holder.Surname, p.holder.GivenNames = translit(sur), translit(given)
	p.rec.Holder = p.holder
	p.mrzHolder = p.holder
}

// trouble gives an ordinary person one random data problem.
func (g *popGen) trouble(p *person) {
	switch g.rng.IntN(7) {
	case 0:
		p.rec.Status = wire.StatusSuspended
	case 1:
		p.rec.Status = wire.StatusRevoked
	case 2:
		p.rec.ValidFrom, p.rec.ValidUntil = g.date(g.days(-4*365)), g.date(g.days(-g.between(1, 300)))
	case 3:
		p.doc.ExpiryDate = g.date(g.days(-g.between(1, 300)))
		for i := range p.rec.Documents {
			if p.rec.Documents[i].Number == p.doc.Number {
				p.rec.Documents[i] = p.doc
			}
		}
	case 4:
		if p.rec.TrustedTraveler != nil {
			p.presented = &wire.Card{Tag: g.otherTag(p.rec.TrustedTraveler.CardTag)}
		} else {
			p.rec.Status = wire.StatusSuspended
		}
	case 5:
		p.rec.ValidFrom, p.rec.ValidUntil = g.date(g.days(g.between(1, 60))), g.date(g.days(3*365))
	case 6:
		p.presented = nil
		p.rec.Documents[0].Number = g.docNumber(p.nat)
		p.doc.Number = g.docNumber(p.nat)
	}
}

func (g *popGen) write(idx int, sc string, p *person) error {
	recs := append([]wire.AuthzRecord{p.rec}, p.extraRecs...)
	enc := json.NewEncoder(g.recW)
	enc.SetEscapeHTML(false)
	for i := range recs {
		if err := enc.Encode(&recs[i]); err != nil {
			return err
		}
		g.stats.Records++
	}
	if g.opt.RecordsOnly {
		g.stats.Travelers++
		return nil
	}
	t := Traveler{TravelerID: fmt.Sprintf("T%08d", idx), Scenario: sc, DisplayName: p.display, Format: p.format,
		Document: p.doc, Holder: p.mrzHolder, Card: p.presented, Letter: p.letter, Note: p.note, MRZ: []string{}}
	if sc == "ordinary" {
		t.Scenario = ""
	}
	if !p.unreadable {
		b, _ := time.Parse(wire.DateFormat, p.mrzHolder.BirthDate)
		e, _ := time.Parse(wire.DateFormat, p.doc.ExpiryDate)
		format := mrz.TD3
		if p.format == "TD1" {
			format = mrz.TD1
		}
		lines, err := mrz.Generate(mrz.Fields{Format: format, DocumentCode: p.doc.Code, IssuingState: p.doc.IssuingState,
			DocumentNumber: p.doc.Number, Nationality: p.mrzHolder.Nationality, Surname: p.mrzHolder.Surname,
			GivenNames: p.mrzHolder.GivenNames, Sex: p.mrzHolder.Sex, BirthDate: b, ExpiryDate: e})
		if err != nil {
			return fmt.Errorf("traveler %d: %w", idx, err)
		}
		if p.invalid {
			lines = breakNumberCheckDigit(lines, p.format)
			t.MRZInvalid = true
		}
		t.MRZ = lines
	}
	// What a kiosk finds: every record listing the document, else the
	// record the card maps to.
	var cands []wire.AuthzRecord
	for _, r := range recs {
		for _, d := range r.Documents {
			if d.IssuingState == p.doc.IssuingState && d.Number == p.doc.Number {
				cands = append(cands, r)
				break
			}
		}
	}
	if len(cands) == 0 && p.presented != nil {
		for _, r := range recs {
			if r.TrustedTraveler != nil && r.TrustedTraveler.CardTag == p.presented.Tag {
				cands = append(cands, r)
			}
		}
	}
	t.Expect = map[string]Expectation{}
	lc := verifyLetter(&t, g.ring, g.today)
	for _, dir := range []string{wire.DirCAtoUS, wire.DirUStoCA} {
		e, rec := expect(&t, cands, dir, g.today, lc)
		t.Expect[dir] = e
		if dir == wire.DirCAtoUS {
			if rec != nil {
				t.AuthorizationID = rec.AuthorizationID
			}
			g.stats.Outcomes[e.Outcome]++
			for _, r := range e.Reasons {
				g.stats.Reasons[r]++
			}
		}
	}
	g.stats.Travelers++
	tenc := json.NewEncoder(g.travW)
	tenc.SetEscapeHTML(false)
	return tenc.Encode(&t)
}

// breakNumberCheckDigit replaces the document number's check digit by one
// that no OCR confusion of the right one explains, and recomputes the
// composite check digit so that exactly one check fails.
func breakNumberCheckDigit(lines []string, format string) []string {
	confusable := map[[2]byte]bool{}
	for _, p := range [][2]byte{{'3', '8'}, {'5', '6'}, {'1', '7'}, {'0', '8'}, {'6', '8'}, {'8', '9'}, {'0', '6'}, {'0', '9'}, {'2', '7'}, {'4', '9'}, {'1', '4'}, {'2', '3'}, {'5', '8'}} {
		confusable[p] = true
		confusable[[2]byte{p[1], p[0]}] = true
	}
	out := slices.Clone(lines)
	line, pos := 1, 9
	if format == "TD1" {
		line, pos = 0, 14
	}
	b := []byte(out[line])
	right := b[pos]
	for d := byte(1); d < 10; d++ {
		c := '0' + (right-'0'+d)%10
		if !confusable[[2]byte{right, c}] {
			b[pos] = c
			break
		}
	}
	out[line] = string(b)
	if format == "TD3" {
		l2 := out[1]
		comp := l2[0:10] + l2[13:20] + l2[21:43]
		out[1] = l2[:43] + cd(comp)
	} else {
		l2 := out[1]
		comp := out[0][5:30] + l2[0:7] + l2[8:15] + l2[18:29]
		out[1] = l2[:29] + cd(comp)
	}
	return out
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
