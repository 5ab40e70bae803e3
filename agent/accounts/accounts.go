// Package accounts holds the kiosk's per-person console accounts: officers,
// technicians and supervisors, each with a password hashed with argon2id.
//
// The accounts live in one JSON file (0600) in the data directory, written
// atomically by the `xpt-kiosk users` command and read by the running agent,
// which notices when the file changes. A password is never stored or logged;
// the file holds its argon2id hash in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash), so the parameters can be raised
// later and old hashes still verify (and are re-hashed at the next sign-in).
package accounts

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/xpt-pilot/xpt-kiosk/internal/atomicfile"
)

// Role is what an account may do.
type Role string

const (
	// Officer: the officer console (referrals and decisions).
	Officer Role = "officer"
	// Technician: the technician console (devices, diagnostics).
	Technician Role = "technician"
	// Supervisor: both consoles.
	Supervisor Role = "supervisor"
)

// Roles lists the valid roles.
var Roles = []Role{Officer, Technician, Supervisor}

// Valid says whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Account is one person's account, without its password hash.
type Account struct {
	ID       string    `json:"id"`
	Name     string    `json:"name,omitempty"` // shown to the person signed in; not logged
	Role     Role      `json:"role"`
	Disabled bool      `json:"disabled,omitempty"`
	Created  time.Time `json:"created"`
	Changed  time.Time `json:"passwordChanged"`
}

type record struct {
	Account
	Hash string `json:"hash"`
}

type file struct {
	Version  int      `json:"version"`
	Accounts []record `json:"accounts"`
}

const fileVersion = 1

