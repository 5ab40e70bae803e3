// Package ocr finds and reads the machine readable zone (ICAO 9303) of an
// identity document in a scanned page or a camera frame.
//
// It is the cgo leaf under package mrz (it uses OpenCV through gocv); mrz
// itself stays standard-library only.
//
// How it reads, in order:
//
//   - Search: the page is downscaled (longest side 1600 px), binarised with a
//     local mean threshold, and its connected components of character size
//     are chained left to right into text lines. An MRZ is two or three
//     long lines of equal length, parallel and evenly spaced (TD1: 3x30,
//     TD2/MRV-B: 2x36, TD3/MRV-A: 2x44). The search runs on the page and on
//     the page turned a quarter, so any of the four orientations and a skew
//     of about ±15° are found.
//   - Straightening: the zone's four corners (the centres of the first and
//     last characters of the first and last lines, agreed between lines) are
//     mapped by a perspective transform onto a grid of 30 px per character,
//     which removes rotation, skew and perspective. Upside-down zones are
//     read both ways and the better reading wins.
//   - Characters: the background is estimated by a grey closing and divided
//     out (uneven light), each character cell's ink is located, and a window
//     around it, scaled to the line's character height, is compared by
//     normalised correlation with templates rendered from Debian's OCR-B
//     fonts (fonts-ocr-b) at several sizes, sharp, blurred, bold and thin.
//   - Correction: each position is restricted to what the format allows
//     there (digits in dates, letters in names), and where a check digit
//     fails the cheapest one or two substitutions among each character's
//     runner-up readings that satisfy it are taken, field checks first,
//     then the composite.
//
// Reader is safe for concurrent use; build it once (Default or NewReader).
package ocr
