package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/audit"
	"github.com/xpt-pilot/xpt-kiosk/agent/outbox"
	"github.com/xpt-pilot/xpt-kiosk/drivers/scanner"
)

// A technician at the kiosk lists the scans the spool could not read and
// reads one again: the list says why and names nobody, the rescan prints
// what the page holds, and the sealed files stay as they were.
func TestDevicesScannerListsAndRescansFailed(t *testing.T) {
	dir := t.TempDir()
	spool := filepath.Join(dir, "spool")
	for _, d := range []string{"processing", "failed"} {
		os.MkdirAll(filepath.Join(spool, d), 0o700)
	}
	keyFile := filepath.Join(dir, "storage.key")
	os.WriteFile(keyFile, outbox.NewKey(), 0o400)
	cfgPath := filepath.Join(dir, "kiosk.toml")
	os.WriteFile(cfgPath, []byte(testKioskTOML("[storage]\nkeyFile = \""+keyFile+"\"\n"+noDevicesTOML+
		"[devices.scanner]\nenabled = true\nspoolDir = \""+spool+"\"\n")), 0o600)

	if code, out, errs := cli("devices", "scanner", "--config", cfgPath); code != exitOK || !strings.Contains(out, "no unreadable scans") {
		t.Fatalf("empty spool: %d %q %q", code, out, errs)
	}

	// The kiosk's spool, with a scanner that refuses the page (a size
	// limit), fails a passport page and a broken PDF.
	key, err := outbox.LoadKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	sc, err := scanner.New(scanner.Options{DPI: 200, MaxFileBytes: 1000, ChildPath: exe, ChildArgs: []string{"scan", rasteriseChildFlag}})
	if err != nil {
		t.Skipf("scanner: %v", err)
	}
	page, err := os.ReadFile("../../drivers/scanner/testdata/TD3-clean-7001.pdf")
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	for name, b := range map[string][]byte{"scan-0001.pdf": page, "junk.pdf": []byte("%PDF-1.4 junk")} {
		os.WriteFile(filepath.Join(spool, name), b, 0o644)
		os.Chtimes(filepath.Join(spool, name), old, old)
	}
	now := time.Now()
	sp := &scanner.Spool{Dir: spool, Scanner: sc, Key: key, Now: func() time.Time { return now }}
	if err := sp.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	sp.Step(context.Background())
	now = now.Add(5 * time.Second)
	sp.Step(context.Background())

	code, out, errs := cli("devices", "scanner", "--config", cfgPath)
	if code != exitOK || !strings.Contains(out, "2 unreadable scan(s)") || !strings.Contains(out, "MB allowed") || !strings.Contains(out, "scan-0001.pdf") {
		t.Fatalf("list: %d %q %q", code, out, errs)
	}
	code, out, _ = cli("devices", "scanner", "--config", cfgPath, "--json")
	var list []scanner.Failed
	if err := json.Unmarshal([]byte(out), &list); code != exitOK || err != nil || len(list) != 2 {
		t.Fatalf("--json: %d %v %q", code, err, out)
	}
	var pageID, junkID string
	for _, f := range list {
		if f.File == "scan-0001.pdf" {
			pageID = f.ID
		} else {
			junkID = f.ID
		}
	}
	// A read shows personal data, so it is audited first: without the
	// kiosk's audit log, nothing is read (and no log is made).
	auditPath := filepath.Join(dir, "data", audit.FileName)
	if code, out, errs := cli("devices", "scanner", "--config", cfgPath, pageID); code != exitFail || out != "" || !strings.Contains(errs, "no audit log") {
		t.Fatalf("rescan without an audit log: %d %q %q", code, out, errs)
	}
	if _, err := os.Stat(auditPath); err == nil {
		t.Fatal("the rescan made an audit log")
	}
	os.MkdirAll(filepath.Dir(auditPath), 0o700)
	agentLog, err := audit.Open(auditPath) // the agent's, open meanwhile
	if err != nil {
		t.Fatal(err)
	}
	defer agentLog.Close()
	code, out, errs = cli("devices", "scanner", "--config", cfgPath, pageID)
	if code != exitOK || !strings.Contains(out, "TD3 MRZ, valid") {
		t.Fatalf("rescan: %d %q %q", code, out, errs)
	}
	if code, _, errs = cli("devices", "scanner", "--config", cfgPath, junkID, "0-gone.pdf"); code != exitFail ||
		!strings.Contains(errs, junkID+": ") || !strings.Contains(errs, "0-gone.pdf: ") || !strings.Contains(errs, "retention") {
		t.Fatalf("broken and missing: %d %q", code, errs)
	}
	if code, _, errs = cli("devices", "scanner", "--config", cfgPath, "../kiosk.toml"); code != exitFail || !strings.Contains(errs, "not a failed file's ID") {
		t.Fatalf("a path as ID: %d %q", code, errs)
	}
	// Every read is one entry, with who ran it; the agent's next entry
	// continues the chain after them.
	if _, _, err := agentLog.Append(audit.Entry{Kind: "device.fault"}); err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	var kinds, details []string
	audit.Scan(fh, func(_ int, rec audit.Record, _ error) bool {
		var e audit.Entry
		json.Unmarshal(rec.Entry, &e)
		kinds = append(kinds, e.Kind)
		if e.Kind == "scanner.rescan" {
			if e.Account != technician() || e.Source != "cli" {
				t.Errorf("rescan entry without who ran it: %+v", e)
			}
			details = append(details, e.Detail+" "+strings.Join(e.Errors, ","))
		}
		return true
	})
	fh.Seek(0, 0)
	res, verr := audit.Verify(fh)
	fh.Close()
	if verr != nil || res.Entries != 5 || strings.Join(kinds, " ") != "scanner.rescan scanner.rescan scanner.rescan scanner.rescan device.fault" {
		t.Fatalf("audit: %+v %v, kinds %v", res, verr, kinds)
	}
	if !strings.Contains(details[0], pageID+" read again: 1 page(s)") || !strings.Contains(details[2], "scanner:not_found") || !strings.Contains(details[3], "scanner:unreadable") {
		t.Errorf("rescan entries: %q", details)
	}
	code, out, _ = cli("devices", "scanner", "--config", cfgPath, "--json")
	var after []scanner.Failed
	if json.Unmarshal([]byte(out), &after); len(after) != 2 || !after[0].Sealed || !after[1].Sealed {
		t.Fatalf("after the rescans: %+v", after)
	}
	if code, _, errs := cli("devices", "scanner"); code != exitUsage || !strings.Contains(errs, "--config") {
		t.Fatalf("no config: %d %q", code, errs)
	}
}
