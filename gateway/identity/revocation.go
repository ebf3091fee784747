package identity

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/ocsp"
)

var (
	// ErrRevoked means a certificate is on its issuer's revocation list, or
	// its issuer's OCSP responder says it is revoked.
	ErrRevoked = errors.New("certificate revoked")
	// ErrCRLStale means the CRL of a certificate's issuer is past its
	// nextUpdate (plus the configured grace): whether the certificate has been
	// revoked since is unknown, so it is refused.
	ErrCRLStale = errors.New("revocation list of the issuer is past its nextUpdate")
	// ErrRevocationUnknown means the revocation status of a certificate could
	// not be established (no CRL where one is required, OCSP responder down,
	// a CRL that its issuer in the verified chain did not sign).
	ErrRevocationUnknown = errors.New("revocation status unknown")
)

// RevocationConfig says where a Revocation finds its CRLs and how strict it is.
type RevocationConfig struct {
	// Files are CRL files (PEM or DER), re-read when they change: the offline
	// alternative to fetching.
	Files []string
	// URLs are CRL distribution points fetched on a schedule.
	URLs []string
	// DistributionPoints adds the CRL distribution points (http and https)
	// named by the known issuers and by verified peer chains to URLs.
	DistributionPoints bool
	// Refresh is how often URLs are fetched (sooner when a CRL's nextUpdate
	// comes first; one minute after a failed fetch). Default one hour.
	Refresh time.Duration
	// Grace is how long after its nextUpdate a CRL still counts. Default none.
	Grace time.Duration
	// Require refuses a certificate whose issuer has neither a CRL nor (with
	// OCSP) a responder: every certificate below the anchor must be checked.
	Require bool
	// Anchors are the trust anchors; Intermediates are issuing CA
	// certificates (not trusted as anchors) whose CRLs may be loaded at
	// start. Together they are the issuers a CRL may be verified against
	// before any peer has presented a chain.
	Anchors, Intermediates []*x509.Certificate
	// OCSP asks each certificate's OCSP responder (or Responder, when set)
	// about certificates that carry one, caching answers until their
	// nextUpdate. OCSPFailOpen accepts a certificate when the responder
	// cannot be reached; the default refuses it.
	OCSP         bool
	OCSPFailOpen bool
	Responder    string
	// Timeout bounds one CRL fetch or OCSP query. Default 5 s.
	Timeout time.Duration
	Client  *http.Client
	Now     func() time.Time
	Log     *slog.Logger
}

// Revocation checks verified certificate chains against CRLs and OCSP. Each
// CRL is kept under its issuer (subject and authority key id) and verified
// against that issuer: at load time when the issuer is a known anchor or
// intermediate, and again against the issuer certificate in each verified
// chain it is used for. A CRL that fails to parse or verify, or whose number
// is lower than one already accepted for its issuer, is refused and the last
// good one stays in force.
type Revocation struct {
	cfg RevocationConfig
	log *slog.Logger
	now func() time.Time

	mu      sync.RWMutex
	crls    map[string]*crlEntry         // issuer key -> CRL in force
	numbers map[string]*big.Int          // issuer key -> highest CRL number accepted
	issuers map[string]*x509.Certificate // issuer key -> issuer certificate
	mtimes  map[string]time.Time         // file -> mtime loaded
	urls    map[string]*fetchState       // URL -> schedule
	errs    map[string]string            // source -> last refusal
	ocsp    map[string]ocspEntry         // issuer key + serial -> cached answer
	checked map[[2][32]byte]bool         // (CRL, issuer cert) hashes whose signature verified

	refused *prometheus.CounterVec
	fetches *prometheus.CounterVec
}

type crlEntry struct {
	source  string
	raw     []byte
	hash    [32]byte
	list    *x509.RevocationList
	revoked map[string]bool
}

type fetchState struct {
	next time.Time
	err  string
}

type ocspEntry struct {
	status  int
	until   time.Time
	revoked time.Time
}

// maxDistributionPoints bounds the URLs learnt from peer chains.
const maxDistributionPoints = 256

