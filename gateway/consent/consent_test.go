package consent

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/bsn"
)

// vocab is a hand-written Vocabulary with a few purposes and categories.
type vocab struct{ purposes, categories []string }

func (v vocab) KnownPurpose(s string) bool  { return contains(v.purposes, s) }
func (v vocab) KnownCategory(s string) bool { return contains(v.categories, s) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var testVocab = vocab{
	purposes:   []string{"afstemming_hulp_onderwijs", "schoolparticipatie"},
	categories: []string{"identificatie", "verzuim", "opp", "observaties", "advies"},
}

const (
	basBSN  = "999990196"
	tinaBSN = "999990299"
	zorgOIN = "00000001000000000002"
)

var t0 = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

func valid() Consent {
	until := t0.AddDate(1, 0, 0)
	return Consent{
		BSN: basBSN, GivenBy: GivenByOuder, RecipientOIN: zorgOIN, Purpose: "afstemming_hulp_onderwijs",
		Categories: []string{"identificatie", "verzuim", "opp"}, GivenAt: t0, ValidUntil: &until,
	}
}

func TestValidate(t *testing.T) {
	before := t0.Add(-time.Hour)
	tests := []struct {
		name   string
		change func(*Consent)
		want   []string // each must appear; none means valid
	}{
		{"valid", func(*Consent) {}, nil},
		{"valid jeugdige without end", func(c *Consent) { c.GivenBy = GivenByJeugdige; c.ValidUntil = nil }, nil},
		{"bsn", func(c *Consent) { c.BSN = "999990197" }, []string{"bsn: fails the 11-proef"}},
		{"bsn length", func(c *Consent) { c.BSN = "1234" }, []string{"bsn: must be 9 digits"}},
		{"given_by", func(c *Consent) { c.GivenBy = "opa" }, []string{`given_by must be "ouder" or "jeugdige", got "opa"`}},
		{"recipient", func(c *Consent) { c.RecipientOIN = "0000000100000000000X" }, []string{"recipient_oin must be 20 digits"}},
		{"purpose missing", func(c *Consent) { c.Purpose = "" }, []string{"purpose is required"}},
		{"purpose unknown", func(c *Consent) { c.Purpose = "onderzoek" }, []string{`unknown purpose "onderzoek"`}},
		{"no categories", func(c *Consent) { c.Categories = nil }, []string{"at least one category"}},
		{"unknown category", func(c *Consent) { c.Categories = []string{"verzuim", "schoenmaat"} }, []string{`unknown category "schoenmaat"`}},
		{"duplicate category", func(c *Consent) { c.Categories = []string{"verzuim", "verzuim"} }, []string{`category "verzuim" listed twice`}},
		{"given_at", func(c *Consent) { c.GivenAt = time.Time{} }, []string{"given_at is required"}},
		{"valid_until before", func(c *Consent) { c.ValidUntil = &before }, []string{"valid_until must be after given_at"}},
		{"valid_until equal", func(c *Consent) { c.ValidUntil = &t0 }, []string{"valid_until must be after given_at"}},
		{"everything at once", func(c *Consent) {
			*c = Consent{BSN: "x", GivenBy: "", RecipientOIN: "1", Purpose: "p", Categories: []string{"a", "verzuim"}}
		}, []string{"bsn: must be 9 digits", "given_by", "recipient_oin", `unknown purpose "p"`, `unknown category "a"`, "given_at is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.change(&c)
			err := Validate(c, testVocab)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate = %v, want ErrInvalid", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate = %q, want it to name %q", err, w)
				}
			}
			if lines := strings.Count(err.Error(), "\n") + 1; lines != len(tt.want) {
				t.Errorf("%d problems reported, want %d:\n%v", lines, len(tt.want), err)
			}
		})
	}
	t.Run("bsn problem wraps bsn.ErrInvalid", func(t *testing.T) {
		c := valid()
		c.BSN = "999990197"
		if err := Validate(c, testVocab); !errors.Is(err, bsn.ErrInvalid) {
			t.Fatalf("Validate = %v, want bsn.ErrInvalid in the chain", err)
		}
	})
}

