// Package mrz parses, validates, corrects and generates ICAO 9303 machine
// readable zones (MRZ): TD1 (3×30), TD2 (2×36), TD3 passports (2×44), MRV-A
// (2×44) and MRV-B (2×36) visas, and, as formats of their own, the national
// zones that peer libraries read: the pre-2021 French identity card (2×36:
// FRENCH_ID, its number split into issue date, office and sequence), the
// Slovak identity card (2×34), the French and Dutch driving licences (one
// line of 30) and the Swiss driving licence (9, 30 and 30). docs/mrz.md
// says where ICAO 9303 leaves room, what this package chose, and where
// other libraries decide otherwise, case by case (testdata/peers.json).
//
// It owns the layout of each format, every check digit (7-3-1), century
// inference for dates, the ICAO state codes, opt-in OCR correction guided by
// the check digits, and the generator (fields → lines, with ICAO 9303 Part 3
// transliteration). It imports only the standard library; reading an MRZ out
// of an image belongs to a leaf package under it (mrz/ocr).
//
// The entry points are Parse (or ParseInto, which reuses a caller-owned
// Result and does not allocate for a well-formed document) and Generate.
// A Result is never nil: it carries the fields it could read, whether the
// document is valid, and typed errors (*Error, with field, line, column and
// a Code), warnings and corrections.
//
// Result strings may share memory with the input lines; they are ordinary
// immutable Go strings.
package mrz
