package sim

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// PTY is a pseudo-terminal pair: the simulator writes to Master, the device
// driver opens Path (the slave) exactly as it would open /dev/ttyUSB0.
type PTY struct {
	Master *os.File
	// slave is held open so the slave's settings (raw mode) stay put and
	// the master's writes do not fail while no driver has the port open.
	slave *os.File
	Path  string
}

// OpenPTY creates a pseudo-terminal pair with posix_openpt semantics
// (open /dev/ptmx, unlock, find the slave's number) and puts the slave in
// raw mode, so no byte is echoed or translated before a driver opens it.
func OpenPTY() (*PTY, error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open /dev/ptmx: %w", err)
	}
	fail := func(what string, err error) (*PTY, error) {
		m.Close()
		return nil, fmt.Errorf("pseudo-terminal: %s: %w", what, err)
	}
	rc, err := m.SyscallConn()
	if err != nil {
		return fail("fd", err)
	}
	var n int
	var ierr error
	if err := rc.Control(func(fd uintptr) {
		if ierr = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); ierr != nil {
			return
		}
		n, ierr = unix.IoctlGetInt(int(fd), unix.TIOCGPTN)
	}); err != nil {
		return fail("control", err)
	}
	if ierr != nil {
		return fail("unlock", ierr)
	}
	path := fmt.Sprintf("/dev/pts/%d", n)
	s, err := os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fail("open "+path, err)
	}
	if err := makeRaw(s); err != nil {
		s.Close()
		return fail("raw mode", err)
	}
	return &PTY{Master: m, slave: s, Path: path}, nil
}

func makeRaw(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ierr error
	err = rc.Control(func(fd uintptr) {
		t, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
		if err != nil {
			ierr = err
			return
		}
		// cfmakeraw
		t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		t.Oflag &^= unix.OPOST
		t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		t.Cflag &^= unix.CSIZE | unix.PARENB
		t.Cflag |= unix.CS8
		t.Cc[unix.VMIN] = 1
		t.Cc[unix.VTIME] = 0
		ierr = unix.IoctlSetTermios(int(fd), unix.TCSETS, t)
	})
	if err != nil {
		return err
	}
	return ierr
}

// Close closes both ends; a driver reading the slave sees the port go away.
func (p *PTY) Close() error {
	return errors.Join(p.Master.Close(), p.slave.Close())
}

// Link points the symlink at link to the pty's slave, replacing it
// atomically so a driver never sees it missing while it is being updated.
func (p *PTY) Link(link string) error {
	tmp := filepath.Join(filepath.Dir(link), fmt.Sprintf(".%s.%d.tmp", filepath.Base(link), os.Getpid()))
	os.Remove(tmp)
	if err := os.Symlink(p.Path, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
