// Package console is the node's web console for privacy officers, the FG and
// operators: Dutch pages served by the node itself (html/template, embedded,
// no JavaScript at all) on their own HTTPS listener, read-mostly.
//
// Authentication: the node writes a one-time login link to its log at
// start (Mint); the link opens a session for a console user whose
// permissions are local API permissions, checked as local API clients'
// are (identity.LocalClient.Can). Every change is a POST carrying the
// session's CSRF token; every response carries a Content-Security-Policy
// without script sources, X-Frame-Options DENY and no-referrer.
package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"sync"
	"time"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/inzage"
	"github.com/schakel/schakel/policy"
	"github.com/schakel/schakel/policy/bundle"
	"github.com/schakel/schakel/policy/signing"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// Lifetimes of a login link and of a session.
const (
	LinkTTL    = 10 * time.Minute
	SessionTTL = 8 * time.Hour
)

// CookieName is the session cookie, followed by "-" and the node's OIN:
// browsers do not tell ports apart in cookies, so the consoles of several
// nodes on one machine (the demo's) would otherwise end each other's
// sessions. The __Host- prefix makes the browser
// insist on Secure, Path=/ and no Domain.
const CookieName = "__Host-schakel-console"

// PackStatus is the active policy pack as the Regels and Status pages show it.
type PackStatus struct {
	Revision, Source string
	Signers          []Signer
	Threshold        int
	LoadedAt         time.Time
	LastRefused      *Refusal
	RefusedSinceLoad bool
	// Waiting is set while the node waits for a newly copied archive and
	// its signatures to belong together (not a refusal).
	Waiting *PackWaiting
}

// PackWaiting is a copy of policy files in progress, as the node sees it.
type PackWaiting struct {
	Since, Until time.Time
	Case         string
}

// Signer is a key that signed the active pack.
type Signer struct{ Name, Fingerprint string }

// Refusal is the last pack the node refused.
type Refusal struct {
	At                  time.Time
	Revision, Case, Why string
	FailedTests         []string
}

// PeerLog is this node's witness state of one peer's audit log.
type PeerLog struct {
	OIN, Name string
	// Size is the latest checkpoint of the peer's log this node verified.
	Size     uint64
	Verified time.Time
	// Alarm is the kind of the last inconsistency seen ("" for none), with
	// its time and text; Alarms counts them.
	Alarm, AlarmText string
	AlarmAt          time.Time
	Alarms           uint64
}

// Event is a console action the node writes to its audit log.
type Event struct {
	Action audit.Action // audit.ActionInzageRead or audit.ActionObligationComplete
	User   string       // the console user's client name
	BSN    string       // inzage
	// ObligationID and DecisionID: an obligation ticked off.
	ObligationID, DecisionID string
	OK                       bool
	Start                    time.Time
}

// Config is what the console reads from the node. Every function is required.
type Config struct {
	// SelfOIN and SelfName name the node.
	SelfOIN, SelfName string
	// Peers maps a peer's OIN to its name.
	Peers map[string]string
	// Users maps a console user's name to its permissions.
	Users map[string][]string

	Status func() PackStatus
	// Engine is the active pack's engine.
	Engine func() *policy.Engine
	// Health is the node's /healthz JSON.
	Health func() []byte
	// Audit is the node's audit store (read, and obligations ticked off).
	Audit audit.Store
	// Verify checks the audit log (audit.Verify with the node's key).
	Verify func(ctx context.Context) (audit.Report, error)
	// Witness lists this node's witness state of its peers' audit logs (the
	// latest checkpoint it verified of each, and any alarm); nil: the node
	// keeps none.
	Witness func() []PeerLog
	// Trust is what the node trusts a policy pack with (its pinned keys and
	// threshold), read when a candidate is reviewed; an error when the node
	// has no signed pack configured.
	Trust func() (signing.Trust, error)
	// Inzage decides which of the node's records about a child (by BSN) the
	// requester may see (inzage.Decide with the active pack); birth is the
	// date of birth stated at the desk, zero when none.
	Inzage func(ctx context.Context, bsn string, who inzage.Requester, birth time.Time) (inzage.View, error)
	// InzageTexts are the report's Dutch texts.
	InzageTexts func() audit.InzageTexts
	// Outbox and Inbox list notifications.
	Outbox func(ctx context.Context) (*localv1.ListNotificationsResponse, error)
	Inbox  func(ctx context.Context) (*localv1.PullNotificationsResponse, error)
	// Record writes a console action to the audit log; an error fails the action.
	Record func(ctx context.Context, ev Event) error
	// CertNotAfter is the node certificate's expiry.
	CertNotAfter time.Time
	Now          func() time.Time
	Log          *slog.Logger
}

