package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReaderHelp is Help for a simulator of kind (KindMRZ or KindCard): the
// commands of the other kind of reader left out.
func ReaderHelp(kind string) string {
	var help []string
	for _, l := range strings.Split(Help, "\n") {
		isCard := strings.HasPrefix(strings.TrimSpace(l), "card ")
		isDoc := strings.HasPrefix(strings.TrimSpace(l), "present ")
		if (kind == KindMRZ && isCard) || (kind == KindCard && isDoc) {
			continue
		}
		help = append(help, l)
	}
	return strings.Join(help, "\n")
}

// Console is a simulator that takes commands: a reader (Sim) or the
// receipt printer (Printer).
type Console interface {
	Serve(ctx context.Context, r io.Reader, w io.Writer) error
	ListenControl(path string) (*Control, error)
	Close() error
}

// RunConsole takes s's commands from r (replies on w) and, when control is
// set, on a unix socket at that path, until quit, ctx ends, or a client
// sends "shutdown"; without a socket also when r ends. It says on info
// where the socket is and how to get help. With a socket, it closes s
// before the socket, so that a command in progress stops waiting. Its
// only error is a socket that cannot be made.
func RunConsole(ctx context.Context, s Console, control string, r io.Reader, w, info io.Writer) error {
	var quit <-chan struct{}
	if control != "" {
		c, err := s.ListenControl(control)
		if err != nil {
			return err
		}
		defer func() {
			s.Close() // first, so that a command in progress stops waiting
			c.Close()
		}()
		quit = c.Quit()
		fmt.Fprintf(info, "control socket: %s\n", control)
	}
	fmt.Fprintln(info, "type 'help' for the commands")
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, r, w) }()
	select {
	case err := <-done:
		if errors.Is(err, ErrQuit) || control == "" {
			return nil
		}
		// r ended: keep serving the control socket
		select {
		case <-ctx.Done():
		case <-quit:
		}
	case <-ctx.Done():
	case <-quit:
	}
	return nil
}
