package scanner

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newSpool(t *testing.T) (*Spool, *clock, *[]Result) {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{dirProcessing, dirFailed} {
		os.MkdirAll(filepath.Join(dir, d), 0o700)
	}
	c := &clock{time.Now()}
	var got []Result
	sp := &Spool{Dir: dir, Scanner: newScanner(t, nil), Settle: 2 * time.Second, Now: c.now,
		Deliver: func(r Result) { got = append(got, r) }}
	return sp, c, &got
}

func files(t *testing.T, dir string) []string {
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		if !e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

// A file still being written is left alone until its size and mtime settle.
func TestSpoolWaitsForCompleteFiles(t *testing.T) {
	sp, c, got := newSpool(t)
	ctx := context.Background()
	data, _ := os.ReadFile("testdata/TD3-clean-7001.pdf")
	path := filepath.Join(sp.Dir, "scan-0001.pdf")
	old := time.Now().Add(-time.Hour)
	write := func(n int) {
		os.WriteFile(path, data[:n], 0o644)
		old = old.Add(time.Second) // the scanner's writes move mtime
		os.Chtimes(path, old, old)
	}
	write(len(data) / 4)
	// written in pieces, a second apart (less than Settle)
	for i, n := range []int{len(data) / 2, 3 * len(data) / 4, len(data)} {
		sp.Step(ctx)
		c.t = c.t.Add(time.Second)
		sp.Step(ctx)
		if len(*got) != 0 {
			t.Fatalf("step %d: a growing file was processed", i)
		}
		write(n)
	}
	sp.Step(ctx) // sees the final size
	if len(*got) != 0 {
		t.Fatal("processed before settling")
	}
	c.t = c.t.Add(3 * time.Second)
	sp.Step(ctx)
	if len(*got) != 1 {
		t.Fatalf("%d results after settling", len(*got))
	}
	r := (*got)[0]
	if r.Kind != "passport" || r.Passport == nil || r.File != "scan-0001.pdf" || r.Recovered {
		t.Errorf("result %+v", r)
	}
	// Delivered: nothing of it is left anywhere in the spool.
	for _, d := range []string{"", dirProcessing, dirFailed} {
		if left := files(t, filepath.Join(sp.Dir, d)); len(left) != 0 {
			t.Errorf("%s/ still holds %v after delivery", d, left)
		}
	}
	if left := files(t, sp.Dir); len(left) != 0 {
		t.Errorf("spool still holds %v", left)
	}
	sp.Step(ctx)
	if len(*got) != 1 {
		t.Error("processed twice")
	}
}

// Unreadable files go to failed/ with the error in the sidecar; hidden and
// partial names are never taken.
func TestSpoolFailedAndIgnored(t *testing.T) {
	sp, c, got := newSpool(t)
	ctx := context.Background()
	old := time.Now().Add(-time.Hour)
	for _, n := range []string{"junk.pdf", ".hidden.pdf", "upload.pdf.part"} {
		p := filepath.Join(sp.Dir, n)
		os.WriteFile(p, []byte("%PDF-1.4 junk junk"), 0o644)
		os.Chtimes(p, old, old)
	}
	sp.Step(ctx)
	c.t = c.t.Add(5 * time.Second)
	sp.Step(ctx)
	if len(*got) != 1 || (*got)[0].Kind != "error" || (*got)[0].Error == "" {
		t.Fatalf("results %+v", *got)
	}
	failed := files(t, filepath.Join(sp.Dir, dirFailed))
	if len(failed) != 2 {
		t.Errorf("failed/ holds %v", failed)
	}
	for _, f := range failed {
		if info, err := os.Stat(filepath.Join(sp.Dir, dirFailed, f)); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", f, info.Mode().Perm())
		}
	}
	if f := files(t, sp.Dir); len(f) != 2 {
		t.Errorf("the ignored files were touched: %v", f)
	}
	// Kept for KeepFailed (by the file's time), then removed.
	c.t = c.t.Add(DefaultKeepFailed - 2*time.Hour)
	sp.Step(ctx)
	if f := files(t, filepath.Join(sp.Dir, dirFailed)); len(f) != 2 {
		t.Errorf("failed/ emptied before its retention: %v", f)
	}
	c.t = c.t.Add(3 * time.Hour)
	sp.Step(ctx)
	if f := files(t, filepath.Join(sp.Dir, dirFailed)); len(f) != 0 {
		t.Errorf("failed/ still holds %v past its retention", f)
	}
}