// Server is the console.
type Server struct {
	cfg Config
	mux *http.ServeMux

	mu       sync.Mutex
	links    map[[32]byte]link     // sha256(token) -> pending link
	sessions map[[32]byte]*session // sha256(cookie) -> session
}

type link struct {
	user    string
	expires time.Time
}

type session struct {
	user    string
	client  identity.LocalClient
	csrf    string
	expires time.Time
	// candidate is the policy pack the user uploaded for review
	// (Verschillen), tried out on Proberen; guarded by Server.mu.
	candidate *candidate
}

// New returns the console.
func New(cfg Config) (*Server, error) {
	if cfg.Status == nil || cfg.Engine == nil || cfg.Health == nil || cfg.Audit == nil || cfg.Verify == nil ||
		cfg.Inzage == nil || cfg.InzageTexts == nil || cfg.Outbox == nil || cfg.Inbox == nil || cfg.Record == nil || cfg.Trust == nil {
		return nil, errors.New("console: incomplete configuration")
	}
	if len(cfg.Users) == 0 {
		return nil, errors.New("console: no users")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &Server{cfg: cfg, links: map[[32]byte]link{}, sessions: map[[32]byte]*session{}}
	s.routes()
	return s, nil
}

// Mint returns a one-time login token for user, valid for LinkTTL.
func (s *Server) Mint(user string) (string, error) {
	if _, ok := s.cfg.Users[user]; !ok {
		return "", fmt.Errorf("console: no user %q", user)
	}
	tok := random()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire()
	s.links[sha256.Sum256([]byte(tok))] = link{user: user, expires: s.cfg.Now().Add(LinkTTL)}
	return tok, nil
}

// Permissions returns a console user's permissions; false for no such user.
func (s *Server) Permissions(user string) ([]string, bool) {
	p, ok := s.cfg.Users[user]
	return p, ok
}

// expire drops expired links and sessions; s.mu is held.
func (s *Server) expire() {
	now := s.cfg.Now()
	for k, l := range s.links {
		if !now.Before(l.expires) {
			delete(s.links, k)
		}
	}
	for k, se := range s.sessions {
		if !now.Before(se.expires) {
			delete(s.sessions, k)
		}
	}
}

func random() string {
	b := make([]byte, 32) // 256 bits
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

// login consumes a link token and opens a session.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	key := sha256.Sum256([]byte(tok))
	s.mu.Lock()
	s.expire()
	l, ok := s.links[key]
	delete(s.links, key) // single use, whatever follows
	var cookie string
	if ok && tok != "" {
		cookie = random()
		s.sessions[sha256.Sum256([]byte(cookie))] = &session{
			user:    l.user,
			client:  identity.NewLocalClient("console:"+l.user, s.cfg.Users[l.user]),
			csrf:    random(),
			expires: s.cfg.Now().Add(SessionTTL),
		}
	}
	s.mu.Unlock()
	if cookie == "" {
		s.cfg.Log.Warn("console: login refused: unknown, used or expired link")
		s.fail(w, r, nil, http.StatusUnauthorized, "Deze inloglink is onbekend, al gebruikt of verlopen. Vraag een nieuwe link aan (de node schrijft er een in zijn log bij het starten).")
		return
	}
	s.cfg.Log.Info("console: login", "user", l.user)
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: cookie, Path: "/", HttpOnly: true, Secure: true,
		SameSite: http.SameSiteStrictMode, MaxAge: int(SessionTTL / time.Second)})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// logout ends the session.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, se *session) {
	s.mu.Lock()
	for k, v := range s.sessions {
		if v == se {
			delete(s.sessions, k)
		}
	}
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", HttpOnly: true, Secure: true,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
	s.render(w, r, nil, "uitgelogd", nil)
}

