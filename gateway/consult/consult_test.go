package consult_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/server"
	"github.com/schakel/schakel/internal/testnode"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// ldv is one exported audit record.
type ldv struct {
	Name       string         `json:"name"`
	StatusCode int            `json:"status_code"`
	Attributes map[string]any `json:"attributes"`
}

// auditRecords reads a node's audit log (read-only; the node may run) and
// returns its records and their raw export.
func auditRecords(t *testing.T, cfg *config.Config) ([]ldv, string) {
	t.Helper()
	st, err := audit.OpenSQLite(cfg.Audit.Store, audit.Config{}, nil, nil)
	if err != nil {
		t.Fatalf("open audit: %v", err)
	}
	defer st.Close()
	var buf bytes.Buffer
	if err := st.Export(context.Background(), &buf); err != nil {
		t.Fatalf("export audit: %v", err)
	}
	raw := buf.String()
	var out []ldv
	dec := json.NewDecoder(&buf)
	for {
		var l ldv
		if err := dec.Decode(&l); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out, raw
}

// consultRecords are the records of consult steps.
func consultRecords(t *testing.T, cfg *config.Config) []ldv {
	recs, _ := auditRecords(t, cfg)
	var out []ldv
	for _, r := range recs {
		if strings.HasPrefix(r.Name, "schakel.consult.") {
			out = append(out, r)
		}
	}
	return out
}

// noSubject fails when a consult record carries a pseudonym (or BSN).
func noSubject(t *testing.T, who string, recs []ldv) {
	t.Helper()
	for _, r := range recs {
		for k, v := range r.Attributes {
			if strings.Contains(k, "subject") && v != nil && v != "" {
				t.Errorf("%s: %s record carries %s = %v; a consult names no child", who, r.Name, k, v)
			}
		}
	}
}

func start(t *testing.T) (*testnode.Federation, *testnode.Node, *testnode.Node) {
	f := testnode.New(t)
	jgz := f.Start(testnode.JGZ, []testnode.Org{testnode.School}, nil)
	school := f.Start(testnode.School, []testnode.Org{testnode.JGZ}, nil)
	return f, jgz, school
}

func mustStruct(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func codes(d *exchangev1.Decision) []string {
	var out []string
	for _, r := range d.GetReasons() {
		out = append(out, r.GetCode())
	}
	return out
}

// TestConsultIsAnswered: the school asks the JGZ without a name, the JGZ
// sees the consult in its list, answers with advice and a role, and the
// school reads that answer; both audit logs hold each step, none with a
// subject.
func TestConsultIsAnswered(t *testing.T) {
	_, jgz, school := start(t)
	ctx := context.Background()
	sent, err := school.Consults.SendConsult(ctx, &localv1.SendConsultRequest{
		RecipientOin: testnode.JGZ.OIN, RecipientRole: "jeugdverpleegkundige", HolderRole: "intern_begeleider",
		Consult: mustStruct(t, map[string]any{"age_band": "8-11", "school_type": "po", "concerns": []any{"gedrag", "thuissituatie"}, "question": "wie_kan_een_rol_nemen"}),
	})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if !sent.GetDecision().GetAllow() || sent.GetConsultId() == "" {
		t.Fatalf("consult not sent: %v", sent)
	}
	list, err := jgz.Consults.ListConsults(ctx, &localv1.ListConsultsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.GetConsults()) != 1 {
		t.Fatalf("JGZ has %d open consults, want 1", len(list.GetConsults()))
	}
	c := list.GetConsults()[0]
	if c.GetConsultId() != sent.GetConsultId() || c.GetSenderOin() != testnode.School.OIN || c.GetSenderName() != testnode.School.Name ||
		c.GetAgeBand() != "8-11" || c.GetSchoolType() != "po" || !slices.Equal(c.GetConcerns(), []string{"gedrag", "thuissituatie"}) ||
		c.GetQuestion() != "wie_kan_een_rol_nemen" || c.GetRecipientRole() != "jeugdverpleegkundige" {
		t.Fatalf("JGZ sees %v", c)
	}
	// Not answered yet: the school reads that.
	a, err := school.Consults.GetConsultAnswer(ctx, &localv1.GetConsultAnswerRequest{ConsultId: sent.GetConsultId()})
	if err != nil || a.GetAnswered() {
		t.Fatalf("before the answer: %v, %v", a, err)
	}
	advice := "Bespreek het eerst met de ouders; de jeugdarts kan meekijken op het spreekuur."
	if _, err := jgz.Consults.AnswerConsult(ctx, &localv1.AnswerConsultRequest{ConsultId: sent.GetConsultId(), Advice: advice, Role: "jeugdarts"}); err != nil {
		t.Fatalf("answer: %v", err)
	}
	a, err = school.Consults.GetConsultAnswer(ctx, &localv1.GetConsultAnswerRequest{ConsultId: sent.GetConsultId()})
	if err != nil {
		t.Fatal(err)
	}
	if !a.GetAnswered() || a.GetAdvice() != advice || a.GetRole() != "jeugdarts" || a.GetAnsweredAt() == nil {
		t.Fatalf("school reads %v", a)
	}
	list, _ = jgz.Consults.ListConsults(ctx, &localv1.ListConsultsRequest{})
	if len(list.GetConsults()) != 0 {
		t.Errorf("an answered consult is still open: %v", list)
	}
	if _, err := jgz.Consults.AnswerConsult(ctx, &localv1.AnswerConsultRequest{ConsultId: sent.GetConsultId(), Advice: "nogmaals"}); server.Reason(err) != "CONSULT_ALREADY_ANSWERED" {
		t.Errorf("a second answer: %v", err)
	}

	names := func(recs []ldv) []string {
		var out []string
		for _, r := range recs {
			out = append(out, r.Name)
		}
		return out
	}
	sr, jr := consultRecords(t, school.Config), consultRecords(t, jgz.Config)
	if got, want := names(sr), []string{"schakel.consult.send", "schakel.consult.answer_read"}; !slices.Equal(got, want) {
		t.Errorf("school audits %v, want %v", got, want)
	}
	if got, want := names(jr), []string{"schakel.consult.receive", "schakel.consult.answer", "schakel.consult.answer_read"}; !slices.Equal(got, want) {
		t.Errorf("JGZ audits %v, want %v", got, want)
	}
	noSubject(t, "school", sr)
	noSubject(t, "JGZ", jr)
	_, raw := auditRecords(t, jgz.Config)
	if strings.Contains(raw, "Bespreek") || strings.Contains(raw, "thuissituatie") {
		t.Error("the JGZ's audit log holds the consult's content or advice")
	}
	// The consult records verify like every other record.
	for _, n := range []*testnode.Node{school, jgz} {
		st, err := audit.OpenSQLite(n.Config.Audit.Store, audit.Config{}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Verify(ctx, st, n.Cert.X509.PublicKey); err != nil {
			t.Errorf("%s: audit log does not verify: %v", n.Org.Key, err)
		}
		st.Close()
	}
}

// identifying are consults that name or point to a child.
var identifying = []struct {
	name, needle string
	consult      map[string]any
	// holderRole and recipientRole replace intern_begeleider and
	// jeugdverpleegkundige when set.
	holderRole, recipientRole string
}{
	{"BSN as age band", "123456782", map[string]any{"age_band": "123456782", "question": "handelingsadvies"}, "", ""},
	{"name as school type", "Bas de Vries", map[string]any{"school_type": "Bas de Vries", "question": "handelingsadvies"}, "", ""},
	{"name among the concerns", "Fenna Jansen", map[string]any{"concerns": []any{"gedrag", "Fenna Jansen"}, "question": "handelingsadvies"}, "", ""},
	{"name as question", "Wat doen we met Pieter Bakker", map[string]any{"question": "Wat doen we met Pieter Bakker"}, "", ""},
	{"unknown key naam", "Lotte Smit", map[string]any{"age_band": "8-11", "naam": "Lotte Smit", "question": "handelingsadvies"}, "", ""},
	{"unknown key bsn", "111222333", map[string]any{"age_band": "8-11", "bsn": "111222333", "question": "handelingsadvies"}, "", ""},
	{"BSN as a number", "123456782", map[string]any{"age_band": 123456782, "question": "handelingsadvies"}, "", ""},
	{"name as the asker's role", "Sanne Visser", map[string]any{"age_band": "8-11", "question": "handelingsadvies"}, "Sanne Visser", ""},
	{"name as the consultee's role", "Ruben Mulder", map[string]any{"age_band": "8-11", "question": "handelingsadvies"}, "", "Ruben Mulder"},
}

// dataHolds reports whether any file of a node's data folder holds s.
func dataHolds(t *testing.T, cfg *config.Config, s string) string {
	t.Helper()
	found := ""
	_ = filepath.WalkDir(cfg.DataDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(s)) {
			found = p
		}
		return nil
	})
	return found
}

// TestIdentifyingConsultRefusedAtBothSides: a consult with a BSN, a name in
// any field (the two roles included) or an unknown key is refused with CONSULT_IDENTIFYING by the
// sender's node (nothing leaves) and, sent straight to the consultee's peer
// port, by the consultee's node; neither stores it: no file of either
// node's data folder holds the string, and the audit records hold no
// subject.
func TestIdentifyingConsultRefusedAtBothSides(t *testing.T) {
	f, jgz, school := start(t)
	ctx := context.Background()
	peer := f.RawPeerClient(jgz, school.Cert.TLS)
	for i, tc := range identifying {
		hr, rr := cmp.Or(tc.holderRole, "intern_begeleider"), cmp.Or(tc.recipientRole, "jeugdverpleegkundige")
		t.Run(tc.name, func(t *testing.T) {
			resp, err := school.Consults.SendConsult(ctx, &localv1.SendConsultRequest{
				RecipientOin: testnode.JGZ.OIN, RecipientRole: rr, HolderRole: hr,
				Consult: mustStruct(t, tc.consult),
			})
			if err != nil {
				t.Fatal(err)
			}
			if resp.GetDecision().GetAllow() || !slices.Contains(codes(resp.GetDecision()), "CONSULT_IDENTIFYING") || resp.GetConsultId() != "" {
				t.Errorf("sender: %v", resp)
			}
			// The receiver decides again: a sender that skipped its pack.
			got, err := peer.SendConsult(ctx, &exchangev1.SendConsultRequest{
				ConsultId: strings.Repeat("a", 31) + string(rune('0'+i)), SentAt: timestamppb.New(time.Now()),
				HolderRole: hr, RecipientRole: rr, Consult: mustStruct(t, tc.consult),
			})
			if err != nil {
				t.Fatal(err)
			}
			if got.GetDecision().GetAllow() || !slices.Contains(codes(got.GetDecision()), "CONSULT_IDENTIFYING") {
				t.Errorf("receiver: %v", got)
			}
		})
	}
	list, err := jgz.Consults.ListConsults(ctx, &localv1.ListConsultsRequest{})
	if err != nil || len(list.GetConsults()) != 0 {
		t.Fatalf("JGZ lists %v (%v) after refusals", list, err)
	}
	// A consult id is taken once per sender: the same id again is refused
	// before any decision.
	okReq := &exchangev1.SendConsultRequest{ConsultId: strings.Repeat("b", 32), SentAt: timestamppb.New(time.Now()), RecipientRole: "jeugdarts",
		Consult: mustStruct(t, map[string]any{"age_band": "0-3", "question": "handelingsadvies"})}
	if got, err := peer.SendConsult(ctx, okReq); err != nil || !got.GetDecision().GetAllow() {
		t.Fatalf("a clean consult straight to the peer port: %v, %v", got, err)
	}
	if _, err := peer.SendConsult(ctx, okReq); server.Reason(err) != "CONSULT_DUPLICATE" {
		t.Errorf("the same consult id again: %v", err)
	}
	sr, jr := consultRecords(t, school.Config), consultRecords(t, jgz.Config)
	jr = jr[:len(jr)-1] // the clean consult's record
	if len(sr) != len(identifying) || len(jr) != len(identifying) {
		t.Errorf("audited %d refusals at the school and %d at the JGZ, want %d each", len(sr), len(jr), len(identifying))
	}
	for _, recs := range [][]ldv{sr, jr} {
		for _, r := range recs {
			if r.StatusCode == 1 && r.Attributes["schakel.allow"] == true {
				t.Errorf("an allowed record among the refusals: %v", r)
			}
		}
	}
	noSubject(t, "school", sr)
	noSubject(t, "JGZ", jr)
	for _, tc := range identifying {
		for _, n := range []*testnode.Node{school, jgz} {
			if p := dataHolds(t, n.Config, tc.needle); p != "" {
				t.Errorf("%s: %s holds %q", tc.name, p, tc.needle)
			}
			if _, raw := auditRecords(t, n.Config); strings.Contains(raw, tc.needle) {
				t.Errorf("%s: the %s audit log holds %q", tc.name, n.Org.Key, tc.needle)
			}
		}
	}
}

// TestAnswerWithBSNRefused: advice holding a BSN-like number (with or
// without separators) is refused with CONSULT_IDENTIFYING and not stored;
// a role is refused when the consult did not ask for one or when it is not
// a role of the pack.
func TestAnswerWithBSNRefused(t *testing.T) {
	_, jgz, school := start(t)
	ctx := context.Background()
	sent, err := school.Consults.SendConsult(ctx, &localv1.SendConsultRequest{
		RecipientOin: testnode.JGZ.OIN, RecipientRole: "jeugdarts",
		Consult: mustStruct(t, map[string]any{"age_band": "12-15", "question": "handelingsadvies"}),
	})
	if err != nil || !sent.GetDecision().GetAllow() {
		t.Fatalf("send: %v, %v", sent, err)
	}
	id := sent.GetConsultId()
	for _, advice := range []string{"Bel over 123456782.", "Het gaat om 1234.56.782, toch?"} {
		if _, err := jgz.Consults.AnswerConsult(ctx, &localv1.AnswerConsultRequest{ConsultId: id, Advice: advice}); server.Reason(err) != "CONSULT_IDENTIFYING" {
			t.Errorf("advice %q: %v", advice, err)
		}
	}
	if _, err := jgz.Consults.AnswerConsult(ctx, &localv1.AnswerConsultRequest{ConsultId: id, Advice: "Zie advies.", Role: "jeugdarts"}); server.Reason(err) != "INVALID_CONSULT" {
		t.Errorf("a role that was not asked for: %v", err)
	}
	if _, err := jgz.Consults.AnswerConsult(ctx, &localv1.AnswerConsultRequest{ConsultId: id, Advice: strings.Repeat("a", 4001)}); server.Reason(err) != "INVALID_CONSULT" {
		t.Errorf("advice of 4001 characters: %v", err)
	}
	a, err := school.Consults.GetConsultAnswer(ctx, &localv1.GetConsultAnswerRequest{ConsultId: id})
	if err != nil || a.GetAnswered() {
		t.Fatalf("a refused answer reached the school: %v, %v", a, err)
	}
	if p := dataHolds(t, jgz.Config, "123456782"); p != "" {
		t.Errorf("%s holds the BSN of a refused answer", p)
	}
	// Another organisation cannot read the answer of this consult.
	if _, err := jgz.Consults.AnswerConsult(ctx, &localv1.AnswerConsultRequest{ConsultId: id, Advice: "Zie advies."}); err != nil {
		t.Fatal(err)
	}
}

// TestConsultOverJSON: the local API's JSON form sends a consult (the
// consult object as the professional's system writes it), lists it at the
// consultee, and refuses one with a name under an unknown key.
func TestConsultOverJSON(t *testing.T) {
	f, jgz, school := start(t)
	post := func(n *testnode.Node, path, body string) map[string]any {
		t.Helper()
		resp, err := f.HTTPClient(n.Client.TLS).Post("https://"+n.Node.LocalAddr+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
			t.Fatalf("POST %s: %d %v %v", path, resp.StatusCode, out, err)
		}
		return out
	}
	ok := post(school, "/v1/consults", `{"recipient_oin":"`+testnode.JGZ.OIN+`","recipient_role":"jeugdverpleegkundige",
		"consult":{"age_band":"4-7","school_type":"po","concerns":["ontwikkeling"],"question":"handelingsadvies"}}`)
	if ok["consult_id"] == nil || ok["decision"].(map[string]any)["allow"] != true {
		t.Fatalf("JSON consult: %v", ok)
	}
	refused := post(school, "/v1/consults", `{"recipient_oin":"`+testnode.JGZ.OIN+`","recipient_role":"jeugdverpleegkundige",
		"consult":{"age_band":"4-7","voornaam":"Noor","question":"handelingsadvies"}}`)
	d := refused["decision"].(map[string]any)
	if d["allow"] == true || !strings.Contains(fmt.Sprint(d["reasons"]), "CONSULT_IDENTIFYING") || refused["consult_id"] != "" {
		t.Fatalf("JSON consult with a name: %v", refused)
	}
	resp, err := f.HTTPClient(jgz.Client.TLS).Get("https://" + jgz.Node.LocalAddr + "/v1/received-consults")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Consults []map[string]any `json:"consults"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list.Consults) != 1 || list.Consults[0]["age_band"] != "4-7" {
		t.Fatalf("JSON list: %+v %v", list, err)
	}
}
