package scanner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A technician lists what the spool could not read, with why, and reads a
// file again without it leaving failed/ or ever being written in clear:
// here a passport page the kiosk's scanner refused (a size limit) reads
// with another scanner, a broken PDF fails again with its error, and a
// spool with another key cannot open either.
func TestFailedListAndRescan(t *testing.T) {
	sp, c, got := newSpool(t)
	sp.Key = []byte("0123456789abcdef0123456789abcdef")
	sp.KeepFailed = 6 * time.Hour
	sp.Scanner = newScanner(t, func(o *Options) { o.MaxFileBytes = 1000 })
	ctx := context.Background()
	data, _ := os.ReadFile("testdata/TD3-clean-7001.pdf")
	old := time.Now().Add(-time.Hour)
	for name, b := range map[string][]byte{"scan-0001.pdf": data, "junk.pdf": []byte("%PDF-1.4 junk")} {
		p := filepath.Join(sp.Dir, name)
		os.WriteFile(p, b, 0o644)
		os.Chtimes(p, old, old)
	}
	sp.Step(ctx)
	c.t = c.t.Add(5 * time.Second)
	sp.Step(ctx)
	if len(*got) != 2 || (*got)[0].Kind != "error" || (*got)[1].Kind != "error" {
		t.Fatalf("results %+v", *got)
	}
	list, err := sp.Failed()
	if err != nil || len(list) != 2 {
		t.Fatalf("Failed: %v %+v", err, list)
	}
	byName := map[string]Failed{}
	for _, f := range list {
		byName[f.File] = f
		if !f.Sealed || f.SidecarError != "" || f.Error == "" || !f.Expires.Equal(f.Kept.Add(6*time.Hour)) || f.Bytes == 0 {
			t.Errorf("listed %+v", f)
		}
	}
	if e := byName["scan-0001.pdf"].Error; !strings.Contains(e, "MB allowed") {
		t.Errorf("the page's error %q", e)
	}
	before := files(t, filepath.Join(sp.Dir, dirFailed))

	fixed := &Spool{Dir: sp.Dir, Key: sp.Key, Scanner: newScanner(t, nil)}
	pages, err := fixed.Rescan(ctx, byName["scan-0001.pdf"].ID)
	if err != nil || len(pages) != 1 || !pages[0].Found || pages[0].Result == nil || !pages[0].Result.Valid || pages[0].File != "scan-0001.pdf" {
		t.Fatalf("rescan of the page: %v %+v", err, pages)
	}
	if _, err := fixed.Rescan(ctx, byName["junk.pdf"].ID); err == nil {
		t.Error("the broken PDF read on a rescan")
	}
	if after := files(t, filepath.Join(sp.Dir, dirFailed)); strings.Join(after, " ") != strings.Join(before, " ") {
		t.Errorf("failed/ changed: %v, then %v", before, after)
	}
	for _, f := range files(t, filepath.Join(sp.Dir, dirFailed)) {
		if !sealedFile(filepath.Join(sp.Dir, dirFailed, f)) {
			t.Errorf("%s is in clear after the rescan", f)
		}
	}

	other := &Spool{Dir: sp.Dir, Key: []byte("fedcba9876543210fedcba9876543210"), Scanner: newScanner(t, nil)}
	if _, err := other.Rescan(ctx, byName["scan-0001.pdf"].ID); err == nil {
		t.Error("another key read the sealed page")
	}
	ol, _ := other.Failed()
	if len(ol) != 2 || ol[0].SidecarError == "" || ol[0].Error != "" {
		t.Errorf("another key's listing %+v", ol)
	}
	for _, bad := range []string{"", "../x", "a/b", byName["junk.pdf"].ID + ".json", ".hidden"} {
		if _, err := fixed.Rescan(ctx, bad); err == nil {
			t.Errorf("Rescan(%q) took it", bad)
		}
	}
	if _, err := fixed.Rescan(ctx, "0-gone.pdf"); !errors.Is(err, ErrNoSuchFailed) {
		t.Errorf("a missing ID: %v", err)
	}
}
