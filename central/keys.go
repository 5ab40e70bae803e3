package central

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// DefaultKeyID is the key ID keygen uses when none is given.
const DefaultKeyID = "central-2026-a"

// Signer is a central signing key and the key ID kiosks know it by.
type Signer struct {
	KeyID string
	Priv  ed25519.PrivateKey
}

// Public returns the public half.
func (s Signer) Public() ed25519.PublicKey { return s.Priv.Public().(ed25519.PublicKey) }

// PublicBase64 is the public key as kiosk configurations take it.
func (s Signer) PublicBase64() string { return base64.StdEncoding.EncodeToString(s.Public()) }

// Seal signs v's JSON encoding into a SignedEnvelope.
func (s Signer) Seal(v any) ([]byte, error) { return wire.Seal(s.KeyID, s.Priv, v) }

// KeyRing is a ring that trusts only this signer (handy in tests).
func (s Signer) KeyRing() *wire.KeyRing {
	kr := &wire.KeyRing{}
	kr.Add(s.KeyID, s.Public())
	return kr
}

// GenerateSigner makes a fresh Ed25519 key. rnd nil means crypto/rand.
func GenerateSigner(keyID string, rnd io.Reader) (Signer, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	_, priv, err := ed25519.GenerateKey(rnd)
	if err != nil {
		return Signer{}, err
	}
	return Signer{KeyID: keyID, Priv: priv}, nil
}

// MarshalPrivate renders the private key file: comments, key_id and the
// standard-base64 seed (wire.ParsePrivateKey reads the seed).
func (s Signer) MarshalPrivate() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# XPT central signing key (Ed25519). Secret: never give it to a kiosk.\n")
	fmt.Fprintf(&b, "key_id = %q\n", s.KeyID)
	fmt.Fprintf(&b, "private_key = %q\n", base64.StdEncoding.EncodeToString(s.Priv.Seed()))
	return b.Bytes()
}

// TrustSnippet is the TOML a kiosk configuration takes to trust this key.
func (s Signer) TrustSnippet() string {
	return fmt.Sprintf("[trust.keys]\n%q = %q\n", s.KeyID, s.PublicBase64())
}

// ParseSigner reads a private key file written by MarshalPrivate. It also
// takes a file holding only the base64 key (seed or 64-byte key), in which
// case the key ID is defaultID.
func ParseSigner(data []byte, defaultID string) (Signer, error) {
	s := Signer{KeyID: defaultID}
	var keyText string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			keyText = line
			continue
		}
		k = strings.TrimSpace(k)
		v = strings.Trim(strings.TrimSpace(v), `"`)
		switch k {
		case "key_id":
			s.KeyID = v
		case "private_key":
			keyText = v
		default:
			// A bare base64 key may end in '=' padding.
			if strings.TrimRight(line, "=") != "" && !strings.ContainsAny(line, " \"") {
				keyText = line
			}
		}
	}
	if keyText == "" {
		return Signer{}, fmt.Errorf("no private key in file")
	}
	priv, err := wire.ParsePrivateKey(keyText)
	if err != nil {
		return Signer{}, err
	}
	if s.KeyID == "" {
		return Signer{}, fmt.Errorf("no key_id in file and none given")
	}
	s.Priv = priv
	return s, nil
}

// LoadSigner reads a private key file. Without a key_id line the key ID is
// the file name without its extension.
func LoadSigner(path string) (Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Signer{}, err
	}
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	s, err := ParseSigner(data, base)
	if err != nil {
		return Signer{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// KeyFiles are the files WriteKeyFiles made.
type KeyFiles struct {
	Private, Public, TOML string
}

// WriteKeyFiles writes {dir}/{keyId}.key (0600), {dir}/{keyId}.pub (the
// standard-base64 public key) and {dir}/{keyId}.trust.toml. It refuses to
// overwrite an existing private key.
func WriteKeyFiles(dir string, s Signer) (KeyFiles, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return KeyFiles{}, err
	}
	f := KeyFiles{
		Private: filepath.Join(dir, s.KeyID+".key"),
		Public:  filepath.Join(dir, s.KeyID+".pub"),
		TOML:    filepath.Join(dir, s.KeyID+".trust.toml"),
	}
	kf, err := os.OpenFile(f.Private, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return KeyFiles{}, err
	}
	if _, err := kf.Write(s.MarshalPrivate()); err != nil {
		kf.Close()
		return KeyFiles{}, err
	}
	if err := kf.Close(); err != nil {
		return KeyFiles{}, err
	}
	if err := os.WriteFile(f.Public, []byte(s.PublicBase64()+"\n"), 0o644); err != nil {
		return KeyFiles{}, err
	}
	if err := os.WriteFile(f.TOML, []byte(s.TrustSnippet()), 0o644); err != nil {
		return KeyFiles{}, err
	}
	return f, nil
}
