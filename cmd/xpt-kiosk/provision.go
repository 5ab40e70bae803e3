package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/agent/outbox"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

var provisionCommands = map[string]command{
	"config":      {"write a kiosk's configuration file from its identity, trust and broker", runProvisionConfig},
	"csr":         {"make the kiosk's TLS key and a certificate signing request (CN xpt-kiosk-{id})", runProvisionCSR},
	"storage-key": {"make the key that seals the outbox, the replica and the spool at rest ([storage].keyFile)", runProvisionStorageKey},
}

func runProvision(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return subDispatch("provision", provisionCommands, args, stdin, stdout, stderr)
}

const provisionConfigUsage = `Usage: xpt-kiosk provision config --id ID --port CODE --direction DIR --trust FILE --broker URL [flags]

Writes a kiosk configuration (TOML, docs/config.md) and checks it with the
same validation the agent uses. Devices get the usual defaults (desko MRZ
reader on /dev/ttyUSB0, em4100 card reader on /dev/ttyUSB1, v4l2 camera
/dev/video0): edit them after 'xpt-kiosk devices list'. --trust takes the
.pub or .trust.toml file 'xpt-kiosk central keygen' wrote, or 'keyId base64'
lines.

Flags:
`

func runProvisionConfig(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("provision config", provisionConfigUsage, stderr)
	id := fs.String("id", "", "kiosk ID, e.g. yyz-t1-k07")
	port := fs.String("port", "", "port-of-entry code, e.g. YYZ")
	dir := fs.String("direction", "", `"US>CA" at a Canadian port, "CA>US" at a US one`)
	trust := fs.String("trust", "", "trusted central key file(s), comma-separated")
	broker := fs.String("broker", "", "ssl://host:8883 (tcp:// only for tests)")
	ca := fs.String("ca", "", "broker CA file")
	cert := fs.String("cert", "", "kiosk client certificate file")
	key := fs.String("key", "", "kiosk client key file")
	dataDir := fs.String("data", "/var/lib/xpt-kiosk", "data folder")
	out := fs.String("out", "", "write here instead of standard output")
	force := fs.Bool("force", false, "overwrite --out")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	keys := map[string]string{}
	for _, f := range strings.Split(*trust, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		k, err := wire.ReadTrustFile(f)
		if err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk provision config: --trust %s: %v\n", f, err)
			return exitFail
		}
		for id, v := range k {
			keys[id] = v
		}
	}
	var buf bytes.Buffer
	err := kioskTemplate.Execute(&buf, map[string]any{"ID": *id, "Port": *port, "Direction": *dir, "DataDir": *dataDir,
		"Keys": keys, "Broker": *broker, "CA": *ca, "Cert": *cert, "Key": *key})
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk provision config: %v\n", err)
		return exitFail
	}
	if _, err := config.Parse(buf.Bytes()); err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk provision config: the configuration would not load:\n%v\n", err)
		return exitFail
	}
	if *out == "" {
		_, _ = stdout.Write(buf.Bytes())
		return exitOK
	}
	if err := writeNew(*out, buf.Bytes(), 0o640, *force); err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk provision config: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "wrote %s; check it with: xpt-kiosk selftest --config %s\n", *out, *out)
	return exitOK
}

var kioskTemplate = template.Must(template.New("kiosk").Parse(`# Written by xpt-kiosk provision config. Every key: docs/config.md.
[kiosk]
id = "{{.ID}}"
portCode = "{{.Port}}"
direction = "{{.Direction}}"
dataDir = "{{.DataDir}}"

[trust.keys]
{{range $id, $k := .Keys}}"{{$id}}" = "{{$k}}"
{{end}}
[mqtt]
broker = "{{.Broker}}"
{{if .CA}}caFile = "{{.CA}}"
{{end}}{{if .Cert}}certFile = "{{.Cert}}"
{{end}}{{if .Key}}keyFile = "{{.Key}}"
{{end}}
[devices.mrzReader]
port = "/dev/ttyUSB0"
baud = 9600
profile = "desko"

[devices.cardReader]
port = "/dev/ttyUSB1"
baud = 9600
profile = "em4100"

[devices.camera]
source = "v4l2"
device = "/dev/video0"

[ui]
listen = "127.0.0.1:8080"
`))

