package policy

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// ContractVersion is the version of the decision contract
// (POLICY-CONTRACT.md) this engine implements: 2 adds mode, the gemeente
// codes, case_reference and consents' held_by and giver.
const ContractVersion = 2

// Party is one side of an exchange: the holder or the recipient.
type Party struct {
	OIN      string `json:"oin"`
	OrgType  string `json:"org_type"`
	Role     string `json:"role"`
	Relation bool   `json:"relation,omitempty"` // recipient only: a declared support relation
	// Gemeente is the CBS municipality code (GM and four digits) of a party
	// whose org type is gemeente; "" for other parties.
	Gemeente string `json:"gemeente"`
	// DesignatedGemeente is, on a school side, the CBS code of the gemeente
	// the peer directory designates for that school ("" for none; contract
	// version 3).
	DesignatedGemeente string `json:"designated_gemeente"`
}

// Subject is what the decision needs to know about the child.
type Subject struct {
	Age                 int  `json:"age"`
	EnrolledAtRecipient bool `json:"enrolled_at_recipient"`
	ParentsHadInzage    bool `json:"parents_had_inzage"`
	// Gemeente is the child's woongemeente as the holder's records give it
	// (a CBS code), "" when they do not.
	Gemeente string `json:"gemeente"`
	// The facts of contract version 3, from the holder's records. A parsed
	// input defaults EnrolledAtHolder to true and ParentsWithGezag to 2 when
	// absent; the gateway always sets both from the source record.
	EnrolledAtHolder           bool     `json:"enrolled_at_holder"`
	ParentsWithGezag           int      `json:"parents_with_gezag"` // 1 or 2
	UnauthorisedAbsenceHours4w float64  `json:"unauthorised_absence_hours_4w"`
	OpenVerzuimMeldingen       []string `json:"open_verzuim_meldingen"`
}

// The modes of an exchange (Input.Mode).
const (
	ModeRequest      = "request"      // the recipient asked; the holder answers
	ModeNotification = "notification" // the holder sends on its own initiative
)

// Modes are the values of Input.Mode.
var Modes = []string{ModeRequest, ModeNotification}

// The values of Consent.HeldBy.
const (
	HeldByHolder    = "holder"    // the holder keeps the consent
	HeldByRecipient = "recipient" // the requester attested it in its signed statement
	HeldByCase      = "case"      // a team consent of a case (K1 only)
)

// HeldBys are the values of Consent.HeldBy.
var HeldBys = []string{HeldByHolder, HeldByRecipient}

// Consent is one consent known for the child. GivenBy is "ouder" or
// "jeugdige"; ValidUntil and WithdrawnAt may be nil. HeldBy is HeldByHolder
// (the default, also when empty) or HeldByRecipient (attested by the
// requester); Giver is a stable pseudonymous reference to the person who
// gave it ("" when unknown).
type Consent struct {
	ID           string     `json:"id"`
	GivenBy      string     `json:"given_by"`
	Giver        string     `json:"giver"`
	HeldBy       string     `json:"held_by"`
	RecipientOIN string     `json:"recipient_oin"`
	Purpose      string     `json:"purpose"`
	Categories   []string   `json:"categories"`
	GivenAt      time.Time  `json:"given_at"`
	ValidUntil   *time.Time `json:"valid_until"`
	WithdrawnAt  *time.Time `json:"withdrawn_at"`
	// Contract version 3: HolderOIN names the holder a consent is for (""
	// for any; required to match for an attested consent); AnnouncedAt is
	// when the holder itself told the givers (from the holder's own store,
	// never from a request); CaseID and Grants belong to a team consent.
	HolderOIN   string     `json:"holder_oin"`
	AnnouncedAt *time.Time `json:"announced_at"`
	CaseID      string     `json:"case_id"`
	Grants      []Grant    `json:"grants"`
}

// Grant is a team consent's entry for one case member: the categories that
// member may receive.
type Grant struct {
	Member     string   `json:"member"`
	Categories []string `json:"categories"`
}

// The rings of a case member (Member.Ring).
const (
	RingKern       = "kern"
	RingTweedeRing = "tweede_ring"
	RingGast       = "gast"
)

// Case is the signed case record of a team around a child (K1).
type Case struct {
	ID          string     `json:"id"`
	Purpose     string     `json:"purpose"`
	OpenedBy    string     `json:"opened_by"`
	OpenedAt    time.Time  `json:"opened_at"`
	ClosedAt    *time.Time `json:"closed_at"`
	Regiehouder string     `json:"regiehouder"`
	FromConsult string     `json:"from_consult,omitempty"`
	Members     []Member   `json:"members"`
}

