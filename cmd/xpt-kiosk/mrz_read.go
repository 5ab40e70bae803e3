package main

import "io"

const mrzReadUsage = `Usage: xpt-kiosk mrz read [--json] [--dpi N] [--today YYYY-MM-DD] FILE...

Finds and reads the MRZ in images (PNG, JPEG, TIFF, BMP) and PDF pages:
anywhere on the page, any of the four orientations, skewed, in perspective.
Characters are corrected with the check digits (as 'mrz parse --correct').

With --json, one JSON object per line per image and per PDF page:
  {"file": as given, "page": 1-based, "found": bool, "lines": [MRZ lines
   after correction], "result": the 'mrz parse' object (null when not
   found), "elapsedMs": n, "error": only when the page or file is unreadable}
Without --json, a readable summary.

Exit status: 0 every page has a valid MRZ, 1 some page has none, an invalid
one, or could not be read, 2 usage.
`

func runMrzRead(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runScanning("mrz read", mrzReadUsage, true, args, stdout, stderr)
}
