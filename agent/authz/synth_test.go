package authz

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Test keys: fixed seeds, so that benchmark stores built by one run verify
// with the next.
const testKeyID = "central-test"

func testKeys(t testing.TB) (*wire.KeyRing, ed25519.PrivateKey) {
	t.Helper()
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, "xpt authz test key seed 0000000")
	priv := ed25519.NewKeyFromSeed(seed)
	kr, err := wire.NewKeyRing(map[string]string{testKeyID: base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey))})
	if err != nil {
		t.Fatal(err)
	}
	return kr, priv
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

var (
	synStates   = []string{"CAN", "USA", "GBR", "D", "FRA", "MEX", "JPN", "IND", "AUS", "SWE"}
	synSurnames = []string{"ERIKSSON", "SMITH", "NGUYEN", "GARCIA", "MUELLER", "OBRIEN", "TANAKA", "SINGH", "DUBOIS", "KOWALSKI",
		"VANDERBERG", "ABDULLAH", "OKONKWO", "ROSSI", "SILVA", "LEE"}
	synGiven = []string{"ANNA MARIA", "JOHN", "MINH ANH", "LUIS ALBERTO", "KLAUS", "SIOBHAN", "HIROSHI", "PRIYA", "JEAN PIERRE",
		"AGNIESZKA", "PIETER", "FATIMA", "CHIDI", "GIULIA", "JOAO PAULO", "JI WOO"}
	alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	hexd  = "0123456789ABCDEF"
)

func synID(i int) string { return fmt.Sprintf("XPT-2026-%08d", i) }

// synDocNumber is record i's j-th document number: random-looking, so that
// the document index is written in random order as in real life.
func synDocNumber(i, j int) string {
	h := splitmix(uint64(i)*8 + uint64(j))
	var b [9]byte
	for k := range b {
		b[k] = alnum[h%36]
		h /= 36
	}
	return string(b[:])
}

func synState(i, j int) string {
	return synStates[splitmix(uint64(i)*8+uint64(j)+3)%uint64(len(synStates))]
}

func synCardTag(i int) string {
	h := splitmix(uint64(i) ^ 0xcafe)
	var b [10]byte
	for k := range b {
		b[k] = hexd[h&15]
		h >>= 4
	}
	return string(b[:])
}

func synMembership(i int) string {
	return fmt.Sprintf("%09d", splitmix(uint64(i)^0xbeef)%1_000_000_000)
}

// synRecord is record i, deterministic; version v.
func synRecord(i int, v int64) wire.AuthzRecord {
	h := splitmix(uint64(i) ^ 0x5eed)
	ndocs := 1
	if h%10 == 0 {
		ndocs = 2
	}
	docs := make([]wire.Document, ndocs)
	for j := range docs {
		docs[j] = wire.Document{Code: "P", IssuingState: synState(i, j), Number: synDocNumber(i, j), ExpiryDate: "2031-04-15"}
	}
	sex := "F"
	if h&1 == 1 {
		sex = "M"
	}
	return wire.AuthzRecord{
		AuthorizationID: synID(i), Version: v, Status: wire.StatusActive, Category: "professional",
		Occupation: "Software engineer", Employer: "Example Robotics Inc.",
		Holder: wire.Holder{Surname: synSurnames[h>>8%16], GivenNames: synGiven[h>>12%16],
			BirthDate: fmt.Sprintf("19%02d-%02d-%02d", 40+h>>16%60, 1+h>>24%12, 1+h>>32%28), Sex: sex, Nationality: synState(i, 0)},
		Documents:       docs,
		TrustedTraveler: &wire.TrustedTraveler{Program: "NEXUS", MembershipID: synMembership(i), CardTag: synCardTag(i)},
		ValidFrom:       "2026-01-01", ValidUntil: "2031-01-01",
		Entries: []string{wire.DirCAtoUS, wire.DirUStoCA}, MaxStayDays: 180,
	}
}

// synBatch seals records [lo, hi) as batch seq.
func synBatch(t testing.TB, priv ed25519.PrivateKey, seq uint64, lo, hi int, v int64) []byte {
	t.Helper()
	b := wire.AuthzBatch{Seq: seq, IssuedAt: "2026-11-26T09:00:00.000Z", Records: make([]wire.AuthzRecord, 0, hi-lo)}
	for i := lo; i < hi; i++ {
		b.Records = append(b.Records, synRecord(i, v))
	}
	raw, err := wire.Seal(testKeyID, priv, b)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func sealBatch(t testing.TB, priv ed25519.PrivateKey, b wire.AuthzBatch) []byte {
	t.Helper()
	if b.IssuedAt == "" {
		b.IssuedAt = "2026-11-26T09:00:00.000Z"
	}
	raw, err := wire.Seal(testKeyID, priv, b)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// syncRecorder is a SyncRequester that remembers what was asked.
type syncRecorder struct {
	mu   sync.Mutex
	from []uint64
}

func (s *syncRecorder) RequestSync(_ context.Context, from uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.from = append(s.from, from)
	return nil
}

func (s *syncRecorder) asked() []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.from)
}

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }
