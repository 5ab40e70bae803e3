package accounts

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fast keeps the tests quick; the production parameters are tested once.
var fast = Options{Params: Params{Memory: 64, Time: 1, Threads: 1}}

func open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "accounts.json"), fast)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAddAuthenticate(t *testing.T) {
	s := open(t)
	if err := s.Add("B1234", "Officer Tremblay", Officer, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	a, err := s.Authenticate("B1234", "correct horse battery", Officer)
	if err != nil || a.ID != "B1234" || a.Role != Officer || a.Name != "Officer Tremblay" {
		t.Fatalf("Authenticate = %+v, %v", a, err)
	}
	for _, c := range []struct{ id, pw string }{
		{"B1234", "correct horse batterx"},
		{"B1234", ""},
		{"B9999", "correct horse battery"},
		{"b1234", "correct horse battery"}, // IDs are exact
	} {
		if _, err := s.Authenticate(c.id, c.pw, Officer); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("Authenticate(%q, %q) = %v, want ErrBadCredentials", c.id, c.pw, err)
		}
	}
	// The officer may not use the technician console; a supervisor may use both.
	if _, err := s.Authenticate("B1234", "correct horse battery", Technician); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("officer on the technician console: %v", err)
	}
	if err := s.Add("S1", "", Supervisor, "supervisor password"); err != nil {
		t.Fatal(err)
	}
	for _, r := range []Role{Officer, Technician} {
		if _, err := s.Authenticate("S1", "supervisor password", r); err != nil {
			t.Errorf("supervisor on %s: %v", r, err)
		}
	}
}