// After a crash: a claimed file without a sidecar is processed again (its
// result was never recorded or delivered); one with a sidecar is only moved
// on and its recorded result delivered, marked Recovered; a sidecar left
// behind by a move that half happened follows its file.
func TestSpoolRecoversAfterCrash(t *testing.T) {
	sp, _, got := newSpool(t)
	proc := filepath.Join(sp.Dir, dirProcessing)
	data, _ := os.ReadFile("testdata/TD1-perspective-7004.pdf")
	os.WriteFile(filepath.Join(proc, "1a-unrecorded.pdf"), data, 0o644)
	os.WriteFile(filepath.Join(proc, "1b-recorded.pdf"), data, 0o644)
	// a recorded result that a fresh scan would not give: proves no rescan
	rec, _ := json.Marshal(Result{ID: "1b-recorded.pdf", File: "recorded.pdf", Kind: "none"})
	os.WriteFile(filepath.Join(proc, "1b-recorded.pdf.json"), rec, 0o644)
	os.WriteFile(filepath.Join(proc, "1b-recorded.pdf.json.tmp"), []byte("{partial"), 0o644)
	os.WriteFile(filepath.Join(proc, "1c-removed.pdf.json"), rec, 0o644) // its file already removed
	os.MkdirAll(filepath.Join(sp.Dir, dirFailed), 0o700)
	os.WriteFile(filepath.Join(sp.Dir, dirFailed, "1d-failed.pdf"), data, 0o644)
	os.WriteFile(filepath.Join(proc, "1d-failed.pdf.json"), rec, 0o644) // its file already in failed/

	if err := sp.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	byID := map[string]Result{}
	for _, r := range *got {
		if _, dup := byID[r.ID]; dup {
			t.Errorf("%s delivered twice", r.ID)
		}
		byID[r.ID] = r
	}
	if r := byID["1a-unrecorded.pdf"]; r.Kind != "passport" || r.Recovered || r.File != "unrecorded.pdf" {
		t.Errorf("unrecorded: %+v", r)
	}
	if r := byID["1b-recorded.pdf"]; r.Kind != "none" || !r.Recovered {
		t.Errorf("recorded: %+v", r)
	}
	if len(*got) != 2 {
		t.Errorf("%d deliveries", len(*got))
	}
	if left := files(t, proc); len(left) != 1 || left[0] != "1b-recorded.pdf.json.tmp" {
		t.Errorf("processing/ holds %v after recovery (only the stray .tmp may stay)", left)
	}
	if f := strings.Join(files(t, filepath.Join(sp.Dir, dirFailed)), " "); f != "1d-failed.pdf 1d-failed.pdf.json" {
		t.Errorf("failed/ holds %s", f)
	}
	// a second start finds nothing left to do
	n := len(*got)
	sp.Recover(context.Background())
	if len(*got) != n {
		t.Error("a second recovery delivered again")
	}
}

