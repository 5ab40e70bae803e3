// Package chip reads the contactless chip of an ICAO 9303 electronic
// passport (eMRTD): access control (BAC), secure messaging, the logical data
// structure (EF.COM, DG1, DG2, EF.SOD) and passive authentication.
//
// It is pure Go (standard library only) and builds with CGO_ENABLED=0. The
// protocol runs over any Transport (one APDU in, one response out): a PC/SC
// reader (drivers/chip/pcsc, a pure-Go client of pcscd's socket), or the
// in-process card emulator of drivers/chip/cardsim in tests.
//
// The entry points:
//
//   - BACKeys derives the document basic access keys from the MRZ
//     information (document number, birth date, expiry with check digits);
//   - DoBAC runs the mutual authentication and returns a SecureMessaging
//     session; Session wraps a Transport in it;
//   - Reader selects the eMRTD application and reads elementary files in
//     chunks; ParseCOM, ParseDG1, ParseDG2 and ParseSOD decode them;
//   - Verify performs passive authentication against a CertPool of CSCA
//     certificates (LoadCSCAs reads a directory of PEM/DER files or an ICAO
//     master list).
//
// Failures are *drivers.Error values with a code (protocol, timeout,
// disconnected, ...) that wrap one of this package's sentinel errors
// (ErrAccessDenied, ErrSecureMessaging, ErrFileNotFound, ErrMalformed), so
// callers can tell a chip that refused BAC from a broken data group. Nothing
// here logs personal data: MRZ information and keys never leave the values
// that hold them.
//
// References: ICAO Doc 9303 part 10 (LDS) and part 11 (security mechanisms,
// with the worked examples of appendix D used by the tests), ISO/IEC 7816-4
// (APDUs, secure messaging), ISO/IEC 9797-1 (MAC algorithm 3, padding 2),
// ISO/IEC 19794-5 (face image container), RFC 5652 (CMS).
package chip
