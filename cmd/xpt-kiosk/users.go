package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/xpt-pilot/xpt-kiosk/agent/accounts"
	"github.com/xpt-pilot/xpt-kiosk/agent/config"
)

var usersCommands = map[string]command{
	"add":     {"create an account: ID --role officer|technician|supervisor [--name NAME]", runUsersAdd},
	"list":    {"list the accounts (never a password or hash)", runUsersList},
	"passwd":  {"set an account's password", runUsersPasswd},
	"role":    {"change an account's role: ID ROLE", runUsersRole},
	"disable": {"stop an account signing in; its open sessions end at once", runUsersDisable},
	"enable":  {"let a disabled account sign in again", runUsersEnable},
	"remove":  {"delete an account", runUsersRemove},
}

func runUsers(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return subDispatch("users", usersCommands, args, stdin, stdout, stderr)
}

const usersCommon = `
The accounts live in the kiosk's data folder (accounts.json, 0600, owned by
the folder's owner), given by --config (kiosk.dataDir) or --data. The
running agent reads a change at the next sign-in or request: no restart.
Passwords are hashed with argon2id (64 MiB, 3 passes, 2 lanes) and are read
from the terminal (twice, not shown) or, with --password-stdin, as one line
of standard input. A password has at least 12 characters.

Flags:
`

// usersFlags are the flags every users subcommand takes; store opens the
// accounts file they name.
type usersFlags struct {
	cfg, data     *string
	passwordStdin *bool
}

func newUsersFlags(name, usage string, stderr io.Writer, password bool) (*flag.FlagSet, usersFlags) {
	fs := newFlags("users "+name, usage+usersCommon, stderr)
	f := usersFlags{
		cfg:  fs.String("config", "", "the kiosk configuration (its kiosk.dataDir holds the accounts)"),
		data: fs.String("data", "", "the kiosk's data folder, instead of --config"),
	}
	if password {
		f.passwordStdin = fs.Bool("password-stdin", false, "read the password as one line of standard input")
	}
	return fs, f
}

func (f usersFlags) store() (*accounts.Store, error) {
	var dir string
	switch {
	case *f.cfg != "" && *f.data != "":
		return nil, errors.New("give --config or --data, not both")
	case *f.cfg != "":
		c, err := config.Load(*f.cfg)
		if err != nil {
			return nil, err
		}
		return accounts.Open(c.AccountsFile(), accounts.Options{})
	case *f.data != "":
		dir = *f.data
	default:
		return nil, errors.New("--config FILE or --data DIR is required (the kiosk's data folder holds the accounts)")
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("--data: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("--data %s: not a folder", dir)
	}
	return accounts.Open(filepath.Join(dir, "accounts.json"), accounts.Options{})
}

// password reads a new password: one line of stdin, or twice from the
// terminal without echo.
func (f usersFlags) password(id string, stdin io.Reader, stderr io.Writer) (string, error) {
	if *f.passwordStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		pw := strings.TrimRight(line, "\r\n")
		return pw, accounts.CheckPassword(id, pw)
	}
	file, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(file.Fd())) {
		return "", errors.New("no terminal to ask the password on: use --password-stdin")
	}
	fmt.Fprintf(stderr, "New password for %s: ", id)
	a, err := term.ReadPassword(int(file.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", err
	}
	if err := accounts.CheckPassword(id, string(a)); err != nil {
		return "", err
	}
	fmt.Fprintf(stderr, "Again: ")
	b, err := term.ReadPassword(int(file.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", err
	}
	if string(a) != string(b) {
		return "", errors.New("the two passwords differ")
	}
	return string(a), nil
}

func usersFail(stderr io.Writer, name string, err error) int {
	fmt.Fprintf(stderr, "xpt-kiosk users %s: %v\n", name, err)
	return exitFail
}

func runUsersAdd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, f := newUsersFlags("add", `Usage: xpt-kiosk users add ID --role officer|technician|supervisor [--name NAME] (--config FILE | --data DIR) [--password-stdin]

Creates a console account. ID is what the person types to sign in and what
the audit log and decisions name (a badge number: 1 to 40 letters, digits,
'.', '_' or '-'). Officers use the officer console, technicians the
technician console, supervisors both.

Example:
  sudo xpt-kiosk users add B1234 --role officer --name "J. Tremblay" --config /etc/xpt-kiosk/kiosk.toml
`, stderr, true)
	role := fs.String("role", "", "officer, technician or supervisor")
	name := fs.String("name", "", "the person's name, shown on the console (optional)")
	pos, code := parseArgs(fs, args, stdout, 1, 1)
	if code >= 0 {
		return code
	}
	id := pos[0]
	if !accounts.IDPattern.MatchString(id) {
		return usersFail(stderr, "add", fmt.Errorf("ID %q: 1 to 40 letters, digits, '.', '_' or '-'", id))
	}
	if !accounts.Role(*role).Valid() {
		fmt.Fprintf(stderr, "xpt-kiosk users add: --role %q: one of officer, technician, supervisor\n", *role)
		return exitUsage
	}
	st, err := f.store()
	if err != nil {
		return usersFail(stderr, "add", err)
	}
	if _, ok := st.Get(id); ok {
		return usersFail(stderr, "add", fmt.Errorf("%s: %w (use passwd, role or enable)", id, accounts.ErrExists))
	}
	pw, err := f.password(id, stdin, stderr)
	if err != nil {
		return usersFail(stderr, "add", err)
	}
	if err := st.Add(id, *name, accounts.Role(*role), pw); err != nil {
		return usersFail(stderr, "add", err)
	}
	fmt.Fprintf(stdout, "account %s (%s) added to %s\n", id, *role, st.Path())
	return exitOK
}

