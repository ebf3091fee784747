package console

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/identity"
)

// clock is a settable time for the link and session lifetimes.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// unitServer is a console whose pages are not visited (only login and
// sessions are): the stores are nil behind non-nil functions.
func unitServer(t *testing.T, c *clock) *Server {
	t.Helper()
	var st struct{ audit.Store }
	_, err := New(Config{
		SelfName: "test", Users: map[string][]string{"beheerder": identity.Permissions, "lezer": {identity.PermStatus}},
		Status: func() PackStatus { return PackStatus{} }, Engine: nil, Health: func() []byte { return []byte(`{"status":"serving"}`) },
		Audit: st, Now: c.now,
	})
	if err == nil {
		t.Fatal("New accepted a configuration without Engine and others")
	}
	if !strings.Contains(err.Error(), "incomplete") {
		t.Fatalf("error %v", err)
	}
	// A complete one: the functions are never called by these tests.
	s := &Server{cfg: Config{SelfName: "test", Users: map[string][]string{"beheerder": identity.Permissions, "lezer": {identity.PermStatus}},
		Now: c.now, Log: nil}, links: map[[32]byte]link{}, sessions: map[[32]byte]*session{}}
	s.cfg.Log = discard()
	s.routes()
	return s
}

func get(h http.Handler, path string, cookie *http.Cookie) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "https://console.test"+path, nil)
	if cookie != nil {
		r.AddCookie(cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestLoginLinkOnceAndExpiry(t *testing.T) {
	c := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	s := unitServer(t, c)
	h := s.Handler()

	tok, err := s.Mint("beheerder")
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 64 {
		t.Errorf("token %q is not 256 bits in hex", tok)
	}
	if _, err := s.Mint("niemand"); err == nil {
		t.Error("minted a link for an unknown user")
	}
	w := get(h, "/login?token="+tok, nil)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("login: %d", w.Code)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != CookieName || !cookies[0].HttpOnly || !cookies[0].Secure || cookies[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie %+v", cookies)
	}
	session := cookies[0]
	if w := get(h, "/login?token="+tok, nil); w.Code != http.StatusUnauthorized {
		t.Errorf("second use: %d, want 401", w.Code)
	}
	// A prefix or a case change of a token is not the token.
	tok2, _ := s.Mint("beheerder")
	for _, bad := range []string{tok2[:63], strings.ToUpper(tok2), tok2 + "0", ""} {
		if w := get(h, "/login?token="+bad, nil); w.Code != http.StatusUnauthorized {
			t.Errorf("token %q: %d", bad, w.Code)
		}
	}
	// Tried once wrongly or not, the link is still single use: the wrong
	// attempts above did not consume tok2.
	if w := get(h, "/login?token="+tok2, nil); w.Code != http.StatusSeeOther {
		t.Errorf("tok2 after wrong attempts: %d", w.Code)
	}
	// A link older than LinkTTL is refused.
	tok3, _ := s.Mint("lezer")
	c.add(LinkTTL)
	if w := get(h, "/login?token="+tok3, nil); w.Code != http.StatusUnauthorized {
		t.Errorf("expired link: %d, want 401", w.Code)
	}
	// The session lives SessionTTL from login, then ends.
	c.add(SessionTTL - LinkTTL - time.Second)
	if w := get(h, "/", session); w.Code == http.StatusUnauthorized {
		t.Errorf("session before its end: %d", w.Code)
	}
	c.add(time.Second)
	if w := get(h, "/", session); w.Code != http.StatusUnauthorized {
		t.Errorf("session after SessionTTL: %d, want 401", w.Code)
	}
	// A made-up cookie is no session.
	if w := get(h, "/", &http.Cookie{Name: CookieName, Value: strings.Repeat("a", 64)}); w.Code != http.StatusUnauthorized {
		t.Errorf("made-up cookie: %d", w.Code)
	}
}

func TestHeadersOnEveryResponse(t *testing.T) {
	s := unitServer(t, &clock{t: time.Now()})
	for _, path := range []string{"/", "/login?token=x", "/static/console.css", "/bestaat-niet"} {
		w := get(s.Handler(), path, nil)
		if got := w.Header().Get("Content-Security-Policy"); !strings.Contains(got, "script-src 'none'") || !strings.Contains(got, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, got)
		}
		if w.Header().Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: no X-Frame-Options DENY", path)
		}
	}
	if !strings.Contains(inzageCSP, "style-src 'sha256-") || strings.Contains(inzageCSP, "unsafe") {
		t.Errorf("inzage CSP %q", inzageCSP)
	}
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
