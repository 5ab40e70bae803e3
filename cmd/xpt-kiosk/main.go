// Command xpt-kiosk is the XPT kiosk edge agent and its tools: one binary,
// with subcommands for the daemon, the MRZ library, devices, simulators and
// the central-system stand-in. main only dispatches; each subcommand lives in
// the file named after it and wires concrete packages together.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// version is set by the Makefile (-ldflags -X main.version=...).
var version = "dev"

// Exit statuses shared by every subcommand.
const (
	exitOK    = 0
	exitFail  = 1 // the thing asked about is bad (invalid document, failed check)
	exitUsage = 2 // bad flags or arguments, or a subcommand not available
)

type command struct {
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

// commands is the whole command table; each entry's run lives in its own file.
var commands = map[string]command{
	"run":       {"run the kiosk agent (devices, decision, MQTT link, screens)", runRun},
	"mrz":       {"parse, validate, generate and read machine readable zones", runMrz},
	"scan":      {"read scanned pages and photos: MRZ, text layer, pre-approval QR codes", runScan},
	"devices":   {"list, capture from, read and test the kiosk's devices", runDevices},
	"selftest":  {"check configuration, devices, storage and the central link", runSelftest},
	"sim":       {"simulated devices and fleets for demos and tests", runSim},
	"central":   {"a stand-in for the central system: keys, batches, letters, commands, listener", runCentral},
	"provision": {"set up a kiosk: identity, keys, certificates, configuration", runProvision},
	"authz":     {"the local authorization replica: status, look-ups", runAuthz},
	"audit":     {"the tamper-evident transaction audit log: show, verify", runAudit},
	"users":     {"console accounts (officers, technicians, supervisors): add, list, passwd, disable", runUsers},
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitOK
	case "-version", "--version", "version":
		fmt.Fprintln(stdout, "xpt-kiosk", version)
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "xpt-kiosk: unknown command %q\nRun 'xpt-kiosk --help' for the commands.\n", args[0])
		return exitUsage
	}
	return c.run(args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "xpt-kiosk %s: the XPT border kiosk edge agent\n\nUsage: xpt-kiosk COMMAND [flags]\n\nCommands:\n", version)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nRun 'xpt-kiosk COMMAND --help' for a command's flags.\n")
}

// notYet is what a subcommand prints until its issue lands.
func notYet(name string) func([]string, io.Reader, io.Writer, io.Writer) int {
	return func(args []string, _ io.Reader, stdout, stderr io.Writer) int {
		if len(args) > 0 && isHelp(args[0]) {
			fmt.Fprintf(stdout, "Usage: xpt-kiosk %s ...\n\nNot available yet in this build.\n", name)
			return exitOK
		}
		fmt.Fprintf(stderr, "xpt-kiosk %s: not available yet in this build\n", name)
		return exitUsage
	}
}

func isHelp(a string) bool { return a == "-h" || a == "-help" || a == "--help" || a == "help" }

// subDispatch runs one of a command's subcommands, with the same help and
// usage conventions as the top level.
func subDispatch(parent string, table map[string]command, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	list := func(w io.Writer) {
		fmt.Fprintf(w, "Usage: xpt-kiosk %s SUBCOMMAND [flags]\n\nSubcommands:\n", parent)
		names := make([]string, 0, len(table))
		for n := range table {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(w, "  %-12s %s\n", n, table[n].summary)
		}
		fmt.Fprintf(w, "\nRun 'xpt-kiosk %s SUBCOMMAND --help' for its flags.\n", parent)
	}
	if len(args) == 0 {
		list(stderr)
		return exitUsage
	}
	if isHelp(args[0]) {
		list(stdout)
		return exitOK
	}
	c, ok := table[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "xpt-kiosk %s: unknown subcommand %q\nRun 'xpt-kiosk %s --help' for its subcommands.\n", parent, args[0], parent)
		return exitUsage
	}
	return c.run(args[1:], stdin, stdout, stderr)
}