// Member is one member of a case.
type Member struct {
	ID      string     `json:"id"`
	OIN     string     `json:"oin"`
	OrgType string     `json:"org_type"`
	Role    string     `json:"role"`
	Ring    string     `json:"ring"`
	From    time.Time  `json:"from"`
	Until   *time.Time `json:"until"`
}

// Input is the decision input of POLICY-CONTRACT.md.
type Input struct {
	Purpose       string    `json:"purpose"`
	Flow          string    `json:"flow,omitempty"`
	Mode          string    `json:"mode"` // ModeRequest (the default, also when empty) or ModeNotification
	Holder        Party     `json:"holder"`
	Recipient     Party     `json:"recipient"`
	Subject       Subject   `json:"subject"`
	Categories    []string  `json:"categories"`
	Consents      []Consent `json:"consents"`
	Justification string    `json:"justification"`
	CaseReference string    `json:"case_reference"`
	// Case is the signed case record (K1 only; contract version 3).
	Case *Case     `json:"case,omitempty"`
	Now  time.Time `json:"now"`
}

// ErrMalformedInput is wrapped by every ParseInput error (an *InputError).
var ErrMalformedInput = errors.New("malformed decision input")

// InputError names the field of a malformed input and what is wrong with it.
type InputError struct {
	Field   string // e.g. "holder.oin", "consents[0].given_at"; "" for the whole input
	Problem string // e.g. "required"
}

func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Problem
	}
	return e.Field + ": " + e.Problem
}

// Is makes errors.Is(err, ErrMalformedInput) hold.
func (e *InputError) Is(target error) bool { return target == ErrMalformedInput }

// ParseInput reads a decision input as JSON, strictly: it refuses text that
// is not one JSON object, a missing required field, a field of the wrong
// type and an unknown field, with an *InputError naming the field. A
// well-formed input with an unknown purpose, role or category parses; the
// decision denies it.
func ParseInput(data []byte) (Input, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return Input{}, &InputError{Problem: "not JSON: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return Input{}, &InputError{Problem: "not JSON: trailing data after the object"}
	}
	p := parser{}
	in := p.input(top)
	if p.err != nil {
		return Input{}, p.err
	}
	return in, nil
}

// parser keeps the first error; later calls are no-ops once it is set.
type parser struct{ err *InputError }

func (p *parser) fail(field, problem string) {
	if p.err == nil {
		p.err = &InputError{Field: field, Problem: problem}
	}
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// object checks v is an object with only the allowed keys and all required
// ones (required keys are marked with a trailing "!").
func (p *parser) object(v any, field string, keys ...string) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		p.fail(field, "must be an object")
		return nil
	}
	allowed := make(map[string]bool, len(keys))
	for _, k := range keys {
		name, req := strings.CutSuffix(k, "!")
		allowed[name] = true
		if _, present := m[name]; req && !present {
			p.fail(join(field, name), "required")
		}
	}
	unknown := make([]string, 0)
	for k := range m {
		if !allowed[k] {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		p.fail(join(field, k), "unknown field")
	}
	return m
}

// str reads an optional string (absent or null: "").
func (p *parser) str(m map[string]any, prefix, key string) string {
	v, ok := m[key]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		p.fail(join(prefix, key), "must be a string")
	}
	return s
}

// reqStr reads a required string: present (checked by object) and not null.
func (p *parser) reqStr(m map[string]any, prefix, key string) string {
	if v, ok := m[key]; ok && v == nil {
		p.fail(join(prefix, key), "must be a string, not null")
	}
	return p.str(m, prefix, key)
}

func (p *parser) boolean(m map[string]any, prefix, key string) bool {
	v, ok := m[key]
	if !ok || v == nil {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		p.fail(join(prefix, key), "must be true or false")
	}
	return b
}

func (p *parser) strings(v any, field string) []string {
	arr, ok := v.([]any)
	if !ok {
		p.fail(field, "must be an array of strings")
		return nil
	}
	out := make([]string, len(arr))
	for i, x := range arr {
		s, ok := x.(string)
		if !ok {
			p.fail(fmt.Sprintf("%s[%d]", field, i), "must be a string")
		}
		out[i] = s
	}
	return out
}

func (p *parser) time(v any, field string) time.Time {
	s, ok := v.(string)
	if !ok {
		p.fail(field, "must be an RFC 3339 time string")
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		p.fail(field, "not an RFC 3339 time: "+s)
	}
	return t
}

func (p *parser) optTime(m map[string]any, prefix, key string) *time.Time {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	t := p.time(v, join(prefix, key))
	return &t
}

