package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/xpt-pilot/xpt-kiosk/agent/audit"
)

var auditCommands = map[string]command{
	"verify": {"check the hash chain of an audit file (exit 0 intact, 1 tampered)", runAuditVerify},
	"show":   {"print an audit file's entries (--json for JSON lines)", runAuditShow},
}

func runAudit(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return subDispatch("audit", auditCommands, args, stdin, stdout, stderr)
}

func runAuditVerify(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("audit verify", "Usage: xpt-kiosk audit verify FILE [--json]\n", stderr)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	files, code := parseArgs(fs, args, stdout, 1, 1)
	if code >= 0 {
		return code
	}
	file := files[0]
	f, err := os.Open(file)
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk audit verify: %v\n", err)
		return exitUsage
	}
	defer f.Close()
	res, err := audit.Verify(f)
	if err != nil && !errors.Is(err, audit.ErrTampered) {
		fmt.Fprintf(stderr, "xpt-kiosk audit verify: %v\n", err)
		return exitUsage
	}
	if *asJSON {
		out := struct {
			Intact bool `json:"intact"`
			audit.Result
		}{res.Intact(), res}
		raw, _ := json.Marshal(out)
		fmt.Fprintln(stdout, string(raw))
	} else if res.Intact() {
		fmt.Fprintf(stdout, "intact: %d entries, head %s\n", res.Entries, res.Head)
	} else {
		fmt.Fprintf(stdout, "TAMPERED: first bad entry at line %d (entry %d): %s; %d entries before it are intact\n",
			res.BadLine, res.BadN, res.Reason, res.Entries)
	}
	if !res.Intact() {
		return exitFail
	}
	return exitOK
}

func runAuditShow(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("audit show", "Usage: xpt-kiosk audit show FILE [--json]\n", stderr)
	asJSON := fs.Bool("json", false, "print each entry as a JSON line (with n and hash)")
	files, code := parseArgs(fs, args, stdout, 1, 1)
	if code >= 0 {
		return code
	}
	file := files[0]
	f, err := os.Open(file)
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk audit show: %v\n", err)
		return exitUsage
	}
	defer f.Close()
	bad := 0
	err = audit.Scan(f, func(line int, rec audit.Record, perr error) bool {
		if perr != nil {
			bad++
			fmt.Fprintf(stderr, "line %d: not an audit record\n", line)
			return true
		}
		var e audit.Entry
		_ = json.Unmarshal(rec.Entry, &e)
		if *asJSON {
			raw, _ := json.Marshal(struct {
				N    uint64          `json:"n"`
				Hash string          `json:"hash"`
				E    json.RawMessage `json:"entry"`
			}{rec.N, rec.Hash, rec.Entry})
			fmt.Fprintln(stdout, string(raw))
			return true
		}
		fmt.Fprintf(stdout, "%6d %s %-20s", rec.N, e.At, e.Kind)
		if e.TransactionID != "" {
			fmt.Fprintf(stdout, " tx=%s", e.TransactionID)
		}
		if e.Outcome != "" {
			fmt.Fprintf(stdout, " %s", e.Outcome)
		}
		if len(e.Reasons) > 0 {
			fmt.Fprintf(stdout, " reasons=%s", strings.Join(e.Reasons, ","))
		}
		if e.Decision != "" {
			fmt.Fprintf(stdout, " decision=%s", e.Decision)
		}
		if len(e.Errors) > 0 {
			fmt.Fprintf(stdout, " errors=%s", strings.Join(e.Errors, ","))
		}
		for _, c := range e.Checks {
			fmt.Fprintf(stdout, " %s:%s", c.Name, c.Result)
			if c.Score != nil && c.Threshold != nil {
				fmt.Fprintf(stdout, "(%.3f/%.3f)", *c.Score, *c.Threshold)
			}
		}
		if len(e.TimingsMs) > 0 {
			keys := make([]string, 0, len(e.TimingsMs))
			for k := range e.TimingsMs {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var parts []string
			for _, k := range keys {
				parts = append(parts, fmt.Sprintf("%s=%dms", k, e.TimingsMs[k]))
			}
			fmt.Fprintf(stdout, " %s", strings.Join(parts, " "))
		}
		fmt.Fprintln(stdout)
		return true
	})
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk audit show: %v\n", err)
		return exitUsage
	}
	if bad > 0 {
		return exitFail
	}
	return exitOK
}
