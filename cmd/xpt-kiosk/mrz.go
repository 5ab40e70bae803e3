package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/mrz"
)

// mrzCommands are the subcommands of "xpt-kiosk mrz".
var mrzCommands = map[string]command{
	"parse":    {"parse and validate an MRZ from standard input and print JSON", runMrzParse},
	"generate": {"build valid MRZ lines from fields, or random test documents", runMrzGenerate},
	"read":     {"read an MRZ from an image or a device", runMrzRead},
}

func runMrz(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return subDispatch("mrz", mrzCommands, args, stdin, stdout, stderr)
}

const mrzParseUsage = `Usage: xpt-kiosk mrz parse [--correct] [--strict] [--today YYYY-MM-DD] [--jsonl]

Reads one MRZ (two or three lines) from standard input and prints one JSON
object: format, valid, documentCode, issuingState, documentNumber,
nationality, birthDate, expiryDate, sex, surname, givenNames,
givenNamesList, optionalData, errors, warnings, corrections (and, for a
Swiss driving licence, languageCode, pinCode and versionNumber; for a Dutch
one, versionNumber; for the French card, issueDate and officeCode).
Formats: TD1, TD2, TD3, MRVA, MRVB, FRENCH_ID, SLOVAK_ID (lines of 34),
FRENCH_DRIVING_LICENSE and DUTCH_DRIVING_LICENSE (one line of 30) and
SWISS_DRIVING_LICENSE (lines of 9, 30 and 30).

With --jsonl, every input line is a JSON array of one document's lines, and
every output line is that document's result, in order, one per input line
(garbage lines get a result with an "input" error).

Exit status: 0 valid, 1 invalid, 2 usage error. With --jsonl: 0 unless the
input could not be read.

Example:
  printf '%s\n%s\n' 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<' \
    'L898902C36UTO7408122F1204159ZE184226B<<<<<10' | xpt-kiosk mrz parse

Flags:
`

func runMrzParse(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("mrz parse", mrzParseUsage, stderr)
	correct := fs.Bool("correct", false, "clean up OCR output (stray lines and spaces, lower case, a line one character short or long) and correct look-alikes (O/0, I/1, B/8, S/5, Z/2, G/6, < read as K/S/G/L), guided by the check digits; every change is reported")
	strict := fs.Bool("strict", false, "treat unknown state codes as errors, not warnings")
	today := fs.String("today", "", "reference date `YYYY-MM-DD` for century inference and expiry (default: today)")
	jsonl := fs.Bool("jsonl", false, "batch mode: one JSON array of lines in, one JSON result out, per line")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "xpt-kiosk mrz parse: unexpected argument %q: the MRZ is read from standard input (see --help)\n", fs.Arg(0))
		return exitUsage
	}
	opts := mrz.Options{Correct: *correct, Strict: *strict}
	if *today != "" {
		t, err := time.Parse("2006-01-02", *today)
		if err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk mrz parse: --today %q is not a date like 2026-11-26\n", *today)
			return exitUsage
		}
		opts.Today = t
	} else {
		opts.Today = time.Now()
	}
	if *jsonl {
		return parseJSONL(stdin, stdout, stderr, opts)
	}
	in, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk mrz parse: cannot read standard input: %v\n", err)
		return exitFail
	}
	in = bytes.TrimPrefix(in, utf8BOM) // editors on technicians' laptops add one
	var lines []string
	if t := bytes.TrimSpace(in); len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(t, &lines); err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk mrz parse: input starts with [ but is not a JSON array of strings: %v\n", err)
			return exitUsage
		}
	} else {
		lines = strings.Split(string(in), "\n")
	}
	r := mrz.Parse(lines, opts)
	out := r.AppendJSON(make([]byte, 0, 1024))
	out = append(out, '\n')
	if _, err := stdout.Write(out); err != nil {
		return exitFail
	}
	if r.Valid {
		return exitOK
	}
	return exitFail
}

