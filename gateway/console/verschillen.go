package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/schakel/schakel/policy"
	"github.com/schakel/schakel/policy/bundle"
	"github.com/schakel/schakel/policy/diff"
	"github.com/schakel/schakel/policy/signing"
)

// maxSignatures bounds the signature files of one upload.
const maxSignatures = 16

// reviewTimeout bounds the work on one candidate: its tests, scenarios and
// the diff's scenario runs under both packs.
const reviewTimeout = time.Minute

// candidate is a policy pack a console user uploaded for review. The
// console never activates it: a node runs only the signed archive named in
// its configuration (policy.bundle), after its own checks.
type candidate struct {
	Name, Revision string
	Uploaded       time.Time
	// Engine decides on the candidate (Proberen); nil when it does not load.
	Engine *policy.Engine
	// Problem is why the candidate could not be loaded ("" when it loads).
	Problem string
	// SameAsActive: the candidate is the active pack.
	SameAsActive bool
	Active       string // the active pack's revision when compared
	Report       *diff.Report
	Tests        testResult
	Signatures   signatureResult
}

// testResult is the outcome of the candidate's own tests (ValidatePack).
type testResult struct {
	RegoTests, Scenarios int
	Failed               []string
	// Problem: the tests could not run (or another check failed).
	Problem string
}

// signatureResult is which trusted keys signed the candidate.
type signatureResult struct {
	// Checked: the node trusts keys, so the signatures could be checked.
	Checked   bool
	Problem   string // why not, or what is wrong with the signatures
	Threshold int
	Signed    []Signer
	// Unsigned are trusted keys that have not signed yet; Expired, keys whose
	// Not-After has passed (their signatures do not count).
	Unsigned, Expired []string
	Ignored           []string // signatures that did not count, and why
	Offered           int
}

// Needed is how many more distinct trusted signers the candidate needs.
func (r signatureResult) Needed() int { return max(0, r.Threshold-len(r.Signed)) }

// Enough reports whether the candidate meets the threshold.
func (r signatureResult) Enough() bool { return r.Checked && r.Needed() == 0 }

// Lines are the report's pack sections for the template: the line without
// its marker, the marker's class, and whether it details the line above.
type diffLine struct {
	Text, Kind string
	Detail     bool
}

func diffLines(lines []string) []diffLine {
	out := make([]diffLine, 0, len(lines))
	for _, l := range lines {
		d := diffLine{Text: l}
		if rest, ok := strings.CutPrefix(l, "    "); ok {
			d.Text, d.Detail = rest, true
		}
		switch {
		case strings.HasPrefix(d.Text, "+ "):
			d.Kind = "toegevoegd"
		case strings.HasPrefix(d.Text, "- "):
			d.Kind = "verwijderd"
		case strings.HasPrefix(d.Text, "~ "):
			d.Kind = "gewijzigd"
		case strings.HasPrefix(d.Text, "! "):
			d.Kind = "waarschuwing"
		}
		out = append(out, d)
	}
	return out
}

func (s *Server) candidateOf(se *session) *candidate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return se.candidate
}

func (s *Server) verschillen(w http.ResponseWriter, r *http.Request, se *session) {
	c := s.candidateOf(se)
	active := s.cfg.Engine().Revision()
	s.render(w, r, se, "verschillen", struct {
		C       *candidate
		Active  string
		Stale   bool
		Lines   func([]string) []diffLine
		MaxSigs int
	}{c, active, c != nil && c.Active != "" && c.Active != active, diffLines, maxSignatures})
}

// upload reviews an uploaded candidate archive with its signature files:
// which trusted keys signed it, its own tests and scenarios, and the diff
// against the active pack. The candidate stays in the session (for
// Proberen) until the next upload, "vergeten" or the end of the session.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, se *session) {
	if r.MultipartForm == nil {
		s.fail(w, r, se, http.StatusBadRequest, "Kies het archief van het kandidaat-pakket (pakket.tar.gz) en de handtekeningen, en verstuur het formulier opnieuw.")
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	files := r.MultipartForm.File
	if len(files["archief"]) != 1 {
		s.fail(w, r, se, http.StatusBadRequest, "Kies precies één archief (pakket.tar.gz, gemaakt met schakel policy build).")
		return
	}
	archive, err := readPart(files["archief"][0], bundle.MaxArchiveSize)
	if err != nil {
		s.fail(w, r, se, http.StatusBadRequest, "Het archief kon niet worden gelezen: "+err.Error())
		return
	}
	if len(files["handtekeningen"]) > maxSignatures {
		s.fail(w, r, se, http.StatusBadRequest, fmt.Sprintf("Te veel handtekeningbestanden (%d; hoogstens %d).", len(files["handtekeningen"]), maxSignatures))
		return
	}
	var sigs []signing.Signature
	for _, fh := range files["handtekeningen"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // the browser sends an empty part when none was chosen
		}
		data, err := readPart(fh, signing.MaxSignatureSize)
		if err != nil {
			s.fail(w, r, se, http.StatusBadRequest, fmt.Sprintf("Handtekening %q kon niet worden gelezen: %v", baseName(fh.Filename), err))
			return
		}
		sigs = append(sigs, signing.Signature{Source: baseName(fh.Filename), Data: data})
	}
	ctx, cancel := context.WithTimeout(r.Context(), reviewTimeout)
	defer cancel()
	c := s.review(ctx, baseName(files["archief"][0].Filename), archive, sigs)
	s.cfg.Log.Info("console: candidate pack reviewed", "user", se.user, "revision", c.Revision,
		"signers", len(c.Signatures.Signed), "threshold", c.Signatures.Threshold, "problem", c.Problem)
	s.mu.Lock()
	se.candidate = c
	s.mu.Unlock()
	http.Redirect(w, r, "/verschillen", http.StatusSeeOther)
}