func TestFileIsPrivateAndHoldsNoPassword(t *testing.T) {
	s := open(t)
	if err := s.Add("T1", "", Technician, "a technician's secret"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(s.Path())
	if strings.Contains(string(b), "secret") {
		t.Errorf("the file holds the password: %s", b)
	}
	if !strings.Contains(string(b), "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("no argon2id PHC hash in %s", b)
	}
}

func TestChangesReachAnotherStore(t *testing.T) {
	// The CLI and the running agent hold separate Stores on one file.
	cli := open(t)
	agent, err := Open(cli.Path(), fast)
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.Add("B1", "", Officer, "first password!"); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.Authenticate("B1", "first password!", Officer); err != nil {
		t.Fatalf("a new account not seen by the agent: %v", err)
	}
	if err := cli.SetPassword("B1", "second password!"); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.Authenticate("B1", "first password!", Officer); err == nil {
		t.Error("the old password still works")
	}
	if _, err := agent.Authenticate("B1", "second password!", Officer); err != nil {
		t.Errorf("the new password: %v", err)
	}
	if err := cli.SetDisabled("B1", true); err != nil {
		t.Fatal(err)
	}
	if a, ok := agent.Get("B1"); !ok || !a.Disabled {
		t.Errorf("Get after disable = %+v, %v", a, ok)
	}
	if _, err := agent.Authenticate("B1", "second password!", Officer); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("a disabled account signs in: %v", err)
	}
	if err := cli.Remove("B1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := agent.Get("B1"); ok {
		t.Error("a removed account is still there")
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	s := open(t)
	if err := s.Add("B1", "", Officer, "good password 1"); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(s.Path())
	for name, err := range map[string]error{
		"short password": s.Add("B2", "", Officer, "short"),
		"id as password": s.Add("longaccountid", "", Officer, "LongAccountID"),
		"bad id":         s.Add("B 2<x>", "", Officer, "good password 2"),
		"bad role":       s.Add("B2", "", Role("admin"), "good password 2"),
		"control name":   s.Add("B2", "a\nb", Officer, "good password 2"),
		"duplicate":      s.Add("B1", "", Officer, "good password 2"),
		"missing":        s.SetPassword("B9", "good password 2"),
		"missing remove": s.Remove("B9"),
		"bad new role":   s.SetRole("B1", Role("root")),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	after, _ := os.ReadFile(s.Path())
	if string(before) != string(after) {
		t.Errorf("refused changes changed the file:\n%s\n%s", before, after)
	}
}

func TestBrokenFileOpensNothing(t *testing.T) {
	s := open(t)
	if err := s.Add("B1", "", Officer, "good password 1"); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(s.Path())
	for name, content := range map[string]string{
		"garbage":       "not json",
		"unknown field": strings.Replace(string(good), `"role"`, `"admin": true, "role"`, 1),
		"bad hash":      strings.Replace(string(good), "$argon2id$", "$argon2i$", 1),
		"huge memory":   strings.Replace(string(good), "m=64,", "m=99999999,", 1),
		"version":       strings.Replace(string(good), `"version": 1`, `"version": 2`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			os.WriteFile(s.Path(), []byte(content), 0o600)
			time.Sleep(2 * time.Millisecond) // a new modification time
			broken, err := Open(s.Path(), fast)
			if err == nil {
				t.Error("Open accepted it")
			} else if _, err := broken.Authenticate("B1", "good password 1", Officer); err == nil {
				t.Error("the store of a broken file let a sign-in through")
			}
			if _, err := s.Authenticate("B1", "good password 1", Officer); err == nil {
				t.Error("a broken file let a sign-in through")
			}
			os.WriteFile(s.Path(), good, 0o600)
			// Fixed, it opens again without a restart.
			if broken != nil {
				if _, err := broken.Authenticate("B1", "good password 1", Officer); err != nil {
					t.Errorf("after the fix: %v", err)
				}
			}
		})
	}
}

func TestRehashOnSignIn(t *testing.T) {
	old := open(t)
	if err := old.Add("B1", "", Officer, "good password 1"); err != nil {
		t.Fatal(err)
	}
	raised, err := Open(old.Path(), Options{Params: Params{Memory: 128, Time: 2, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raised.Authenticate("B1", "good password 1", Officer); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(old.Path())
	if !strings.Contains(string(b), "m=128,t=2,p=1") {
		t.Errorf("not re-hashed with the new parameters: %s", b)
	}
	if _, err := raised.Authenticate("B1", "good password 1", Officer); err != nil {
		t.Errorf("after re-hash: %v", err)
	}
}

func TestDefaultParams(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB hashes")
	}
	s, err := Open(filepath.Join(t.TempDir(), "a.json"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Add("B1", "", Officer, "good password 1"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(s.Path())
	if !strings.Contains(string(b), "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("default parameters not in the hash: %s", b)
	}
	if _, err := s.Authenticate("B1", "good password 1", Officer); err != nil {
		t.Error(err)
	}
}

func BenchmarkAuthenticate(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "a.json"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Add("B1", "", Officer, "good password 1"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s.Authenticate("B1", "good password 1", Officer)
	}
}

func FuzzDecodeHash(f *testing.F) {
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5")
	f.Add("$argon2id$v=19$m=65536,t=3,p=2$AAAAAAAAAAA$BBBBBBBBBBBBBBBBBBBBBBBBBBBB")
	f.Add("$argon2i$v=19$m=1,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, h string) {
		p, salt, key, err := decodeHash(h)
		if err != nil {
			return
		}
		if p.Memory > maxMemory || p.Time > maxTime || p.Threads < 1 || len(salt) < 8 || len(key) < 16 {
			t.Fatalf("accepted out of range: %+v %d %d", p, len(salt), len(key))
		}
		if got := encodeHash(p, salt, key); got != h {
			// Leading zeros or other spellings of the numbers are not canonical
			// but harmless; the decoded values must round-trip.
			p2, s2, k2, err := decodeHash(got)
			if err != nil || p2 != p || string(s2) != string(salt) || string(k2) != string(key) {
				t.Fatalf("round trip: %q -> %q", h, got)
			}
		}
	})
}