func open(t *testing.T, path string) *SQLiteStore {
	t.Helper()
	s, err := OpenSQLite(path, testVocab, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRegisterListWithdraw(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "consents.db"))

	later := valid()
	later.GivenAt = t0.Add(time.Hour)
	later.Purpose = "schoolparticipatie"
	later.Categories = []string{"advies"}
	c2, err := s.Register(ctx, later)
	if err != nil {
		t.Fatal(err)
	}
	in := valid()
	in.ID = "c-chosen-by-caller"
	in.GivenAt = t0.In(time.FixedZone("CET", 3600))
	c1, err := s.Register(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^c-[0-9a-f]{32}$`).MatchString(c1.ID) || c1.ID == c2.ID {
		t.Errorf("ids %q, %q", c1.ID, c2.ID)
	}
	if _, err := s.Register(ctx, Consent{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Register(empty) = %v, want ErrInvalid", err)
	}
	withdrawn := valid()
	withdrawn.WithdrawnAt = &t0
	if _, err := s.Register(ctx, withdrawn); !errors.Is(err, ErrInvalid) {
		t.Errorf("Register(withdrawn) = %v, want ErrInvalid", err)
	}

	list, err := s.List(ctx, basBSN)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != c1.ID || list[1].ID != c2.ID {
		t.Fatalf("List = %+v, want [c1 c2] by given_at", list)
	}
	got := list[0]
	if !got.GivenAt.Equal(t0) || got.ValidUntil == nil || !got.ValidUntil.Equal(t0.AddDate(1, 0, 0)) || got.WithdrawnAt != nil ||
		got.BSN != basBSN || got.GivenBy != GivenByOuder || got.RecipientOIN != zorgOIN || strings.Join(got.Categories, ",") != "identificatie,verzuim,opp" {
		t.Errorf("stored consent = %+v", got)
	}
	if other, err := s.List(ctx, tinaBSN); err != nil || len(other) != 0 {
		t.Errorf("List(other child) = %v, %v", other, err)
	}
	if _, err := s.List(ctx, "123"); !errors.Is(err, ErrInvalid) {
		t.Errorf("List(bad bsn) = %v", err)
	}

	at := t0.Add(48 * time.Hour)
	w, err := s.Withdraw(ctx, c1.ID, at)
	if err != nil {
		t.Fatal(err)
	}
	if w.WithdrawnAt == nil || !w.WithdrawnAt.Equal(at) {
		t.Errorf("withdrawn = %+v", w)
	}
	if !w.ActiveAt(at.Add(-time.Second)) || w.ActiveAt(at) {
		t.Error("ActiveAt does not honour the withdrawal time")
	}
	tests := []struct {
		name string
		id   string
		at   time.Time
		want error
	}{
		{"again", c1.ID, at.Add(time.Hour), ErrAlreadyWithdrawn},
		{"unknown id", "c-0000", at, ErrNotFound},
		{"before given", c2.ID, t0, ErrInvalid},
		{"zero time", c2.ID, time.Time{}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run("withdraw "+tt.name, func(t *testing.T) {
			if _, err := s.Withdraw(ctx, tt.id, tt.at); !errors.Is(err, tt.want) {
				t.Fatalf("Withdraw = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestWithdrawalSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "consents.db")
	s, err := OpenSQLite(path, testVocab, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Register(ctx, valid())
	if err != nil {
		t.Fatal(err)
	}
	at := t0.Add(time.Hour)
	if _, err := s.Withdraw(ctx, c.ID, at); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path)
	list, err := s.List(ctx, basBSN)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].WithdrawnAt == nil || !list[0].WithdrawnAt.Equal(at) {
		t.Fatalf("after reopen: %+v", list)
	}
	if _, err := s.Withdraw(ctx, c.ID, at.Add(time.Hour)); !errors.Is(err, ErrAlreadyWithdrawn) {
		t.Errorf("withdraw after reopen = %v, want ErrAlreadyWithdrawn", err)
	}
}

func TestConcurrentRegisters(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "consents.db"))
	const n = 40
	var wg sync.WaitGroup
	ids := make(chan string, n)
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := valid()
			c.GivenAt = t0.Add(time.Duration(n-i) * time.Minute)
			out, err := s.Register(ctx, c)
			if err != nil {
				errs <- err
				return
			}
			ids <- out.ID
		}()
	}
	wg.Wait()
	close(ids)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]bool{}
	for id := range ids {
		seen[id] = true
	}
	list, err := s.List(ctx, basBSN)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != n || len(seen) != n {
		t.Fatalf("%d stored, %d distinct ids, want %d", len(list), len(seen), n)
	}
	for i := 1; i < len(list); i++ {
		if list[i].GivenAt.Before(list[i-1].GivenAt) {
			t.Fatalf("List not ordered by given_at at %d", i)
		}
	}
}

func TestOpenRequiresVocabulary(t *testing.T) {
	if _, err := OpenSQLite(filepath.Join(t.TempDir(), "c.db"), nil, nil); err == nil {
		t.Fatal("OpenSQLite accepted a nil vocabulary")
	}
}

// A consent is evidence of something that happened: not dated in the
// future, not further back than the bound; its giver is a short reference.
func TestGivenAtBoundsAndGiver(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		givenAt time.Time
		maxAge  time.Duration
		ok      bool
	}{
		{"an hour ago", now.Add(-time.Hour), 0, true},
		{"a minute ahead (clock skew)", now.Add(time.Minute), 0, true},
		{"tomorrow", now.AddDate(0, 0, 1), 0, false},
		{"three years ago", now.AddDate(-3, 0, 0), 0, false},
		{"three years ago with a longer bound", now.AddDate(-3, 0, 0), 4 * 365 * 24 * time.Hour, true},
	} {
		err := CheckGivenAt(tc.givenAt, now, tc.maxAge)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	c := Consent{BSN: "999990196", GivenBy: GivenByOuder, RecipientOIN: "00000001000000000002", Purpose: "p",
		Categories: []string{"verzuim"}, GivenAt: now, Giver: "ouder-7f3a"}
	if err := Validate(c, nil); err != nil {
		t.Fatalf("valid giver refused: %v", err)
	}
	for _, bad := range []string{"Jan de Vries", strings.Repeat("x", 65), "a\nb"} {
		c.Giver = bad
		if err := Validate(c, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("giver %q accepted", bad)
		}
	}
}

// A consent names the holder it lets the recipient fetch from (holder_oin):
// stored, listed, part of its digest, and refused when it is no OIN.
func TestHolderOIN(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "c.db"))
	ctx := context.Background()
	c := valid()
	c.HolderOIN = "00000001000000000004"
	got, err := s.Register(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx, basBSN)
	if err != nil || len(list) != 1 || list[0].HolderOIN != "00000001000000000004" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	other := got
	other.HolderOIN = "00000001000000000001"
	if Digest(got, "p") == Digest(other, "p") {
		t.Error("the digest does not cover holder_oin: a row could be pointed at another holder unnoticed")
	}
	none := got
	none.HolderOIN = ""
	if Digest(none, "p") == Digest(got, "p") {
		t.Error("a consent for any holder has the same digest as one for a named holder")
	}
	c.HolderOIN = "123"
	if _, err := s.Register(ctx, c); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "holder_oin must be 20 digits") {
		t.Errorf("register with holder_oin 123: %v", err)
	}
}

// A register made before consents named their holder opens; its consents
// name no holder (any) and keep their version-1 digest.
func TestOldRegisterWithoutHolderOIN(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE consents (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, bsn TEXT NOT NULL, given_by TEXT NOT NULL,
			recipient_oin TEXT NOT NULL, purpose TEXT NOT NULL, categories TEXT NOT NULL, given_at INTEGER NOT NULL, valid_until INTEGER,
			withdrawn_at INTEGER, giver TEXT NOT NULL DEFAULT '', audit_idx INTEGER)`,
		`INSERT INTO consents (id, bsn, given_by, recipient_oin, purpose, categories, given_at, giver, audit_idx)
			VALUES ('c-old', '999990196', 'ouder', '00000001000000000002', 'afstemming_hulp_onderwijs', '["verzuim"]', 1763630000000000, 'p-1', 7)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s := open(t, path)
	list, err := s.List(context.Background(), basBSN)
	if err != nil || len(list) != 1 || list[0].HolderOIN != "" || list[0].Giver != "p-1" || list[0].AuditIndex == nil {
		t.Fatalf("old register: %+v, %v", list, err)
	}
	if d := Digest(list[0], "p"); !strings.HasPrefix(d, "sha256:") || d != Digest(Consent{ID: "c-old", BSN: basBSN, GivenBy: "ouder", Giver: "p-1",
		RecipientOIN: zorgOIN, Purpose: "afstemming_hulp_onderwijs", Categories: []string{"verzuim"}, GivenAt: list[0].GivenAt}, "p") {
		t.Errorf("digest changed for a consent without holder_oin")
	}
}

// The holder's notice on an attested consent: planned with its obligation,
// announced when the obligation is done (the earliest time counts), and a
// giver's objection recorded as a withdrawal.
func TestAnnouncements(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "c.db"))
	ctx := context.Background()
	a, o, err := s.Announced(ctx, zorgOIN, "attested-1")
	if err != nil || a != nil || o != nil {
		t.Fatalf("before any notice: %v %v %v", a, o, err)
	}
	for _, obl := range []string{"o-1", "o-2"} {
		if err := s.PlanAnnouncement(ctx, zorgOIN, "attested-1", obl, t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PlanAnnouncement(ctx, zorgOIN, "attested-1", "o-1", t0); err != nil {
		t.Fatalf("planning again: %v", err)
	}
	if a, _, _ := s.Announced(ctx, zorgOIN, "attested-1"); a != nil {
		t.Fatalf("announced before the obligation was done: %v", a)
	}
	if n, err := s.Announce(ctx, "o-unrelated", t0); err != nil || n != 0 {
		t.Fatalf("an unrelated obligation announced %d: %v", n, err)
	}
	if n, err := s.Announce(ctx, "o-2", t0.Add(48*time.Hour)); err != nil || n != 1 {
		t.Fatalf("announce o-2: %d %v", n, err)
	}
	if n, err := s.Announce(ctx, "o-1", t0.Add(72*time.Hour)); err != nil || n != 1 {
		t.Fatalf("announce o-1: %d %v", n, err)
	}
	a, _, err = s.Announced(ctx, zorgOIN, "attested-1")
	if err != nil || a == nil || !a.Equal(t0.Add(48*time.Hour)) {
		t.Fatalf("announced = %v, %v; want the first notice", a, err)
	}
	if a, _, _ := s.Announced(ctx, "00000001000000000003", "attested-1"); a != nil {
		t.Errorf("another recipient's consent with the same id is announced: %v", a)
	}
	if err := s.Object(ctx, zorgOIN, "attested-1", t0.Add(96*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, o, _ := s.Announced(ctx, zorgOIN, "attested-1"); o == nil || !o.Equal(t0.Add(96*time.Hour)) {
		t.Errorf("objection = %v", o)
	}
	if err := s.Object(ctx, zorgOIN, "attested-unknown", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("objection to a consent never announced: %v, want ErrNotFound", err)
	}
}
