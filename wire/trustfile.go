package wire

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ReadTrustFile reads trusted central public keys (key ID → standard
// base64 Ed25519 key) from a file in any of the forms the central tools
// and technicians write; it is the one reader of such files (`provision
// config --trust`, `authz import --trust`, `scan --trust`):
//
//	# comment
//	central-2026-a MCowBQYDK2VwAyEA...            key ID and key
//	"central-2026-a" = "MCowBQYDK2VwAyEA..."      the [trust.keys] snippet `central keygen` prints
//	central-2026-a = MCowBQYDK2VwAyEA...
//	MCowBQYDK2VwAyEA...                           the key alone (a KEYID.pub file)
//
// In a file with TOML sections (the kiosk's configuration file) only the
// [trust.keys] section is read. A key alone takes its ID from the file's
// name without .trust.toml or its extension. Every key must parse; a file
// with none is an error.
func ReadTrustFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseTrustFile(path, data)
}

// ParseTrustFile is ReadTrustFile on data already read; path gives a key
// alone its ID. Errors name the line, not the file: the caller does.
func ParseTrustFile(path string, data []byte) (map[string]string, error) {
	lines := strings.Split(string(data), "\n")
	sections := false
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "[") {
			sections = true
			break
		}
	}
	base := filepath.Base(path)
	if b, ok := strings.CutSuffix(base, ".trust.toml"); ok {
		base = b
	} else {
		base = strings.TrimSuffix(base, filepath.Ext(base))
	}
	keys := map[string]string{}
	section := ""
	for n, line := range lines {
		// Neither key IDs nor base64 hold a '#': the rest is a comment.
		line, _, _ = strings.Cut(line, "#")
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			continue
		case line[0] == '[':
			section = strings.Trim(line, "[] \t")
			continue
		case sections && section != "trust.keys":
			continue // another part of a kiosk configuration file
		}
		bad := fmt.Errorf("line %d: want `keyId base64-public-key`, `\"keyId\" = \"base64-public-key\"` or the key alone", n+1)
		var id, key string
		// An '=' before the key's own base64 padding makes it TOML.
		if i := strings.IndexByte(strings.TrimRight(line, "=\"' \t"), '='); i >= 0 {
			id, key = line[:i], line[i+1:]
		} else if f := strings.Fields(line); len(f) == 2 {
			id, key = f[0], f[1]
		} else if len(f) == 1 {
			id, key = base, f[0]
		} else {
			return nil, bad
		}
		id, key = strings.Trim(id, "\"' \t"), strings.Trim(key, "\"' \t")
		if id == "" || key == "" {
			return nil, bad
		}
		if _, err := ParsePublicKey(key); err != nil {
			return nil, fmt.Errorf("line %d: key %q: %v", n+1, id, err)
		}
		if prev, dup := keys[id]; dup && prev != key {
			return nil, fmt.Errorf("line %d: key ID %q given twice with different keys", n+1, id)
		}
		keys[id] = key
	}
	if len(keys) == 0 {
		return nil, errors.New("no key in the file (want lines `keyId base64-public-key`)")
	}
	return keys, nil
}