// parseJSONL is the batch path, built for throughput: buffered I/O, one
// reused Result and output buffer, a hand-rolled reader for the usual
// ["...","..."] line with encoding/json as the fallback.
func parseJSONL(stdin io.Reader, stdout, stderr io.Writer, opts mrz.Options) int {
	br := bufio.NewReaderSize(stdin, 1<<16)
	bw := bufio.NewWriterSize(stdout, 1<<16)
	var (
		r     mrz.Result
		out   = make([]byte, 0, 2048)
		lines = make([]string, 0, 4)
		long  []byte
		n     int
	)
	for {
		b, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long[:0], b...)
			for err == bufio.ErrBufferFull {
				b, err = br.ReadSlice('\n')
				long = append(long, b...)
			}
			b = long
		}
		if len(b) == 0 && err != nil {
			if err != io.EOF {
				bw.Flush()
				fmt.Fprintf(stderr, "xpt-kiosk mrz parse: cannot read input after line %d: %v\n", n, err)
				return exitFail
			}
			break
		}
		n++
		if n == 1 {
			b = bytes.TrimPrefix(b, utf8BOM)
		}
		var ok bool
		lines, ok = decodeLines(b, lines[:0])
		out = out[:0]
		if ok {
			mrz.ParseInto(&r, lines, opts)
			out = r.AppendJSON(out)
		} else {
			out = garbageResult(n).AppendJSON(out)
		}
		out = append(out, '\n')
		if _, werr := bw.Write(out); werr != nil {
			fmt.Fprintf(stderr, "xpt-kiosk mrz parse: cannot write output: %v\n", werr)
			return exitFail
		}
		if err != nil {
			if err != io.EOF {
				bw.Flush()
				fmt.Fprintf(stderr, "xpt-kiosk mrz parse: cannot read input after line %d: %v\n", n, err)
				return exitFail
			}
			break
		}
	}
	if err := bw.Flush(); err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk mrz parse: cannot write output: %v\n", err)
		return exitFail
	}
	return exitOK
}

var utf8BOM = []byte("\xef\xbb\xbf")

func garbageResult(n int) *mrz.Result {
	return &mrz.Result{Errors: []mrz.Error{{
		Field:   "input",
		Code:    "input",
		Message: fmt.Sprintf("input line %d is not a JSON array of strings, like [\"line1\",\"line2\"]", n),
	}}}
}

// decodeLines reads one JSON array of strings. The common case (no
// escapes) costs one allocation for the whole line.
func decodeLines(b []byte, lines []string) ([]string, bool) {
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return lines, false
	}
	if bytes.IndexByte(b, '\\') >= 0 {
		var v []string
		if err := json.Unmarshal(b, &v); err != nil {
			return lines, false
		}
		return append(lines, v...), true
	}
	s := string(b)
	i := 1
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
			i++
		}
	}
	skip()
	if s[i] == ']' {
		return lines, i == len(s)-1
	}
	for {
		skip()
		if i >= len(s) || s[i] != '"' {
			return lines, false
		}
		j := strings.IndexByte(s[i+1:], '"')
		if j < 0 {
			return lines, false
		}
		lines = append(lines, s[i+1:i+1+j])
		i += j + 2
		skip()
		if i >= len(s) {
			return lines, false
		}
		if s[i] == ']' {
			return lines, i == len(s)-1
		}
		if s[i] != ',' {
			return lines, false
		}
		i++
	}
}

const mrzGenerateUsage = `Usage: xpt-kiosk mrz generate [field flags] [--jsonl]
       xpt-kiosk mrz generate --random N [--seed S] [--format F]

Builds a valid MRZ from fields and prints its lines (one per line, or one
JSON array with --jsonl). Names are transliterated as ICAO 9303 says
(É→E, Ä→AE, ß→SS, Ø→OE). Formats: TD1, TD2, TD3, MRVA, MRVB, FRENCH_ID,
SLOVAK_ID, FRENCH_DRIVING_LICENSE, SWISS_DRIVING_LICENSE and
DUTCH_DRIVING_LICENSE; a format ignores the fields its zone does not hold.
With --random it prints N fictional documents as JSON arrays, one per
line: input for "mrz parse --jsonl". They are of mixed formats (TD1, TD2,
TD3, MRVA, MRVB, FRENCH_ID, the same for the same seed as always), or all
of the one given with --format.

Example:
  xpt-kiosk mrz generate --code P --state UTO --number L898902C3 \
    --surname Eriksson --given 'Anna María' --sex F --birth 1974-08-12 \
    --expiry 2012-04-15 --optional ZE184226B
  xpt-kiosk mrz generate --format DUTCH_DRIVING_LICENSE --code D1 --state NLD \
    --version-number 1 --number 5094962111 --optional 659VW87Z78NB8
  xpt-kiosk mrz generate --format FRENCH_DRIVING_LICENSE --code D1 --state FRA \
    --number 13AA00002 --expiry 2018-12-31 --surname Martin
  xpt-kiosk mrz generate --format SWISS_DRIVING_LICENSE --code FA --state CHE \
    --number AAA001D --pin 305142128 --version-number 097 --birth 1980-01-26 \
    --surname Marchand --given Fabienne

Flags:
`