// forget drops the session's candidate.
func (s *Server) forget(w http.ResponseWriter, r *http.Request, se *session) {
	s.mu.Lock()
	se.candidate = nil
	s.mu.Unlock()
	http.Redirect(w, r, "/verschillen", http.StatusSeeOther)
}

// review checks a candidate: signatures first (they need no parsing of the
// archive), then its own tests, then the diff against the active pack.
func (s *Server) review(ctx context.Context, name string, archive []byte, sigs []signing.Signature) *candidate {
	c := &candidate{Name: name, Revision: bundle.Revision(archive), Uploaded: s.cfg.Now()}
	c.Signatures = s.signatures(archive, sigs)
	active := s.cfg.Engine()
	c.Active, c.SameAsActive = active.Revision(), c.Revision == active.Revision()
	fsys, err := bundle.Open(archive)
	if err != nil {
		c.Problem = "Het archief is geen geldig beleidspakket: " + err.Error()
		return c
	}
	v, err := signing.ValidatePack(ctx, fsys, c.Revision)
	var pe *signing.PackError
	switch {
	case err == nil:
		c.Engine = v.Engine
		c.Tests.RegoTests, c.Tests.Scenarios = v.RegoTests, v.Scenarios
	case errors.As(err, &pe) && len(pe.FailedTests) > 0:
		// The tests fail, but the pack loads: show which, and the diff.
		c.Tests.Failed = pe.FailedTests
		if _, c.Engine, err = signing.LoadUntested(fsys, c.Revision); err != nil {
			c.Problem = "Het pakket laadt niet: " + err.Error()
			return c
		}
	default:
		c.Problem = "Het pakket laadt niet, of zijn tests konden niet draaien: " + err.Error()
		return c
	}
	if c.Report, err = diff.CompareEngines(ctx, active, c.Engine); err != nil {
		c.Problem = "De verschillen konden niet worden bepaald: " + err.Error()
	}
	return c
}

// signatures checks sigs against the node's trusted keys and threshold.
func (s *Server) signatures(archive []byte, sigs []signing.Signature) signatureResult {
	out := signatureResult{Offered: len(sigs)}
	trust, err := s.cfg.Trust()
	if err != nil {
		out.Problem = "De handtekeningen kunnen hier niet worden gecontroleerd: " + err.Error()
		return out
	}
	if trust.Now.IsZero() {
		trust.Now = s.cfg.Now()
	}
	out.Checked, out.Threshold = true, trust.Threshold
	res, err := signing.CheckSignatures(archive, sigs, trust)
	signed := map[string]bool{}
	for _, sg := range res.Signers {
		signed[sg.ID] = true
		out.Signed = append(out.Signed, Signer{Name: sg.Name, Fingerprint: sg.ID})
	}
	for _, k := range trust.Keys {
		switch {
		case signed[k.Fingerprint()]:
		case k.ExpiredAt(trust.Now):
			out.Expired = append(out.Expired, k.Name)
		case !slices.Contains(out.Unsigned, k.Name):
			out.Unsigned = append(out.Unsigned, k.Name)
		}
	}
	for _, f := range res.Failures {
		out.Ignored = append(out.Ignored, f.Source+": "+f.Err.Error())
	}
	if err != nil && !errors.Is(err, signing.ErrBelowThreshold) && !errors.Is(err, signing.ErrUnsigned) {
		out.Problem = err.Error()
	}
	return out
}

// readPart reads an uploaded file, refusing one larger than limit.
func readPart(fh *multipart.FileHeader, limit int64) ([]byte, error) {
	if fh.Size > limit {
		return nil, fmt.Errorf("het bestand is %d bytes, meer dan %d", fh.Size, limit)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("het bestand is groter dan %d bytes", limit)
	}
	return data, nil
}

// baseName is the last element of an uploaded file's name (browsers send a
// bare name; others may send a path), for messages only.
func baseName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "." || name == "/" || name == "" {
		return "(zonder naam)"
	}
	return name
}