func runUsersList(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs, f := newUsersFlags("list", `Usage: xpt-kiosk users list (--config FILE | --data DIR) [--json]

Lists the accounts: ID, role, state, when created and when the password was
last set. Never a password or its hash.
`, stderr, false)
	asJSON := fs.Bool("json", false, "one JSON array")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	st, err := f.store()
	if err != nil {
		return usersFail(stderr, "list", err)
	}
	list, err := st.List()
	if err != nil {
		return usersFail(stderr, "list", err)
	}
	if *asJSON {
		b, _ := json.MarshalIndent(list, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
		return exitOK
	}
	if len(list) == 0 {
		fmt.Fprintf(stdout, "no accounts in %s (add one: xpt-kiosk users add ID --role officer ...)\n", st.Path())
		return exitOK
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tSTATE\tCREATED\tPASSWORD SET\tNAME")
	for _, a := range list {
		state := "enabled"
		if a.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Role, state, a.Created.Format("2006-01-02"),
			a.Changed.Format("2006-01-02 15:04"), a.Name)
	}
	tw.Flush()
	return exitOK
}

func runUsersPasswd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, f := newUsersFlags("passwd", `Usage: xpt-kiosk users passwd ID (--config FILE | --data DIR) [--password-stdin]

Sets a new password for an account. Its open sessions go on.
`, stderr, true)
	pos, code := parseArgs(fs, args, stdout, 1, 1)
	if code >= 0 {
		return code
	}
	st, err := f.store()
	if err != nil {
		return usersFail(stderr, "passwd", err)
	}
	if _, ok := st.Get(pos[0]); !ok {
		return usersFail(stderr, "passwd", fmt.Errorf("%s: %w", pos[0], accounts.ErrNotFound))
	}
	pw, err := f.password(pos[0], stdin, stderr)
	if err != nil {
		return usersFail(stderr, "passwd", err)
	}
	if err := st.SetPassword(pos[0], pw); err != nil {
		return usersFail(stderr, "passwd", err)
	}
	fmt.Fprintf(stdout, "password of %s set\n", pos[0])
	return exitOK
}

func runUsersRole(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs, f := newUsersFlags("role", `Usage: xpt-kiosk users role ID ROLE (--config FILE | --data DIR)

Changes an account's role (officer, technician, supervisor). Its open
sessions end: the person signs in again with the new role.
`, stderr, false)
	pos, code := parseArgs(fs, args, stdout, 2, 2)
	if code >= 0 {
		return code
	}
	st, err := f.store()
	if err != nil {
		return usersFail(stderr, "role", err)
	}
	if err := st.SetRole(pos[0], accounts.Role(pos[1])); err != nil {
		return usersFail(stderr, "role", err)
	}
	fmt.Fprintf(stdout, "%s is now %s\n", pos[0], pos[1])
	return exitOK
}

func usersToggle(name, what string, disable bool) func([]string, io.Reader, io.Writer, io.Writer) int {
	return func(args []string, _ io.Reader, stdout, stderr io.Writer) int {
		fs, f := newUsersFlags(name, "Usage: xpt-kiosk users "+name+" ID (--config FILE | --data DIR)\n\n"+what+"\n", stderr, false)
		pos, code := parseArgs(fs, args, stdout, 1, 1)
		if code >= 0 {
			return code
		}
		st, err := f.store()
		if err != nil {
			return usersFail(stderr, name, err)
		}
		if err := st.SetDisabled(pos[0], disable); err != nil {
			return usersFail(stderr, name, err)
		}
		fmt.Fprintf(stdout, "%s %sd\n", pos[0], name)
		return exitOK
	}
}

func runUsersDisable(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return usersToggle("disable", "Stops an account signing in; its open sessions end at their next request.", true)(args, stdin, stdout, stderr)
}

func runUsersEnable(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return usersToggle("enable", "Lets a disabled account sign in again.", false)(args, stdin, stdout, stderr)
}

func runUsersRemove(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs, f := newUsersFlags("remove", `Usage: xpt-kiosk users remove ID (--config FILE | --data DIR)

Deletes an account; its open sessions end. The audit log keeps what it did.
`, stderr, false)
	pos, code := parseArgs(fs, args, stdout, 1, 1)
	if code >= 0 {
		return code
	}
	st, err := f.store()
	if err != nil {
		return usersFail(stderr, "remove", err)
	}
	if err := st.Remove(pos[0]); err != nil {
		return usersFail(stderr, "remove", err)
	}
	fmt.Fprintf(stdout, "%s removed\n", pos[0])
	return exitOK
}
