package ui

import (
	"crypto/tls"
	"fmt"
	"time"
)

// LoadTLS loads the consoles' certificate (with its chain) and key, PEM,
// into a server configuration (TLS 1.2 at least), and returns when the
// certificate expires. Serve with it and set Options.SecureCookies.
func LoadTLS(certFile, keyFile string) (*tls.Config, time.Time, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("TLS certificate %s, key %s: %w", certFile, keyFile, err)
	}
	var notAfter time.Time
	if pair.Leaf != nil {
		notAfter = pair.Leaf.NotAfter
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, notAfter, nil
}
