package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
)

// The one flag and signal helper set of every subcommand, so that their
// --help and their mistakes read the same way: --help (or -h, or "help" as
// the first argument) prints the manual on stdout and exits 0; a mistake
// prints one line naming the command, then one pointer to --help, on stderr,
// and exits 2.

// newFlags makes a subcommand's flag set. name is the command as typed
// ("users add"; a leading "xpt-kiosk " is allowed); usage is its manual up
// to the flags, which follow under a "Flags:" heading.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("xpt-kiosk "+strings.TrimPrefix(name, "xpt-kiosk "), flag.ContinueOnError)
	fs.SetOutput(stderr)
	text := strings.TrimRight(usage, " \n")
	if !strings.HasSuffix(text, "Flags:") {
		text += "\n\nFlags:"
	}
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), text+"\n")
		fs.PrintDefaults()
	}
	if line, _, _ := strings.Cut(text, "\n"); strings.HasPrefix(line, "Usage: ") {
		synopses.Store(fs, line)
	}
	return fs
}

// synopses holds each flag set's "Usage: …" line, which a wrong count of
// arguments repeats: the arguments it names are what was missing.
var synopses sync.Map // *flag.FlagSet → string

// parseFlags parses args with fs and leaves the positional arguments in
// fs.Args(). It returns -1 when parsing succeeded, else the exit status
// (the manual or the error has been printed).
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) int {
	if len(args) > 0 && args[0] == "help" {
		return showHelp(fs, stdout)
	}
	errOut := fs.Output()
	fs.SetOutput(io.Discard) // the flag package would print the whole manual
	err := fs.Parse(args)
	fs.SetOutput(errOut)
	if errors.Is(err, flag.ErrHelp) {
		return showHelp(fs, stdout)
	}
	if err != nil {
		return usageError(fs, "%v", err)
	}
	return -1
}

// parseArgs parses flags given before, between or after the positional
// arguments (up to a "--", after which all are positional) and wants at
// least min and at most max of them (max < 0: no limit). It returns them
// and -1, or nil and the exit status.
func parseArgs(fs *flag.FlagSet, args []string, stdout io.Writer, min, max int) ([]string, int) {
	var pos []string
	for {
		if code := parseFlags(fs, args, stdout); code >= 0 {
			return nil, code
		}
		if fs.NArg() == 0 {
			break
		}
		if n := len(args) - fs.NArg(); n > 0 && args[n-1] == "--" {
			pos = append(pos, fs.Args()...)
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case max == 0 && len(pos) > 0:
		return nil, usageError(fs, "unexpected argument %q", pos[0])
	case len(pos) < min || (max >= 0 && len(pos) > max):
		msg := fmt.Sprintf("want %s, got %d", argCount(min, max), len(pos))
		if line, ok := synopses.Load(fs); ok {
			msg += "\n" + line.(string)
		}
		return nil, usageError(fs, "%s", msg)
	}
	return pos, -1
}

func argCount(min, max int) string {
	plural := func(n int) string {
		if n == 1 {
			return "1 argument"
		}
		return fmt.Sprintf("%d arguments", n)
	}
	switch {
	case min == max:
		return plural(min)
	case max < 0:
		return "at least " + plural(min)
	}
	return fmt.Sprintf("%d to %s", min, plural(max))
}

// usageError reports a mistake in the command line: one line naming the
// command, one pointer to its --help. It returns exitUsage.
func usageError(fs *flag.FlagSet, format string, a ...any) int {
	fmt.Fprintf(fs.Output(), "%s: %s\nRun '%s --help' for its usage and flags.\n", fs.Name(), fmt.Sprintf(format, a...), fs.Name())
	return exitUsage
}

func showHelp(fs *flag.FlagSet, stdout io.Writer) int {
	errOut := fs.Output()
	fs.SetOutput(stdout)
	fs.Usage()
	fs.SetOutput(errOut)
	return exitOK
}

// signalContext is cancelled by Ctrl-C or SIGTERM: every long-running
// subcommand stops cleanly on either.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