// cookieName is this node's session cookie.
func (s *Server) cookieName() string {
	if s.cfg.SelfOIN == "" {
		return CookieName
	}
	return CookieName + "-" + s.cfg.SelfOIN
}

// sessionOf returns the request's session, nil when none.
func (s *Server) sessionOf(r *http.Request) *session {
	c, err := r.Cookie(s.cookieName())
	if err != nil || c.Value == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire()
	return s.sessions[sha256.Sum256([]byte(c.Value))]
}

// page is a handler behind authentication, a permission and (for POST) the
// CSRF check.
type page func(w http.ResponseWriter, r *http.Request, se *session)

func (s *Server) guard(perm string, h page) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		se := s.sessionOf(r)
		if se == nil {
			s.fail(w, r, nil, http.StatusUnauthorized, "U bent niet ingelogd. Open de inloglink die de node in zijn log schrijft.")
			return
		}
		if r.Method == http.MethodPost {
			if err := parsePost(w, r); err != nil {
				s.cfg.Log.Warn("console: unreadable form", "user", se.user, "path", r.URL.Path, "err", err)
				msg := "Het formulier kon niet worden gelezen."
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					msg = fmt.Sprintf("Het formulier is te groot (meer dan %d MiB); er is niets verwerkt.", tooBig.Limit>>20)
				}
				s.fail(w, r, se, http.StatusBadRequest, msg)
				return
			}
			got := r.PostForm.Get("csrf")
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(se.csrf)) != 1 {
				s.cfg.Log.Warn("console: POST without valid CSRF token refused", "user", se.user, "path", r.URL.Path)
				s.fail(w, r, se, http.StatusForbidden, "Deze actie is geweigerd: het formulier mist een geldig beveiligingstoken (CSRF). Open de pagina opnieuw en probeer het nog eens.")
				return
			}
		}
		if perm != "" && !se.client.Can(perm) {
			s.cfg.Log.Warn("console: permission denied", "user", se.user, "path", r.URL.Path, "permission", perm)
			s.fail(w, r, se, http.StatusForbidden, fmt.Sprintf("Geen toegang: voor deze pagina heeft u het recht %q nodig, en dat heeft gebruiker %q niet.", perm, se.user))
			return
		}
		h(w, r, se)
	}
}

// Limits on a POST body: a form, or (multipart, Verschillen) a policy
// archive with its signature files.
const (
	maxForm   = 1 << 20
	maxUpload = bundle.MaxArchiveSize + maxSignatures*signing.MaxSignatureSize + 64<<10
)

// parsePost reads a POST body within its limit: a multipart form (file
// uploads) entirely in memory, any other form as URL-encoded.
func parsePost(w http.ResponseWriter, r *http.Request) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
		return r.ParseMultipartForm(maxUpload) //nolint:gosec // G120: the body is bounded by the MaxBytesReader above
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	return r.ParseForm()
}

// securityHeaders sets the headers of every response.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		hd.Set("Strict-Transport-Security", "max-age=31536000")
		h.ServeHTTP(w, r)
	})
}

// csp allows the console's own stylesheet and images, no script at all,
// forms only to itself, no framing.
const csp = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Handler is the console's HTTP handler.
func (s *Server) Handler() http.Handler { return securityHeaders(s.mux) }
