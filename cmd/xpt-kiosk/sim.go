package main

import "io"

// simCommands are the simulators; each lives in its own file.
var simCommands = map[string]command{
	"mrz-reader":  {"a passport MRZ reader on a pseudo-terminal", runSimMRZReader},
	"card-reader": {"a trusted-traveler card reader on a pseudo-terminal", runSimCardReader},
	"printer":     {"an ESC/POS receipt printer on a pseudo-terminal, rendering each receipt", runSimPrinter},
	"fleet":       {"N lightweight simulated kiosks against one broker", runSimFleet},
	"chip":        {"a test ePassport chip on vsmartcard's virtual PC/SC reader", runSimChip},
}

func runSim(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return subDispatch("sim", simCommands, args, stdin, stdout, stderr)
}