// NewRevocation loads the CRL files (each must parse and be signed by its
// issuer, which must be one of the anchors or intermediates) and fetches the
// URLs once; a URL that cannot be fetched yet is retried by Refresh.
func NewRevocation(cfg RevocationConfig) (*Revocation, error) {
	if cfg.Refresh <= 0 {
		cfg.Refresh = time.Hour
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: cfg.Timeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r := &Revocation{
		cfg: cfg, log: cfg.Log, now: cfg.Now,
		crls: map[string]*crlEntry{}, numbers: map[string]*big.Int{}, issuers: map[string]*x509.Certificate{},
		mtimes: map[string]time.Time{}, urls: map[string]*fetchState{}, errs: map[string]string{},
		ocsp: map[string]ocspEntry{}, checked: map[[2][32]byte]bool{},
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "schakel_revocation_refused_total",
			Help: "Certificates refused by the revocation check, by reason (revoked, crl_stale, crl_missing, crl_signature, ocsp_unavailable, ocsp_unknown).",
		}, []string{"reason"}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "schakel_crl_fetch_total", Help: "CRL loads from files and distribution points, by result (loaded, unchanged, refused, failed).",
		}, []string{"result"}),
	}
	for _, c := range append(append([]*x509.Certificate(nil), cfg.Anchors...), cfg.Intermediates...) {
		r.issuers[issuerKey(c.RawSubject, c.SubjectKeyId)] = c
		if cfg.DistributionPoints {
			r.learnURLs(c)
		}
	}
	for _, u := range cfg.URLs {
		if err := checkURL(u); err != nil {
			return nil, fmt.Errorf("crl url %q: %w", u, err)
		}
		r.urls[u] = &fetchState{}
	}
	for _, p := range cfg.Files {
		if err := r.loadFile(p); err != nil {
			return nil, err
		}
	}
	r.fetchDue(context.Background())
	return r, nil
}

// Register adds the revocation metrics to reg: refusals, loads and the
// number of CRLs past their nextUpdate.
func (r *Revocation) Register(reg prometheus.Registerer, listener string) error {
	stale := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "schakel_crl_stale", Help: "CRLs past their nextUpdate (plus grace); peers of their issuers are refused.",
		ConstLabels: prometheus.Labels{"listener": listener},
	}, func() float64 {
		n := 0
		for _, s := range r.Status() {
			if s.Stale {
				n++
			}
		}
		return float64(n)
	})
	for _, c := range []prometheus.Collector{
		prometheus.WrapCollectorWith(prometheus.Labels{"listener": listener}, r.refused),
		prometheus.WrapCollectorWith(prometheus.Labels{"listener": listener}, r.fetches),
		stale,
	} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

func issuerKey(rawSubject, keyID []byte) string {
	return string(rawSubject) + "\x00" + hex.EncodeToString(keyID)
}

func checkURL(u string) error {
	p, err := url.Parse(u)
	if err != nil {
		return err
	}
	if p.Scheme != "http" && p.Scheme != "https" {
		return errors.New("only http and https distribution points are fetched")
	}
	if p.Host == "" {
		return errors.New("no host")
	}
	return nil
}

// learnURLs adds c's CRL distribution points; the caller holds r.mu or is
// still constructing r.
func (r *Revocation) learnURLs(c *x509.Certificate) {
	for _, u := range c.CRLDistributionPoints {
		if _, ok := r.urls[u]; ok || len(r.urls) >= maxDistributionPoints || checkURL(u) != nil {
			continue
		}
		r.urls[u] = &fetchState{}
	}
}

func (r *Revocation) loadFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("crl %s: %w", path, err)
	}
	b, err := readPEM(path, false)
	if err != nil {
		return fmt.Errorf("crl %s: %w", path, err)
	}
	if err := r.install(path, b); err != nil {
		return err
	}
	r.mu.Lock()
	r.mtimes[path] = fi.ModTime()
	r.mu.Unlock()
	return nil
}