// Run end to end with the real clock: drop a file by rename, get its result.
// Run refuses a spool folder that does not exist (a misspelled spoolDir is
// never created), makes its folders 0700, and removes the done/ folder in
// which earlier versions kept every read file.
func TestSpoolRun(t *testing.T) {
	sp, _, _ := newSpool(t)
	if err := (&Spool{Dir: filepath.Join(sp.Dir, "typo"), Scanner: sp.Scanner}).Run(context.Background()); err == nil ||
		!strings.Contains(err.Error(), "typo") {
		t.Fatalf("a missing spool folder: %v", err)
	}
	if _, err := os.Stat(filepath.Join(sp.Dir, "typo")); err == nil {
		t.Fatal("a misspelled spool folder was created")
	}
	os.MkdirAll(filepath.Join(sp.Dir, dirDone), 0o755)
	os.WriteFile(filepath.Join(sp.Dir, dirDone, "1x-letter.pdf.json"), []byte(`{"name":"ERIKSSON"}`), 0o644)
	os.Chmod(filepath.Join(sp.Dir, dirProcessing), 0o755)
	res := make(chan Result, 1)
	sp.Now, sp.Settle, sp.Poll = time.Now, 300*time.Millisecond, 50*time.Millisecond
	sp.Deliver = func(r Result) { res <- r }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go sp.Run(ctx)
	data, _ := os.ReadFile("../../mrz/ocr/testdata/pages/TD2-skew-6001.png")
	tmp := filepath.Join(sp.Dir, ".incoming.png")
	os.WriteFile(tmp, data, 0o644)
	os.Rename(tmp, filepath.Join(sp.Dir, "page.png"))
	select {
	case r := <-res:
		if r.Kind != "passport" || r.Passport.Result.Format.String() != "TD2" {
			t.Errorf("result %+v", r)
		}
		if _, err := os.Stat(filepath.Join(sp.Dir, dirDone)); err == nil {
			t.Error("done/ of an earlier version kept")
		}
		if info, err := os.Stat(filepath.Join(sp.Dir, dirProcessing)); err != nil || info.Mode().Perm() != 0o700 {
			t.Errorf("processing/ mode %v", info.Mode().Perm())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no result")
	}
}

// With the storage key, what the spool keeps is sealed from the moment it
// is claimed: while a result is being delivered (processing/) and for the
// retention of an unreadable file (failed/), the file and its sidecar are
// sealed streams, nothing of the traveler in clear, 0600; the results are
// what an unsealed spool gives.
func TestSealedSpool(t *testing.T) {
	sp, c, got := newSpool(t)
	sp.Key = []byte("0123456789abcdef0123456789abcdef")
	ctx := context.Background()
	data, _ := os.ReadFile("testdata/TD3-clean-7001.pdf")
	old := time.Now().Add(-time.Hour)
	for name, b := range map[string][]byte{"scan-0001.pdf": data, "junk.pdf": []byte("%PDF-1.4 junk QUIRINUSWALDHAUSEN")} {
		p := filepath.Join(sp.Dir, name)
		os.WriteFile(p, b, 0o644)
		os.Chtimes(p, old, old)
	}
	var secrets []string
	checkSealed := func(dir string) {
		t.Helper()
		fs := files(t, dir)
		if len(fs) == 0 {
			t.Errorf("%s is empty", dir)
		}
		for _, f := range fs {
			p := filepath.Join(dir, f)
			b, _ := os.ReadFile(p)
			info, _ := os.Stat(p)
			if !sealedFile(p) || info.Mode().Perm() != 0o600 {
				t.Errorf("%s: sealed %v, mode %v", f, sealedFile(p), info.Mode().Perm())
			}
			for _, s := range append(secrets, "QUIRINUSWALDHAUSEN", "%PDF") {
				if strings.Contains(string(b), s) {
					t.Errorf("%s holds %q in clear", f, s)
				}
			}
		}
	}
	sp.Deliver = func(r Result) {
		*got = append(*got, r)
		if r.Passport != nil {
			secrets = append(secrets, r.Passport.Lines[1][:9], r.Passport.Result.Surname)
			checkSealed(filepath.Join(sp.Dir, dirProcessing)) // before its removal
		}
	}
	sp.Step(ctx)
	c.t = c.t.Add(5 * time.Second)
	sp.Step(ctx)
	kinds := map[string]bool{}
	for _, r := range *got {
		kinds[r.Kind] = true
	}
	if len(*got) != 2 || !kinds["passport"] || !kinds["error"] || len(secrets) != 2 {
		t.Fatalf("results %+v", *got)
	}
	checkSealed(filepath.Join(sp.Dir, dirFailed))
	if left := files(t, filepath.Join(sp.Dir, dirProcessing)); len(left) != 0 {
		t.Errorf("processing/ holds %v after delivery", left)
	}
	// The sidecar opens with the key, and only with it.
	var side string
	for _, f := range files(t, filepath.Join(sp.Dir, dirFailed)) {
		if strings.HasSuffix(f, ".json") {
			side = f
		}
	}
	b, err := sp.readKept(filepath.Join(sp.Dir, dirFailed, side), side)
	if r, rerr := readSidecar(b, time.Now()); err != nil || rerr != nil || r.Kind != "error" {
		t.Errorf("sidecar: %v %v", err, rerr)
	}
	other := &Spool{Dir: sp.Dir, Key: []byte("another key, 32 bytes long......")}
	other.defaults()
	if _, err := other.readKept(filepath.Join(sp.Dir, dirFailed, side), side); err == nil {
		t.Error("a sealed sidecar opened with another key")
	}
}
