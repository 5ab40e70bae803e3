// Package docgen renders synthetic identity document pages for tests and
// benchmarks of MRZ reading: TD1, TD2 and TD3 data pages with an OCR-B
// machine readable zone, a photo box, printed labels and a guilloche
// background, placed on a scanner page or filling a camera frame, then
// degraded (skew, quarter turns, perspective, blur, noise, uneven light,
// JPEG) and saved as PNG, JPEG or PDF.
//
// It renders differently from how mrz/ocr reads on purpose: two OCR-B cuts,
// character sizes and pitches off the nominal, bold and thin ink, other
// text on the page, random margins and resolutions.
package docgen
