package scanner

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/xpt-pilot/xpt-kiosk/agent/wire"
)

// LoadTrust reads trusted central public keys from a file, in any of the
// forms the central tools write:
//
//	# comment
//	central-2026-a MCowBQYDK2VwAyEA...            keyId and standard-base64 key
//	"central-2026-a" = "MCowBQYDK2VwAyEA..."      the [trust.keys] TOML snippet
//	central-2026-a = MCowBQYDK2VwAyEA...
//	MCowBQYDK2VwAyEA...                           alone: a KEYID.pub file
//
// In a file with TOML sections (the kiosk's configuration file, say) only
// the [trust.keys] section is read. A key alone takes its key ID from the
// file name without .pub.
func LoadTrust(path string) (*wire.KeyRing, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	keys := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	n := 0
	section := ""
	hasSections := false
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "[") {
			hasSections = true
		}
	}
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if line[0] == '[' {
			section = strings.Trim(strings.TrimSpace(strings.SplitN(line, "#", 2)[0]), "[] ")
			continue
		}
		if hasSections && section != "trust.keys" {
			continue // another part of a kiosk configuration file
		}
		var id, key string
		// a '=' before the key's base64 padding makes it the TOML form
		if i := strings.IndexByte(strings.TrimRight(line, "=\"' "), '='); i >= 0 {
			id, key = line[:i], line[i+1:]
		} else if f := strings.Fields(line); len(f) == 2 {
			id, key = f[0], f[1]
		} else if len(f) == 1 {
			id, key = strings.TrimSuffix(filepath.Base(path), ".pub"), f[0]
		} else {
			return nil, fmt.Errorf("%s line %d: want `keyId base64-public-key`", path, n)
		}
		id, key = strings.Trim(id, `"' `), strings.Trim(key, `"' `)
		if id == "" || key == "" {
			return nil, fmt.Errorf("%s line %d: want `keyId base64-public-key`", path, n)
		}
		keys[id] = key
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: no keys (want lines `keyId base64-public-key`)", path)
	}
	kr, err := wire.NewKeyRing(keys)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return kr, nil
}
