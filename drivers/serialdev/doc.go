// Package serialdev opens the kiosk's serial devices and keeps them open.
//
// It owns three things the serial drivers share:
//
//   - Config and Open: a port given by path, or by USB VID:PID (and serial
//     number) resolved with go.bug.st/serial/enumerator, so that a technician
//     need not chase /dev/ttyUSB* renumbering; errors come back as
//     *drivers.Error with a code;
//   - Transport: the io.ReadWriteCloser seam through which every driver reads,
//     so the same driver runs over a real port, a pseudo-terminal or an
//     in-memory pipe;
//   - RunLink: the loop that reads a transport, hands bytes and silences to a
//     framer, and, when the transport fails, reports a fault, re-opens with
//     back-off (at most MaxBackoff between attempts, 1 s by default) and
//     reports recovery.
package serialdev