func (p *parser) party(v any, field string) Party {
	keys := []string{"oin!", "org_type!", "role!", "gemeente"}
	if field == "recipient" {
		keys = append(keys, "relation") // the contract has no holder.relation
	}
	m := p.object(v, field, keys...)
	if m == nil {
		return Party{}
	}
	return Party{
		OIN:      p.reqStr(m, field, "oin"),
		OrgType:  p.reqStr(m, field, "org_type"),
		Role:     p.reqStr(m, field, "role"),
		Relation: p.boolean(m, field, "relation"),
		Gemeente: p.str(m, field, "gemeente"),
	}
}

func (p *parser) input(v any) Input {
	m := p.object(v, "", "purpose!", "flow", "mode", "holder!", "recipient!", "subject!", "categories!", "consents", "justification", "case_reference", "now!")
	if m == nil {
		return Input{}
	}
	in := Input{
		Purpose:       p.reqStr(m, "", "purpose"),
		Flow:          p.str(m, "", "flow"),
		Mode:          p.str(m, "", "mode"),
		Justification: p.str(m, "", "justification"),
		CaseReference: p.str(m, "", "case_reference"),
	}
	if in.Mode == "" {
		in.Mode = ModeRequest
	}
	if p.err == nil && !slices.Contains(Modes, in.Mode) {
		p.fail("mode", `must be "request" or "notification"`)
	}
	in.Holder = p.party(m["holder"], "holder")
	in.Recipient = p.party(m["recipient"], "recipient")
	if sm := p.object(m["subject"], "subject", "age!", "enrolled_at_recipient", "parents_had_inzage", "gemeente"); sm != nil {
		n, ok := sm["age"].(json.Number)
		age, err := n.Int64()
		switch {
		case !ok || err != nil:
			p.fail("subject.age", "must be a whole number")
		case age < 0 || age > MaxAge:
			p.fail("subject.age", "out of range")
		}
		in.Subject = Subject{
			Age:                 int(age),
			EnrolledAtRecipient: p.boolean(sm, "subject", "enrolled_at_recipient"),
			ParentsHadInzage:    p.boolean(sm, "subject", "parents_had_inzage"),
			Gemeente:            p.str(sm, "subject", "gemeente"),
		}
	}
	in.Categories = p.strings(m["categories"], "categories")
	if cv, ok := m["consents"]; ok && cv != nil {
		arr, ok := cv.([]any)
		if !ok {
			p.fail("consents", "must be an array")
		}
		in.Consents = make([]Consent, 0, len(arr))
		for i, x := range arr {
			f := fmt.Sprintf("consents[%d]", i)
			cm := p.object(x, f, "id!", "given_by!", "giver", "held_by", "recipient_oin!", "purpose!", "categories!", "given_at!", "valid_until", "withdrawn_at")
			if cm == nil {
				continue
			}
			c := Consent{
				ID:           p.reqStr(cm, f, "id"),
				GivenBy:      p.reqStr(cm, f, "given_by"),
				Giver:        p.str(cm, f, "giver"),
				HeldBy:       p.str(cm, f, "held_by"),
				RecipientOIN: p.reqStr(cm, f, "recipient_oin"),
				Purpose:      p.reqStr(cm, f, "purpose"),
				Categories:   p.strings(cm["categories"], f+".categories"),
				GivenAt:      p.time(cm["given_at"], f+".given_at"),
				ValidUntil:   p.optTime(cm, f, "valid_until"),
				WithdrawnAt:  p.optTime(cm, f, "withdrawn_at"),
			}
			if p.err == nil && !slices.Contains(Givers, c.GivenBy) {
				p.fail(f+".given_by", `must be "ouder" or "jeugdige"`)
			}
			if c.HeldBy == "" {
				c.HeldBy = HeldByHolder
			}
			if p.err == nil && !slices.Contains(HeldBys, c.HeldBy) {
				p.fail(f+".held_by", `must be "holder" or "recipient"`)
			}
			in.Consents = append(in.Consents, c)
		}
	}
	in.Now = p.time(m["now"], "now")
	return in
}

// checkEnums refuses a mode or held_by outside the contract (an empty one
// is the default), so a gateway bug fails closed instead of deciding on a
// value the pack does not know.
func (in *Input) checkEnums() error {
	if in.Mode != "" && !slices.Contains(Modes, in.Mode) {
		return &InputError{Field: "mode", Problem: `must be "request" or "notification"`}
	}
	for i := range in.Consents {
		if h := in.Consents[i].HeldBy; h != "" && !slices.Contains(HeldBys, h) {
			return &InputError{Field: fmt.Sprintf("consents[%d].held_by", i), Problem: `must be "holder" or "recipient"`}
		}
	}
	return nil
}

