package testbroker

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// PKI is a throw-away certificate authority with its server and client
// certificates, as PEM files in one directory.
type PKI struct {
	Dir    string
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
	mu     sync.Mutex
	serial int64
}

// NewPKI creates a CA in dir.
func NewPKI(dir string) (*PKI, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "xpt test CA", Organization: []string{"XPT pilot (test)"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	p := &PKI{Dir: dir, caCert: cert, caKey: key, serial: 1}
	if err := writePEM(p.CAFile(), "CERTIFICATE", der); err != nil {
		return nil, err
	}
	return p, nil
}

// CAFile is the CA certificate (PEM).
func (p *PKI) CAFile() string { return filepath.Join(p.Dir, "ca.pem") }

func (p *PKI) certPath(name string) string { return filepath.Join(p.Dir, name+".pem") }
func (p *PKI) keyPath(name string) string  { return filepath.Join(p.Dir, name+".key") }

// Server issues the broker's certificate for host (an IP or DNS name).
func (p *PKI) Server(host string) (certFile, keyFile string, err error) {
	return p.issue("server", host, true)
}

// Client issues (once) a client certificate with CN name and returns its
// files.
func (p *PKI) Client(name string) (certFile, keyFile string, err error) {
	if _, err := os.Stat(p.certPath("client-" + name)); err == nil {
		return p.certPath("client-" + name), p.keyPath("client-" + name), nil
	}
	return p.issue("client-"+name, name, false)
}

// ClientConfig is a tls.Config that trusts the CA and presents name's
// certificate.
func (p *PKI) ClientConfig(name string) (*tls.Config, error) {
	cf, kf, err := p.Client(name)
	if err != nil {
		return nil, err
	}
	pair, err := tls.LoadX509KeyPair(cf, kf)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(p.caCert)
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

func (p *PKI) issue(file, cn string, server bool) (string, string, error) {
	p.mu.Lock()
	p.serial++
	serial := p.serial
	p.mu.Unlock()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		if ip := net.ParseIP(cn); ip != nil {
			tmpl.IPAddresses = []net.IP{ip}
		} else {
			tmpl.DNSNames = []string{cn}
		}
		tmpl.DNSNames = append(tmpl.DNSNames, "localhost")
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, &key.PublicKey, p.caKey)
	if err != nil {
		return "", "", err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", "", err
	}
	cf, kf := p.certPath(file), p.keyPath(file)
	if err := writePEM(cf, "CERTIFICATE", der); err != nil {
		return "", "", err
	}
	if err := writePEM(kf, "EC PRIVATE KEY", kder); err != nil {
		return "", "", err
	}
	return cf, kf, nil
}

func writePEM(path, typ string, der []byte) error {
	if der == nil {
		return errors.New("nothing to write")
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
}