// install parses, verifies and installs one CRL from source.
func (r *Revocation) install(source string, b []byte) error {
	if blk, _ := pem.Decode(b); blk != nil {
		b = blk.Bytes
	}
	refuse := func(format string, args ...any) error {
		err := fmt.Errorf("crl %s: %s", source, fmt.Sprintf(format, args...))
		r.fetches.WithLabelValues("refused").Inc()
		r.mu.Lock()
		r.errs[source] = err.Error()
		r.mu.Unlock()
		return err
	}
	list, err := x509.ParseRevocationList(b)
	if err != nil {
		return refuse("%v", err)
	}
	if list.NextUpdate.IsZero() {
		return refuse("has no nextUpdate; a CRL without one can never be known stale")
	}
	key := issuerKey(list.RawIssuer, list.AuthorityKeyId)
	hash := sha256.Sum256(b)
	r.mu.RLock()
	issuer := r.issuers[key]
	cur := r.crls[key]
	highest := r.numbers[key]
	r.mu.RUnlock()
	if cur != nil && cur.hash == hash {
		r.fetches.WithLabelValues("unchanged").Inc()
		return nil
	}
	if issuer == nil {
		return refuse("issuer %q is neither a trust anchor nor a configured intermediate (trust.intermediates)", list.Issuer.String())
	}
	if err := list.CheckSignatureFrom(issuer); err != nil {
		return refuse("not signed by its issuer %q: %v", issuer.Subject.String(), err)
	}
	if list.Number == nil {
		return refuse("has no CRL number")
	}
	if highest != nil && list.Number.Cmp(highest) <= 0 {
		return refuse("CRL number %s is not above %s, already accepted for %q; an older list is never taken back", list.Number, highest, list.Issuer.String())
	}
	e := &crlEntry{source: source, raw: b, hash: hash, list: list, revoked: make(map[string]bool, len(list.RevokedCertificateEntries))}
	for _, rc := range list.RevokedCertificateEntries {
		e.revoked[serialString(rc.SerialNumber)] = true
	}
	r.mu.Lock()
	r.crls[key] = e
	r.numbers[key] = new(big.Int).Set(list.Number)
	r.checked[[2][32]byte{hash, sha256.Sum256(issuer.Raw)}] = true
	delete(r.errs, source)
	r.mu.Unlock()
	r.fetches.WithLabelValues("loaded").Inc()
	return nil
}

// Refresh re-reads the CRL files that changed since they were loaded and
// fetches the distribution points that are due. A refused or failed update
// keeps the last good list.
func (r *Revocation) Refresh() {
	if r == nil {
		return
	}
	for _, p := range r.cfg.Files {
		fi, err := os.Stat(p)
		if err != nil {
			r.log.Error("crl unreadable; keeping the last good list", "path", p, "err", err)
			continue
		}
		r.mu.RLock()
		same := fi.ModTime().Equal(r.mtimes[p])
		r.mu.RUnlock()
		if same {
			continue
		}
		if err := r.loadFile(p); err != nil {
			r.log.Error("crl refused; keeping the last good list", "path", p, "err", err)
			continue
		}
		r.log.Info("crl reloaded", "path", p)
	}
	r.fetchDue(context.Background())
}

func (r *Revocation) fetchDue(ctx context.Context) {
	now := r.now()
	r.mu.RLock()
	var due []string
	for u, st := range r.urls {
		if !now.Before(st.next) {
			due = append(due, u)
		}
	}
	r.mu.RUnlock()
	sort.Strings(due)
	for _, u := range due {
		next := now.Add(r.cfg.Refresh)
		errText := ""
		if err := r.fetch(ctx, u); err != nil {
			r.log.Error("crl fetch failed; keeping the last good list", "url", u, "err", err)
			next, errText = now.Add(time.Minute), err.Error()
		}
		r.mu.Lock()
		// Fetch again before the list in force goes stale.
		for _, e := range r.crls {
			if e.source == u && e.list.NextUpdate.Before(next) && e.list.NextUpdate.After(now) {
				next = e.list.NextUpdate
			}
		}
		r.urls[u] = &fetchState{next: next, err: errText}
		r.mu.Unlock()
	}
}

func (r *Revocation) fetch(ctx context.Context, u string) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := r.cfg.Client.Do(req)
	if err != nil {
		r.fetches.WithLabelValues("failed").Inc()
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		r.fetches.WithLabelValues("failed").Inc()
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxPEMFile+1))
	if err != nil {
		r.fetches.WithLabelValues("failed").Inc()
		return err
	}
	if len(b) > maxPEMFile {
		r.fetches.WithLabelValues("failed").Inc()
		return fmt.Errorf("larger than %d bytes", maxPEMFile)
	}
	return r.install(u, b)
}

