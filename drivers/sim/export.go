package sim

// Corrupt returns frame with its check damaged the way the badsum fault
// damages it (for tests of the drivers).
func Corrupt(profile string, frame []byte) []byte { return corrupt(profile, frame) }