func runMrzGenerate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("mrz generate", mrzGenerateUsage, stderr)
	format := fs.String("format", "", "TD1, TD2, TD3, MRVA, MRVB, FRENCH_ID, SLOVAK_ID, FRENCH_DRIVING_LICENSE, SWISS_DRIVING_LICENSE or DUTCH_DRIVING_LICENSE (default: from --code: P→TD3, V→MRVA, else TD1)")
	code := fs.String("code", "P", "document code (P, V, I, ID, AC, ...)")
	state := fs.String("state", "UTO", "issuing state or organization (ICAO code)")
	nat := fs.String("nationality", "", "nationality (default: the issuing state)")
	number := fs.String("number", "", "document number (TD1/TD2 allow more than 9 characters; SWISS_DRIVING_LICENSE: office, 3 digits and the language code D, F, I or R)")
	surname := fs.String("surname", "", "primary identifier")
	given := fs.String("given", "", "secondary identifier (given names)")
	sex := fs.String("sex", "", "M, F, X or empty (unspecified)")
	birth := fs.String("birth", "", "date of birth `YYYY-MM-DD` (empty: unknown)")
	expiry := fs.String("expiry", "", "date of expiry `YYYY-MM-DD`")
	opt := fs.String("optional", "", "optional data or personal number")
	opt2 := fs.String("optional2", "", "TD1 line 2 optional data")
	version := fs.String("version-number", "", "DUTCH_DRIVING_LICENSE: the version character after the state; SWISS_DRIVING_LICENSE: the 3-digit version")
	pin := fs.String("pin", "", "SWISS_DRIVING_LICENSE: the holder's 9-digit PIN")
	jsonl := fs.Bool("jsonl", false, "print the lines as one JSON array")
	random := fs.Int("random", 0, "print `N` random fictional documents as JSON arrays, one per line")
	seed := fs.Uint64("seed", 1, "seed for --random")
	if c := parseFlags(fs, args, stdout); c >= 0 {
		return c
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "xpt-kiosk mrz generate: unexpected argument %q (fields are flags; see --help)\n", fs.Arg(0))
		return exitUsage
	}
	f := mrz.Fields{
		DocumentCode: *code, IssuingState: *state, Nationality: *nat, DocumentNumber: *number,
		Surname: *surname, GivenNames: *given, Sex: *sex, OptionalData: *opt, OptionalData2: *opt2,
		VersionNumber: *version, PINCode: *pin,
	}
	if f.Nationality == "" {
		f.Nationality = f.IssuingState
	}
	if *format != "" {
		ff, ok := mrz.ParseFormat(strings.ToUpper(*format))
		if !ok {
			fmt.Fprintf(stderr, "xpt-kiosk mrz generate: --format %q: use TD1, TD2, TD3, MRVA, MRVB, FRENCH_ID, SLOVAK_ID, FRENCH_DRIVING_LICENSE, SWISS_DRIVING_LICENSE or DUTCH_DRIVING_LICENSE\n", *format)
			return exitUsage
		}
		f.Format = ff
	}
	if *random > 0 {
		formats := mrz.TravelFormats() // the benchmark against npm mrz compares on these
		if f.Format != mrz.FormatUnknown {
			formats = []mrz.Format{f.Format}
		}
		return generateRandom(*random, *seed, formats, stdout, stderr)
	}
	for _, d := range []struct {
		flag string
		v    string
		dst  *time.Time
	}{{"--birth", *birth, &f.BirthDate}, {"--expiry", *expiry, &f.ExpiryDate}} {
		if d.v == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", d.v)
		if err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk mrz generate: %s %q is not a date like 1974-08-12\n", d.flag, d.v)
			return exitUsage
		}
		*d.dst = t
	}
	lines, err := mrz.Generate(f)
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk mrz generate: %v\n", err)
		return exitUsage
	}
	if *jsonl {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false) // keep < as <
		enc.Encode(lines)
		return exitOK
	}
	for _, l := range lines {
		fmt.Fprintln(stdout, l)
	}
	return exitOK
}

// generateRandom prints n fictional documents of the formats.
func generateRandom(n int, seed uint64, formats []mrz.Format, stdout, stderr io.Writer) int {
	bw := bufio.NewWriterSize(stdout, 1<<16)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var buf []byte
	for i := 0; i < n; i++ {
		lines, err := mrz.Generate(mrz.RandomFieldsOf(rng, formats...))
		if err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk mrz generate: %v\n", err)
			return exitFail
		}
		buf = append(buf[:0], '[')
		for j, l := range lines {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '"')
			buf = append(buf, l...)
			buf = append(buf, '"')
		}
		buf = append(buf, ']', '\n')
		bw.Write(buf)
	}
	if err := bw.Flush(); err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk mrz generate: cannot write output: %v\n", err)
		return exitFail
	}
	return exitOK
}
