package mrz

// correct applies OCR correction to r.Lines (filled in below).
func correct(r *Result) {}