// Object keys of the engine input, allocated once.
var (
	keyAge                 = ast.StringTerm("age")
	keyCategories          = ast.StringTerm("categories")
	keyConsents            = ast.StringTerm("consents")
	keyEnrolledAtRecipient = ast.StringTerm("enrolled_at_recipient")
	keyFlow                = ast.StringTerm("flow")
	keyGivenAt             = ast.StringTerm("given_at")
	keyGivenBy             = ast.StringTerm("given_by")
	keyGiver               = ast.StringTerm("giver")
	keyGemeente            = ast.StringTerm("gemeente")
	keyHeldBy              = ast.StringTerm("held_by")
	keyMode                = ast.StringTerm("mode")
	keyCaseReference       = ast.StringTerm("case_reference")
	keyHolder              = ast.StringTerm("holder")
	keyID                  = ast.StringTerm("id")
	keyJustification       = ast.StringTerm("justification")
	keyNow                 = ast.StringTerm("now")
	keyOin                 = ast.StringTerm("oin")
	keyOrgType             = ast.StringTerm("org_type")
	keyParentsHadInzage    = ast.StringTerm("parents_had_inzage")
	keyPurpose             = ast.StringTerm("purpose")
	keyRecipient           = ast.StringTerm("recipient")
	keyRecipientOin        = ast.StringTerm("recipient_oin")
	keyRelation            = ast.StringTerm("relation")
	keyRole                = ast.StringTerm("role")
	keySubject             = ast.StringTerm("subject")
	keyValidUntil          = ast.StringTerm("valid_until")
	keyWithdrawnAt         = ast.StringTerm("withdrawn_at")
)

// value builds the OPA input directly as an AST value (no JSON round trip),
// with every time as nanoseconds since the Unix epoch.
func (in *Input) value() ast.Value {
	party := func(pt *Party) *ast.Term {
		return ast.ObjectTerm(
			ast.Item(keyOin, ast.StringTerm(pt.OIN)),
			ast.Item(keyOrgType, ast.StringTerm(pt.OrgType)),
			ast.Item(keyRole, ast.StringTerm(pt.Role)),
			ast.Item(keyRelation, ast.InternedTerm(pt.Relation)),
			ast.Item(keyGemeente, ast.StringTerm(pt.Gemeente)),
		)
	}
	strs := func(ss []string) *ast.Term {
		ts := make([]*ast.Term, len(ss))
		for i, s := range ss {
			ts[i] = ast.StringTerm(s)
		}
		return ast.ArrayTerm(ts...)
	}
	ns := func(t *time.Time) *ast.Term {
		if t == nil {
			return ast.NullTerm()
		}
		return ast.IntNumberTerm(int(t.UnixNano()))
	}
	consents := make([]*ast.Term, len(in.Consents))
	for i := range in.Consents {
		c := &in.Consents[i]
		consents[i] = ast.ObjectTerm(
			ast.Item(keyID, ast.StringTerm(c.ID)),
			ast.Item(keyGivenBy, ast.StringTerm(c.GivenBy)),
			ast.Item(keyGiver, ast.StringTerm(c.Giver)),
			ast.Item(keyHeldBy, ast.StringTerm(cmp.Or(c.HeldBy, HeldByHolder))),
			ast.Item(keyRecipientOin, ast.StringTerm(c.RecipientOIN)),
			ast.Item(keyPurpose, ast.StringTerm(c.Purpose)),
			ast.Item(keyCategories, strs(c.Categories)),
			ast.Item(keyGivenAt, ns(&c.GivenAt)),
			ast.Item(keyValidUntil, ns(c.ValidUntil)),
			ast.Item(keyWithdrawnAt, ns(c.WithdrawnAt)),
		)
	}
	return ast.NewObject(
		ast.Item(keyPurpose, ast.StringTerm(in.Purpose)),
		ast.Item(keyFlow, ast.StringTerm(in.Flow)),
		ast.Item(keyMode, ast.StringTerm(cmp.Or(in.Mode, ModeRequest))),
		ast.Item(keyHolder, party(&in.Holder)),
		ast.Item(keyRecipient, party(&in.Recipient)),
		ast.Item(keySubject, ast.ObjectTerm(
			ast.Item(keyAge, ast.IntNumberTerm(in.Subject.Age)),
			ast.Item(keyEnrolledAtRecipient, ast.InternedTerm(in.Subject.EnrolledAtRecipient)),
			ast.Item(keyParentsHadInzage, ast.InternedTerm(in.Subject.ParentsHadInzage)),
			ast.Item(keyGemeente, ast.StringTerm(in.Subject.Gemeente)),
		)),
		ast.Item(keyCategories, strs(in.Categories)),
		ast.Item(keyConsents, ast.ArrayTerm(consents...)),
		ast.Item(keyJustification, ast.StringTerm(in.Justification)),
		ast.Item(keyCaseReference, ast.StringTerm(in.CaseReference)),
		ast.Item(keyNow, ns(&in.Now)),
	)
}