const provisionCSRUsage = `Usage: xpt-kiosk provision csr --id ID --out DIR

Makes the kiosk's TLS private key (ECDSA P-256, DIR/kiosk.key, mode 0600) and
a certificate signing request (DIR/kiosk.csr) with the common name
xpt-kiosk-{id}, the MQTT client ID the broker's ACL confines to the kiosk's
own topics. The private key never leaves the kiosk: send the CSR to the CA.

Flags:
`

func runProvisionCSR(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("provision csr", provisionCSRUsage, stderr)
	id := fs.String("id", "", "kiosk ID")
	out := fs.String("out", "", "folder for kiosk.key and kiosk.csr")
	force := fs.Bool("force", false, "overwrite an existing key")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	if !wire.ValidKioskID(*id) || *out == "" {
		return usageError(fs, "--id (^[a-z0-9][a-z0-9-]{2,39}$) and --out are required")
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk provision csr: %v\n", err)
		return exitFail
	}
	der, err := x509.MarshalECPrivateKey(priv)
	if err == nil {
		var csr []byte
		csr, err = x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
			Subject: pkix.Name{CommonName: "xpt-kiosk-" + *id, OrganizationalUnit: []string{"XPT kiosks"}}}, priv)
		if err == nil {
			if err = os.MkdirAll(*out, 0o700); err == nil {
				if err = writeNew(filepath.Join(*out, "kiosk.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600, *force); err == nil {
					err = writeNew(filepath.Join(*out, "kiosk.csr"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr}), 0o644, true)
				}
			}
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk provision csr: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "wrote %s (keep it on the kiosk) and %s (send it to the CA)\n",
		filepath.Join(*out, "kiosk.key"), filepath.Join(*out, "kiosk.csr"))
	return exitOK
}

const provisionStorageKeyUsage = `Usage: xpt-kiosk provision storage-key --out FILE [--force]

Writes a new random AES-256 key (base64, mode 0400) that seals at rest
the outbox's events and the scanner spool's files (AES-256-GCM) and the
authorization replica's files (AES-256-CTR): set [storage].keyFile to FILE. Keep it
outside the data folder (the agent refuses a key inside it), for example
/etc/xpt-kiosk/storage.key owned by the kiosk's user, or hand it to the
service as a systemd credential (LoadCredential=storage.key:FILE and keyFile
= "/run/credentials/xpt-kiosk.service/storage.key"). Events written before
the key was set are still delivered, and a replica kept in clear is sealed
at the agent's next start; a lost key loses the undelivered events it
sealed (the replica resyncs), so keep a copy where the kiosk's secrets are
kept.

Example:
  sudo xpt-kiosk provision storage-key --out /etc/xpt-kiosk/storage.key
  sudo chown xpt-kiosk: /etc/xpt-kiosk/storage.key

Flags:
`

func runProvisionStorageKey(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("provision storage-key", provisionStorageKeyUsage, stderr)
	out := fs.String("out", "", "the key file to write")
	force := fs.Bool("force", false, "replace an existing key (the events it sealed can no longer be read)")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	if *out == "" {
		return usageError(fs, "--out FILE is required")
	}
	if err := writeNew(*out, outbox.NewKey(), 0o400, *force); err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk provision storage-key: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "wrote %s (mode 0400): set [storage] keyFile = %q\n", *out, *out)
	return exitOK
}

// writeNew writes a file, refusing to replace one unless force is set.
func writeNew(path string, data []byte, mode os.FileMode, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if !force {
		flags |= os.O_EXCL
	}
	f, err := os.OpenFile(path, flags, mode)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s exists (use --force to replace it)", path)
		}
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
