// Package sim simulates the kiosk's serial readers on real pseudo-terminals,
// so the kiosk's real driver path (go.bug.st/serial on a tty) reads them
// exactly as it reads hardware.
//
// A Sim is an instance (there are no package globals): a test builds as many
// as it likes, each on its own pty, and closes them. It presents documents
// (MRZ readers) or cards (card readers) in the wire format of a profile, and
// injects faults: noise bytes, frames split with a pause, bad checksums, a
// slow trickle at a low baud rate, and unplugging (the pty is closed and its
// symlink removed) and plugging back (a new pty, the symlink re-pointed).
//
// The same commands drive a Sim from a test (Exec), from standard input or
// from a local control socket (Serve, ListenControl); see Help.
package sim