// IDPattern is what an account ID may look like (badge numbers, initials):
// it is written into decisions, audit records and cookies' sessions.
var IDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,40}$`)

// Password rules.
const (
	MinPassword = 12
	MaxPassword = 256 // bytes: argon2 takes any length, a form should not
	maxName     = 80
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultParams follow RFC 9106's second recommended option (64 MiB, 3
// passes) with 2 lanes for a 2-core kiosk: about 0.1–0.2 s a hash there.
var DefaultParams = Params{Memory: 64 * 1024, Time: 3, Threads: 2}

const (
	saltLen = 16
	keyLen  = 32
)

// Errors. ErrBadCredentials is the one answer to a wrong ID, a wrong
// password, a disabled account or a role that may not use the console, so
// that a guesser learns nothing from it.
var (
	ErrBadCredentials = errors.New("wrong account or password")
	ErrNotFound       = errors.New("no such account")
	ErrExists         = errors.New("the account exists already")
)

// Store is the accounts file as the agent and the CLI see it. It is safe
// for concurrent use. Changes are written to the file at once; a change
// made to the file by another process is read at the next look-up.
type Store struct {
	path   string
	params Params
	now    func() time.Time
	// hashing bounds the argon2 computations running at once: each takes
	// Params.Memory, and concurrent sign-ins must not exhaust the kiosk.
	hashing chan struct{}

	mu    sync.Mutex
	recs  map[string]record
	stamp fileStamp // of the file as last read
	dummy string    // a hash to check unknown IDs against: the same cost
}

type fileStamp struct {
	mod  time.Time
	size int64
	ok   bool
}

// Options tune a Store; the zero value is the production setting.
type Options struct {
	Params Params           // zero: DefaultParams
	Now    func() time.Time // nil: time.Now
}

// Open reads the accounts file at path; a missing file is an empty store
// (it is created by the first change). A file that cannot be read or
// parsed is an error, and the Store returned with it refuses every sign-in
// until the file is fixed (it reads it again at each look-up), so a kiosk
// can run, consoles closed, and recover without a restart.
func Open(path string, o Options) (*Store, error) {
	if o.Params == (Params{}) {
		o.Params = DefaultParams
	}
	if o.Params.Memory < 8*uint32(o.Params.Threads) || o.Params.Time < 1 || o.Params.Threads < 1 {
		return nil, fmt.Errorf("accounts: argon2id parameters out of range: %+v", o.Params)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Store{path: path, params: o.Params, now: o.Now, hashing: make(chan struct{}, 2), recs: map[string]record{}}
	salt := make([]byte, saltLen)
	rand.Read(salt)
	s.dummy = encodeHash(s.params, salt, argon2.IDKey([]byte("not a password"), salt, s.params.Time, s.params.Memory, s.params.Threads, keyLen))
	if err := s.reload(true); err != nil {
		s.stamp = fileStamp{mod: time.Unix(0, 1)} // never a file's: read again at each look-up
		return s, err
	}
	return s, nil
}

// Path is the accounts file.
func (s *Store) Path() string { return s.path }

func stampOf(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return fileStamp{}, nil
	}
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{mod: fi.ModTime(), size: fi.Size(), ok: true}, nil
}

// reload reads the file when it changed since the last read. A file that
// cannot be read or parsed keeps the accounts as they were (an error), so
// a half-edited file never opens or closes anything.
func (s *Store) reload(force bool) error {
	st, err := stampOf(s.path)
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	if !force && st == s.stamp {
		return nil
	}
	recs := map[string]record{}
	if st.ok {
		b, err := os.ReadFile(s.path)
		if err != nil {
			return fmt.Errorf("accounts: %w", err)
		}
		if recs, err = parse(b); err != nil {
			return fmt.Errorf("accounts: %s: %w", s.path, err)
		}
	}
	s.recs, s.stamp = recs, st
	return nil
}

func parse(b []byte) (map[string]record, error) {
	var f file
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if f.Version != fileVersion {
		return nil, fmt.Errorf("version %d, want %d", f.Version, fileVersion)
	}
	recs := make(map[string]record, len(f.Accounts))
	for i, r := range f.Accounts {
		if err := checkAccount(r.Account); err != nil {
			return nil, fmt.Errorf("accounts[%d]: %w", i, err)
		}
		if _, _, _, err := decodeHash(r.Hash); err != nil {
			return nil, fmt.Errorf("accounts[%d] (%s): hash: %w", i, r.ID, err)
		}
		if _, dup := recs[r.ID]; dup {
			return nil, fmt.Errorf("accounts[%d]: %s appears twice", i, r.ID)
		}
		recs[r.ID] = r
	}
	return recs, nil
}

func checkAccount(a Account) error {
	if !IDPattern.MatchString(a.ID) {
		return fmt.Errorf("id %q: 1 to 40 letters, digits, '.', '_' or '-'", a.ID)
	}
	if !a.Role.Valid() {
		return fmt.Errorf("%s: role %q: one of officer, technician, supervisor", a.ID, a.Role)
	}
	if !utf8.ValidString(a.Name) || utf8.RuneCountInString(a.Name) > maxName || strings.ContainsFunc(a.Name, isControl) {
		return fmt.Errorf("%s: name: at most %d printable characters", a.ID, maxName)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// CheckPassword says what is wrong with a new password, or nil.
func CheckPassword(id, pw string) error {
	switch {
	case utf8.RuneCountInString(pw) < MinPassword:
		return fmt.Errorf("password: at least %d characters", MinPassword)
	case len(pw) > MaxPassword:
		return fmt.Errorf("password: at most %d bytes", MaxPassword)
	case !utf8.ValidString(pw) || strings.ContainsFunc(pw, isControl):
		return errors.New("password: no control characters")
	case strings.EqualFold(strings.TrimSpace(pw), id):
		return errors.New("password: must not be the account ID")
	}
	return nil
}

// save writes the records atomically (a temporary file, synced, renamed
// over the old one, the folder synced), 0600.
func (s *Store) save(recs map[string]record) error {
	f := file{Version: fileVersion, Accounts: make([]record, 0, len(recs))}
	for _, r := range recs {
		f.Accounts = append(f.Accounts, r)
	}
	slices.SortFunc(f.Accounts, func(a, b record) int { return strings.Compare(a.ID, b.ID) })
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	// Run as root (the users command), the file goes to the data folder's
	// owner: the agent's own user reads it.
	err = atomicfile.WriteWith(s.path, atomicfile.Options{Perm: 0o600, Prepare: func(f *os.File) error { return chownLike(f, dir) }},
		func(w io.Writer) error { _, err := w.Write(b); return err })
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	st, err := stampOf(s.path)
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	s.recs, s.stamp = recs, st
	return nil
}

// change applies fn to a copy of the records (read fresh from the file)
// and saves the result.
func (s *Store) change(fn func(recs map[string]record) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.reload(true); err != nil {
		return err
	}
	recs := make(map[string]record, len(s.recs)+1)
	for k, v := range s.recs {
		recs[k] = v
	}
	if err := fn(recs); err != nil {
		return err
	}
	return s.save(recs)
}

func (s *Store) hash(pw string) string {
	s.hashing <- struct{}{}
	defer func() { <-s.hashing }()
	salt := make([]byte, saltLen)
	rand.Read(salt)
	return encodeHash(s.params, salt, argon2.IDKey([]byte(pw), salt, s.params.Time, s.params.Memory, s.params.Threads, keyLen))
}

// Add creates an account.
func (s *Store) Add(id, name string, role Role, password string) error {
	a := Account{ID: id, Name: strings.TrimSpace(name), Role: role}
	if err := checkAccount(a); err != nil {
		return err
	}
	if err := CheckPassword(id, password); err != nil {
		return err
	}
	h := s.hash(password)
	return s.change(func(recs map[string]record) error {
		if _, ok := recs[id]; ok {
			return fmt.Errorf("%s: %w", id, ErrExists)
		}
		now := s.now().UTC().Truncate(time.Second)
		a.Created, a.Changed = now, now
		recs[id] = record{Account: a, Hash: h}
		return nil
	})
}

// SetPassword replaces an account's password.
func (s *Store) SetPassword(id, password string) error {
	if err := CheckPassword(id, password); err != nil {
		return err
	}
	h := s.hash(password)
	return s.update(id, func(r *record) { r.Hash, r.Changed = h, s.now().UTC().Truncate(time.Second) })
}

// SetRole changes an account's role.
func (s *Store) SetRole(id string, role Role) error {
	if !role.Valid() {
		return fmt.Errorf("role %q: one of officer, technician, supervisor", role)
	}
	return s.update(id, func(r *record) { r.Role = role })
}

// SetDisabled disables or enables an account. A disabled account cannot
// sign in, and its open console sessions end at their next request.
func (s *Store) SetDisabled(id string, disabled bool) error {
	return s.update(id, func(r *record) { r.Disabled = disabled })
}

func (s *Store) update(id string, fn func(*record)) error {
	return s.change(func(recs map[string]record) error {
		r, ok := recs[id]
		if !ok {
			return fmt.Errorf("%s: %w", id, ErrNotFound)
		}
		fn(&r)
		recs[id] = r
		return nil
	})
}

// Remove deletes an account.
func (s *Store) Remove(id string) error {
	return s.change(func(recs map[string]record) error {
		if _, ok := recs[id]; !ok {
			return fmt.Errorf("%s: %w", id, ErrNotFound)
		}
		delete(recs, id)
		return nil
	})
}

// List returns the accounts, by ID. An unreadable file is an error.
func (s *Store) List() ([]Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.reload(false); err != nil {
		return nil, err
	}
	out := make([]Account, 0, len(s.recs))
	for _, r := range s.recs {
		out = append(out, r.Account)
	}
	slices.SortFunc(out, func(a, b Account) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Get returns an account as it stands in the file now.
func (s *Store) Get(id string) (Account, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A file that cannot be read now keeps what was read last: sessions
	// stay as they were, and sign-in is refused by Authenticate.
	_ = s.reload(false)
	r, ok := s.recs[id]
	return r.Account, ok
}

// Allowed says whether role may use a console that takes any of roles.
func Allowed(role Role, roles ...Role) bool {
	return role == Supervisor || slices.Contains(roles, role)
}

// Authenticate checks a sign-in: an enabled account, the password, and a
// role among roles (a supervisor may use every console). Every failure is
// ErrBadCredentials, after the same argon2 work, so neither the answer nor
// its time tells an unknown ID from a wrong password. A hash made with
// parameters other than the store's is re-hashed after a good sign-in.
func (s *Store) Authenticate(id, password string, roles ...Role) (Account, error) {
	s.mu.Lock()
	err := s.reload(false)
	r, known := s.recs[id]
	s.mu.Unlock()
	if err != nil {
		// A broken file opens nothing.
		s.verify(s.dummy, password)
		return Account{}, err
	}
	h := s.dummy
	if known {
		h = r.Hash
	}
	good, stale := s.verify(h, password)
	if !known || !good || r.Disabled || !Allowed(r.Role, roles...) {
		return Account{}, ErrBadCredentials
	}
	if stale && len(password) <= MaxPassword {
		nh := s.hash(password)
		_ = s.update(id, func(rec *record) {
			if rec.Hash == h { // unless it was changed meanwhile
				rec.Hash = nh
			}
		})
	}
	return r.Account, nil
}

// verify compares password with a PHC hash in constant time; stale says the
// hash's parameters are not the store's.
func (s *Store) verify(h, password string) (good, stale bool) {
	p, salt, key, err := decodeHash(h)
	if err != nil {
		return false, false
	}
	s.hashing <- struct{}{}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	<-s.hashing
	return subtle.ConstantTimeCompare(got, key) == 1, p != s.params
}

var b64 = base64.RawStdEncoding

func encodeHash(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Hash limits when reading: a file must not make the agent allocate
// gigabytes or spin for minutes at a sign-in.
const (
	maxMemory = 1 << 20 // KiB: 1 GiB
	maxTime   = 16
)

func decodeHash(h string) (Params, []byte, []byte, error) {
	parts := strings.Split(h, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, errors.New("not an argon2id PHC string")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return Params{}, nil, nil, fmt.Errorf("argon2 version %q", parts[2])
	}
	var p Params
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return Params{}, nil, nil, fmt.Errorf("parameter %q", kv)
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return Params{}, nil, nil, fmt.Errorf("parameter %q", kv)
			}
			p.Threads = uint8(n)
		default:
			return Params{}, nil, nil, fmt.Errorf("parameter %q", kv)
		}
	}
	if p.Threads < 1 || p.Time < 1 || p.Time > maxTime || p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory {
		return Params{}, nil, nil, fmt.Errorf("parameters out of range: m=%d,t=%d,p=%d", p.Memory, p.Time, p.Threads)
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return Params{}, nil, nil, errors.New("salt")
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return Params{}, nil, nil, errors.New("key")
	}
	return p, salt, key, nil
}
