package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/internal/demo"
	"github.com/xpt-pilot/xpt-kiosk/internal/logbuf"
	"github.com/xpt-pilot/xpt-kiosk/internal/testbroker"
)

// With ui.certFile and ui.keyFile the consoles are served over HTTPS with
// Secure cookies, and a request for another host is refused.
func TestConsolesOverTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo kiosk")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	pki, err := testbroker.NewPKI(filepath.Join(t.TempDir(), "pki"))
	if err != nil {
		t.Fatal(err)
	}
	cert, key, err := pki.Server("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	o := demo.Options{Dir: dir, Listen: "127.0.0.1:0", Count: 4, LogLevel: "warn",
		DocumentTimeout: 3 * time.Second, CardTimeout: 2 * time.Second}
	env, cfg, err := demo.StartWith(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	cfg.UI.CertFile, cfg.UI.KeyFile = cert, key
	var logs logbuf.Buffer
	base, done := startAgent(t, ctx, cfg, env, &logs)
	if !strings.HasPrefix(base, "https://127.0.0.1:") {
		t.Fatalf("consoles at %s", base)
	}
	tc, err := pki.ClientConfig("browser")
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
	resp, err := hc.Post(base+"/api/tech/login", "application/json", strings.NewReader(`{"account":"T100","password":"technician-demo-password"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(resp.Cookies()) != 1 || !resp.Cookies()[0].Secure {
		t.Fatalf("login over TLS: %d, cookies %+v", resp.StatusCode, resp.Cookies())
	}
	req, _ := http.NewRequest("POST", base+"/api/traveler/start", strings.NewReader(`{"lang":"en"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Host = "evil.example"
	resp, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("Host evil.example: %d", resp.StatusCode)
	}
	// Plain HTTP is not served.
	if resp, err := http.Get("http" + strings.TrimPrefix(base, "https") + "/"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP served")
		}
	}
	stopAgent(t, cancel, done, &logs)
}