// CheckChain checks every certificate of a verified chain (leaf first, the
// anchor last) against its issuer, the next certificate of the chain: the
// issuer's CRL must be verified by that issuer, be within its nextUpdate
// (plus grace) and not list the certificate; with OCSP, the issuer's
// responder must say good. Use it as the check of ServerTLS and ClientTLS.
func (r *Revocation) CheckChain(chain []*x509.Certificate) error {
	if r == nil {
		return nil
	}
	for i := 0; i+1 < len(chain); i++ {
		if err := r.checkOne(chain[i], chain[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func (r *Revocation) refuse(reason string, err error) error {
	r.refused.WithLabelValues(reason).Inc()
	r.log.Warn("certificate refused", "reason", reason, "err", err)
	return err
}

func (r *Revocation) checkOne(c, issuer *x509.Certificate) error {
	key := issuerKey(issuer.RawSubject, issuer.SubjectKeyId)
	now := r.now()
	r.mu.Lock()
	e := r.crls[key]
	if _, known := r.issuers[key]; !known {
		// A verified chain names this issuer: a later CRL from it can be
		// verified, and with distribution points enabled it is fetched.
		r.issuers[key] = issuer
	}
	if r.cfg.DistributionPoints {
		r.learnURLs(c)
	}
	r.mu.Unlock()
	covered := false
	if e != nil {
		pair := [2][32]byte{e.hash, sha256.Sum256(issuer.Raw)}
		r.mu.RLock()
		ok := r.checked[pair]
		r.mu.RUnlock()
		if !ok {
			if err := e.list.CheckSignatureFrom(issuer); err != nil {
				return r.refuse("crl_signature", fmt.Errorf("%w: the CRL for %q is not signed by the issuer in the verified chain: %v", ErrRevocationUnknown, issuer.Subject.String(), err))
			}
			r.mu.Lock()
			r.checked[pair] = true
			r.mu.Unlock()
		}
		if limit := e.list.NextUpdate.Add(r.cfg.Grace); now.After(limit) {
			return r.refuse("crl_stale", fmt.Errorf("%w: CRL of %q (number %s) was due %s", ErrCRLStale, issuer.Subject.String(), e.list.Number, e.list.NextUpdate.UTC().Format(time.RFC3339)))
		}
		if e.revoked[serialString(c.SerialNumber)] {
			return r.refuse("revoked", fmt.Errorf("%w: serial %s (CRL of %q)", ErrRevoked, c.SerialNumber, issuer.Subject.String()))
		}
		covered = true
	}
	if r.cfg.OCSP && (r.cfg.Responder != "" || len(c.OCSPServer) > 0) {
		if err := r.checkOCSP(c, issuer, key, now); err != nil {
			return err
		}
		covered = true
	}
	if !covered && r.cfg.Require {
		return r.refuse("crl_missing", fmt.Errorf("%w: no CRL or OCSP responder for %q, and trust.require_revocation is set", ErrRevocationUnknown, issuer.Subject.String()))
	}
	return nil
}

func (r *Revocation) checkOCSP(c, issuer *x509.Certificate, key string, now time.Time) error {
	ck := key + "\x00" + serialString(c.SerialNumber)
	r.mu.RLock()
	cached, ok := r.ocsp[ck]
	r.mu.RUnlock()
	if !ok || !now.Before(cached.until) {
		var err error
		cached, err = r.queryOCSP(c, issuer, now)
		if err != nil {
			if r.cfg.OCSPFailOpen {
				r.log.Warn("ocsp responder unavailable; accepting (trust.ocsp.fail_open)", "issuer", issuer.Subject.String(), "serial", c.SerialNumber.String(), "err", err)
				return nil
			}
			return r.refuse("ocsp_unavailable", fmt.Errorf("%w: OCSP for serial %s of %q: %v", ErrRevocationUnknown, c.SerialNumber, issuer.Subject.String(), err))
		}
		r.mu.Lock()
		r.ocsp[ck] = cached
		r.mu.Unlock()
	}
	switch cached.status {
	case ocsp.Good:
		return nil
	case ocsp.Revoked:
		return r.refuse("revoked", fmt.Errorf("%w: serial %s (OCSP of %q, revoked %s)", ErrRevoked, c.SerialNumber, issuer.Subject.String(), cached.revoked.UTC().Format(time.RFC3339)))
	default:
		return r.refuse("ocsp_unknown", fmt.Errorf("%w: the OCSP responder of %q does not know serial %s", ErrRevocationUnknown, issuer.Subject.String(), c.SerialNumber))
	}
}

// ocspMaxCache bounds how long an answer without nextUpdate, or with a far
// one, is reused.
const ocspMaxCache = time.Hour

func (r *Revocation) queryOCSP(c, issuer *x509.Certificate, now time.Time) (ocspEntry, error) {
	responder := r.cfg.Responder
	if responder == "" {
		responder = c.OCSPServer[0]
	}
	if err := checkURL(responder); err != nil {
		return ocspEntry{}, fmt.Errorf("responder %q: %w", responder, err)
	}
	reqDER, err := ocsp.CreateRequest(c, issuer, &ocsp.RequestOptions{})
	if err != nil {
		return ocspEntry{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responder, bytes.NewReader(reqDER))
	if err != nil {
		return ocspEntry{}, err
	}
	req.Header.Set("Content-Type", "application/ocsp-request")
	resp, err := r.cfg.Client.Do(req)
	if err != nil {
		return ocspEntry{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ocspEntry{}, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return ocspEntry{}, err
	}
	res, err := ocsp.ParseResponseForCert(b, c, issuer)
	if err != nil {
		return ocspEntry{}, err
	}
	if res.SerialNumber == nil || res.SerialNumber.Cmp(c.SerialNumber) != 0 {
		return ocspEntry{}, errors.New("answer is about another certificate")
	}
	if res.Certificate != nil {
		// A delegated responder must be authorised for OCSP signing (RFC 6960 4.2.2.2).
		authorised := false
		for _, u := range res.Certificate.ExtKeyUsage {
			authorised = authorised || u == x509.ExtKeyUsageOCSPSigning
		}
		if !authorised {
			return ocspEntry{}, errors.New("delegated responder certificate lacks the OCSP signing usage")
		}
	}
	if res.ThisUpdate.After(now.Add(5 * time.Minute)) {
		return ocspEntry{}, errors.New("answer's thisUpdate is in the future")
	}
	until := now.Add(ocspMaxCache)
	if !res.NextUpdate.IsZero() {
		if !now.Before(res.NextUpdate.Add(r.cfg.Grace)) {
			return ocspEntry{}, errors.New("answer is past its nextUpdate")
		}
		if res.NextUpdate.Before(until) {
			until = res.NextUpdate
		}
	}
	return ocspEntry{status: res.Status, until: until, revoked: res.RevokedAt}, nil
}

// CRLStatus is one CRL in force, for /healthz.
type CRLStatus struct {
	Issuer     string    `json:"issuer"`
	Source     string    `json:"source"`
	Number     string    `json:"number"`
	ThisUpdate time.Time `json:"this_update"`
	NextUpdate time.Time `json:"next_update"`
	Revoked    int       `json:"revoked"`
	Stale      bool      `json:"stale"`
}

// Status lists the CRLs in force, sorted by issuer.
func (r *Revocation) Status() []CRLStatus {
	if r == nil {
		return nil
	}
	now := r.now()
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]CRLStatus, 0, len(r.crls))
	for _, e := range r.crls {
		out = append(out, CRLStatus{
			Issuer: e.list.Issuer.String(), Source: e.source, Number: e.list.Number.String(),
			ThisUpdate: e.list.ThisUpdate, NextUpdate: e.list.NextUpdate, Revoked: len(e.revoked),
			Stale: now.After(e.list.NextUpdate.Add(r.cfg.Grace)),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Issuer < out[j].Issuer })
	return out
}

// Errors lists the last refusal or fetch failure per source that has not
// been followed by a good load.
func (r *Revocation) Errors() map[string]string {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := map[string]string{}
	for s, e := range r.errs {
		out[s] = e
	}
	for u, st := range r.urls {
		if st.err != "" {
			out[u] = st.err
		}
	}
	return out
}

func serialString(n *big.Int) string {
	if n == nil {
		return ""
	}
	return n.String()
}
