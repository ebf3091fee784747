package policy

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// ContractVersion is the version of the decision contract
// (POLICY-CONTRACT.md) this engine implements: 2 adds mode, the gemeente
// codes, case_reference and consents' held_by and giver; 3 adds the
// questions inzage, consult, monitoring and regie, the designated gemeente,
// the subject's roll, gezag and verzuim facts, the attested consent's
// holder and notice, and the case team (K1).
const ContractVersion = 3

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
	// EnrolledAtHolder: the child is on the holder's roll (false, the zero
	// value, refuses an own-pupil flow with NOT_ENROLLED_AT_HOLDER).
	EnrolledAtHolder bool `json:"enrolled_at_holder"`
	// ParentsWithGezag is how many persons have gezag (1 or 2). The zero
	// value means unknown and is decided as 2 (a holder that does not know
	// must not presume one parent); any other value is refused.
	ParentsWithGezag int `json:"parents_with_gezag"`
	// UnauthorisedAbsenceHours4w and OpenVerzuimMeldingen drive C1
	// (RULES.md "Verzuim").
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
var HeldBys = []string{HeldByHolder, HeldByRecipient, HeldByCase}

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

// Rings are the values of Member.Ring.
var Rings = []string{RingKern, RingTweedeRing, RingGast}

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
	keys := []string{"oin!", "org_type!", "role!", "gemeente", "designated_gemeente"}
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

		DesignatedGemeente: p.str(m, field, "designated_gemeente"),
	}
}

// number reads an optional number (absent or null: def).
func (p *parser) number(m map[string]any, prefix, key string, def float64) float64 {
	v, ok := m[key]
	if !ok || v == nil {
		return def
	}
	n, ok := v.(json.Number)
	f, err := n.Float64()
	if !ok || err != nil {
		p.fail(join(prefix, key), "must be a number")
	}
	return f
}

// whole reads an optional whole number (absent or null: def).
func (p *parser) whole(m map[string]any, prefix, key string, def int64) int64 {
	v, ok := m[key]
	if !ok || v == nil {
		return def
	}
	n, ok := v.(json.Number)
	i, err := n.Int64()
	if !ok || err != nil {
		p.fail(join(prefix, key), "must be a whole number")
	}
	return i
}

// boolDefault reads an optional boolean (absent or null: def).
func (p *parser) boolDefault(m map[string]any, prefix, key string, def bool) bool {
	if v, ok := m[key]; !ok || v == nil {
		return def
	}
	return p.boolean(m, prefix, key)
}

// optStrings reads an optional array of strings (absent or null: empty).
func (p *parser) optStrings(m map[string]any, prefix, key string) []string {
	v, ok := m[key]
	if !ok || v == nil {
		return []string{}
	}
	return p.strings(v, join(prefix, key))
}

// array reads an array; a missing or null one is empty.
func (p *parser) array(v any, field string) []any {
	if v == nil {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		p.fail(field, "must be an array")
	}
	return arr
}

// oneOf fails when s is not one of the closed list.
func (p *parser) oneOf(field, s string, list []string) {
	if p.err == nil && !slices.Contains(list, s) {
		p.fail(field, "must be one of "+strings.Join(quoteAll(list), ", "))
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

func (p *parser) subject(v any) Subject {
	sm := p.object(v, "subject", "age!", "enrolled_at_holder", "enrolled_at_recipient", "parents_had_inzage", "gemeente",
		"parents_with_gezag", "unauthorised_absence_hours_4w", "open_verzuim_meldingen")
	if sm == nil {
		return Subject{}
	}
	n, ok := sm["age"].(json.Number)
	age, err := n.Int64()
	switch {
	case !ok || err != nil:
		p.fail("subject.age", "must be a whole number")
	case age < 0 || age > MaxAge:
		p.fail("subject.age", "out of range")
	}
	s := Subject{
		Age:                        int(age),
		EnrolledAtHolder:           p.boolDefault(sm, "subject", "enrolled_at_holder", true),
		EnrolledAtRecipient:        p.boolean(sm, "subject", "enrolled_at_recipient"),
		ParentsHadInzage:           p.boolean(sm, "subject", "parents_had_inzage"),
		Gemeente:                   p.str(sm, "subject", "gemeente"),
		ParentsWithGezag:           int(p.whole(sm, "subject", "parents_with_gezag", 2)),
		UnauthorisedAbsenceHours4w: p.number(sm, "subject", "unauthorised_absence_hours_4w", 0),
		OpenVerzuimMeldingen:       p.optStrings(sm, "subject", "open_verzuim_meldingen"),
	}
	if p.err == nil && s.ParentsWithGezag != 1 && s.ParentsWithGezag != 2 {
		p.fail("subject.parents_with_gezag", "must be 1 or 2")
	}
	if p.err == nil && (s.UnauthorisedAbsenceHours4w < 0 || math.IsInf(s.UnauthorisedAbsenceHours4w, 0)) {
		p.fail("subject.unauthorised_absence_hours_4w", "must not be negative")
	}
	return s
}

func (p *parser) consent(x any, f string) (Consent, bool) {
	cm := p.object(x, f, "id!", "given_by!", "giver", "held_by", "recipient_oin", "holder_oin", "purpose!", "categories",
		"given_at!", "valid_until", "withdrawn_at", "announced_at", "case_id", "grants")
	if cm == nil {
		return Consent{}, false
	}
	c := Consent{
		ID:           p.reqStr(cm, f, "id"),
		GivenBy:      p.reqStr(cm, f, "given_by"),
		Giver:        p.str(cm, f, "giver"),
		HeldBy:       p.str(cm, f, "held_by"),
		RecipientOIN: p.str(cm, f, "recipient_oin"),
		HolderOIN:    p.str(cm, f, "holder_oin"),
		Purpose:      p.reqStr(cm, f, "purpose"),
		Categories:   p.optStrings(cm, f, "categories"),
		GivenAt:      p.time(cm["given_at"], f+".given_at"),
		ValidUntil:   p.optTime(cm, f, "valid_until"),
		WithdrawnAt:  p.optTime(cm, f, "withdrawn_at"),
		AnnouncedAt:  p.optTime(cm, f, "announced_at"),
		CaseID:       p.str(cm, f, "case_id"),
		Grants:       []Grant{},
	}
	for i, g := range p.array(cm["grants"], f+".grants") {
		gf := fmt.Sprintf("%s.grants[%d]", f, i)
		gm := p.object(g, gf, "member!", "categories!")
		if gm == nil {
			continue
		}
		c.Grants = append(c.Grants, Grant{Member: p.reqStr(gm, gf, "member"), Categories: p.strings(gm["categories"], gf+".categories")})
	}
	if p.err == nil && !slices.Contains(Givers, c.GivenBy) {
		p.fail(f+".given_by", `must be "ouder" or "jeugdige"`)
	}
	if c.HeldBy == "" {
		c.HeldBy = HeldByHolder
	}
	p.oneOf(f+".held_by", c.HeldBy, HeldBys)
	return c, true
}

// caseRecord reads the signed case record (K1, regie).
func (p *parser) caseRecord(v any, field string) *Case {
	m := p.object(v, field, "id!", "purpose!", "opened_by!", "opened_at!", "closed_at", "regiehouder!", "from_consult", "members!")
	if m == nil {
		return nil
	}
	c := &Case{
		ID:          p.reqStr(m, field, "id"),
		Purpose:     p.reqStr(m, field, "purpose"),
		OpenedBy:    p.reqStr(m, field, "opened_by"),
		OpenedAt:    p.time(m["opened_at"], field+".opened_at"),
		ClosedAt:    p.optTime(m, field, "closed_at"),
		Regiehouder: p.reqStr(m, field, "regiehouder"),
		FromConsult: p.str(m, field, "from_consult"),
		Members:     []Member{},
	}
	if _, ok := m["members"].([]any); !ok {
		p.fail(field+".members", "must be an array")
	}
	for i, x := range p.array(m["members"], field+".members") {
		mf := fmt.Sprintf("%s.members[%d]", field, i)
		mm := p.object(x, mf, "id!", "oin!", "org_type!", "role!", "ring!", "from!", "until")
		if mm == nil {
			continue
		}
		mem := Member{
			ID:      p.reqStr(mm, mf, "id"),
			OIN:     p.reqStr(mm, mf, "oin"),
			OrgType: p.reqStr(mm, mf, "org_type"),
			Role:    p.reqStr(mm, mf, "role"),
			Ring:    p.reqStr(mm, mf, "ring"),
			From:    p.time(mm["from"], mf+".from"),
			Until:   p.optTime(mm, mf, "until"),
		}
		p.oneOf(mf+".ring", mem.Ring, Rings)
		c.Members = append(c.Members, mem)
	}
	return c
}

func (p *parser) input(v any) Input {
	m := p.object(v, "", "query", "purpose!", "flow", "mode", "holder!", "recipient!", "subject!", "categories!", "consents",
		"case", "justification", "case_reference", "now!")
	if m == nil {
		return Input{}
	}
	if q := p.str(m, "", "query"); q != "" && q != QueryRelease {
		p.fail("query", "this input is a release decision input; "+strconv.Quote(q)+" is another question")
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
	in.Subject = p.subject(m["subject"])
	in.Categories = p.strings(m["categories"], "categories")
	if cv, ok := m["consents"]; ok && cv != nil {
		arr := p.array(cv, "consents")
		in.Consents = make([]Consent, 0, len(arr))
		for i, x := range arr {
			if c, ok := p.consent(x, fmt.Sprintf("consents[%d]", i)); ok {
				in.Consents = append(in.Consents, c)
			}
		}
	}
	if cv, ok := m["case"]; ok && cv != nil {
		in.Case = p.caseRecord(cv, "case")
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
			return &InputError{Field: fmt.Sprintf("consents[%d].held_by", i), Problem: `must be "holder", "recipient" or "case"`}
		}
	}
	if g := in.Subject.ParentsWithGezag; g < 0 || g > 2 {
		return &InputError{Field: "subject.parents_with_gezag", Problem: "must be 1 or 2 (0: unknown, decided as 2)"}
	}
	if in.Case != nil {
		for i, m := range in.Case.Members {
			if !slices.Contains(Rings, m.Ring) {
				return &InputError{Field: fmt.Sprintf("case.members[%d].ring", i), Problem: "must be kern, tweede_ring or gast"}
			}
		}
	}
	return nil
}

// Object keys of the engine input, allocated once.
var (
	keyAge                 = ast.StringTerm("age")
	keyAnnouncedAt         = ast.StringTerm("announced_at")
	keyCase                = ast.StringTerm("case")
	keyCaseID              = ast.StringTerm("case_id")
	keyCaseReference       = ast.StringTerm("case_reference")
	keyCategories          = ast.StringTerm("categories")
	keyClosedAt            = ast.StringTerm("closed_at")
	keyConsents            = ast.StringTerm("consents")
	keyDesignatedGemeente  = ast.StringTerm("designated_gemeente")
	keyEnrolledAtHolder    = ast.StringTerm("enrolled_at_holder")
	keyEnrolledAtRecipient = ast.StringTerm("enrolled_at_recipient")
	keyFlow                = ast.StringTerm("flow")
	keyFrom                = ast.StringTerm("from")
	keyGemeente            = ast.StringTerm("gemeente")
	keyGivenAt             = ast.StringTerm("given_at")
	keyGivenBy             = ast.StringTerm("given_by")
	keyGiver               = ast.StringTerm("giver")
	keyGrants              = ast.StringTerm("grants")
	keyHeldBy              = ast.StringTerm("held_by")
	keyHolder              = ast.StringTerm("holder")
	keyHolderOin           = ast.StringTerm("holder_oin")
	keyHours               = ast.StringTerm("unauthorised_absence_hours_4w")
	keyID                  = ast.StringTerm("id")
	keyJustification       = ast.StringTerm("justification")
	keyMember              = ast.StringTerm("member")
	keyMembers             = ast.StringTerm("members")
	keyMeldingen           = ast.StringTerm("open_verzuim_meldingen")
	keyMode                = ast.StringTerm("mode")
	keyNow                 = ast.StringTerm("now")
	keyOin                 = ast.StringTerm("oin")
	keyOpenedAt            = ast.StringTerm("opened_at")
	keyOpenedBy            = ast.StringTerm("opened_by")
	keyOrgType             = ast.StringTerm("org_type")
	keyParentsHadInzage    = ast.StringTerm("parents_had_inzage")
	keyParentsWithGezag    = ast.StringTerm("parents_with_gezag")
	keyPurpose             = ast.StringTerm("purpose")
	keyQuery               = ast.StringTerm("query")
	keyRecipient           = ast.StringTerm("recipient")
	keyRecipientOin        = ast.StringTerm("recipient_oin")
	keyRegiehouder         = ast.StringTerm("regiehouder")
	keyRelation            = ast.StringTerm("relation")
	keyRing                = ast.StringTerm("ring")
	keyRole                = ast.StringTerm("role")
	keySubject             = ast.StringTerm("subject")
	keyUntil               = ast.StringTerm("until")
	keyValidUntil          = ast.StringTerm("valid_until")
	keyWithdrawnAt         = ast.StringTerm("withdrawn_at")
	termRelease            = ast.StringTerm(QueryRelease)
)

func partyTerm(pt *Party) *ast.Term {
	return ast.ObjectTerm(
		ast.Item(keyOin, ast.StringTerm(pt.OIN)),
		ast.Item(keyOrgType, ast.StringTerm(pt.OrgType)),
		ast.Item(keyRole, ast.StringTerm(pt.Role)),
		ast.Item(keyRelation, ast.InternedTerm(pt.Relation)),
		ast.Item(keyGemeente, ast.StringTerm(pt.Gemeente)),
		ast.Item(keyDesignatedGemeente, ast.StringTerm(pt.DesignatedGemeente)),
	)
}

func strsTerm(ss []string) *ast.Term {
	ts := make([]*ast.Term, len(ss))
	for i, s := range ss {
		ts[i] = ast.StringTerm(s)
	}
	return ast.ArrayTerm(ts...)
}

// nsTerm is a time as nanoseconds since the Unix epoch, null for nil.
func nsTerm(t *time.Time) *ast.Term {
	if t == nil {
		return ast.NullTerm()
	}
	return ast.IntNumberTerm(int(t.UnixNano()))
}

// caseTerm is the case record, null for nil.
func caseTerm(c *Case) *ast.Term {
	if c == nil {
		return ast.NullTerm()
	}
	members := make([]*ast.Term, len(c.Members))
	for i := range c.Members {
		m := &c.Members[i]
		members[i] = ast.ObjectTerm(
			ast.Item(keyID, ast.StringTerm(m.ID)),
			ast.Item(keyOin, ast.StringTerm(m.OIN)),
			ast.Item(keyOrgType, ast.StringTerm(m.OrgType)),
			ast.Item(keyRole, ast.StringTerm(m.Role)),
			ast.Item(keyRing, ast.StringTerm(m.Ring)),
			ast.Item(keyFrom, nsTerm(&m.From)),
			ast.Item(keyUntil, nsTerm(m.Until)),
		)
	}
	return ast.ObjectTerm(
		ast.Item(keyID, ast.StringTerm(c.ID)),
		ast.Item(keyPurpose, ast.StringTerm(c.Purpose)),
		ast.Item(keyOpenedBy, ast.StringTerm(c.OpenedBy)),
		ast.Item(keyOpenedAt, nsTerm(&c.OpenedAt)),
		ast.Item(keyClosedAt, nsTerm(c.ClosedAt)),
		ast.Item(keyRegiehouder, ast.StringTerm(c.Regiehouder)),
		ast.Item(keyMembers, ast.ArrayTerm(members...)),
	)
}

// gezag is the number of persons with gezag the policy decides with: the
// zero value (unknown) is 2.
func (s *Subject) gezag() int {
	if s.ParentsWithGezag == 0 {
		return 2
	}
	return s.ParentsWithGezag
}

// value builds the OPA input directly as an AST value (no JSON round trip),
// with every time as nanoseconds since the Unix epoch.
func (in *Input) value() ast.Value {
	consents := make([]*ast.Term, len(in.Consents))
	for i := range in.Consents {
		c := &in.Consents[i]
		grants := make([]*ast.Term, len(c.Grants))
		for j, g := range c.Grants {
			grants[j] = ast.ObjectTerm(ast.Item(keyMember, ast.StringTerm(g.Member)), ast.Item(keyCategories, strsTerm(g.Categories)))
		}
		consents[i] = ast.ObjectTerm(
			ast.Item(keyID, ast.StringTerm(c.ID)),
			ast.Item(keyGivenBy, ast.StringTerm(c.GivenBy)),
			ast.Item(keyGiver, ast.StringTerm(c.Giver)),
			ast.Item(keyHeldBy, ast.StringTerm(cmp.Or(c.HeldBy, HeldByHolder))),
			ast.Item(keyRecipientOin, ast.StringTerm(c.RecipientOIN)),
			ast.Item(keyHolderOin, ast.StringTerm(c.HolderOIN)),
			ast.Item(keyPurpose, ast.StringTerm(c.Purpose)),
			ast.Item(keyCategories, strsTerm(c.Categories)),
			ast.Item(keyGivenAt, nsTerm(&c.GivenAt)),
			ast.Item(keyValidUntil, nsTerm(c.ValidUntil)),
			ast.Item(keyWithdrawnAt, nsTerm(c.WithdrawnAt)),
			ast.Item(keyAnnouncedAt, nsTerm(c.AnnouncedAt)),
			ast.Item(keyCaseID, ast.StringTerm(c.CaseID)),
			ast.Item(keyGrants, ast.ArrayTerm(grants...)),
		)
	}
	return ast.NewObject(
		ast.Item(keyQuery, termRelease),
		ast.Item(keyPurpose, ast.StringTerm(in.Purpose)),
		ast.Item(keyFlow, ast.StringTerm(in.Flow)),
		ast.Item(keyMode, ast.StringTerm(cmp.Or(in.Mode, ModeRequest))),
		ast.Item(keyHolder, partyTerm(&in.Holder)),
		ast.Item(keyRecipient, partyTerm(&in.Recipient)),
		ast.Item(keySubject, ast.ObjectTerm(
			ast.Item(keyAge, ast.IntNumberTerm(in.Subject.Age)),
			ast.Item(keyEnrolledAtHolder, ast.InternedTerm(in.Subject.EnrolledAtHolder)),
			ast.Item(keyEnrolledAtRecipient, ast.InternedTerm(in.Subject.EnrolledAtRecipient)),
			ast.Item(keyParentsHadInzage, ast.InternedTerm(in.Subject.ParentsHadInzage)),
			ast.Item(keyGemeente, ast.StringTerm(in.Subject.Gemeente)),
			ast.Item(keyParentsWithGezag, ast.IntNumberTerm(in.Subject.gezag())),
			ast.Item(keyHours, ast.FloatNumberTerm(in.Subject.UnauthorisedAbsenceHours4w)),
			ast.Item(keyMeldingen, strsTerm(in.Subject.OpenVerzuimMeldingen)),
		)),
		ast.Item(keyCategories, strsTerm(in.Categories)),
		ast.Item(keyConsents, ast.ArrayTerm(consents...)),
		ast.Item(keyCase, caseTerm(in.Case)),
		ast.Item(keyJustification, ast.StringTerm(in.Justification)),
		ast.Item(keyCaseReference, ast.StringTerm(in.CaseReference)),
		ast.Item(keyNow, nsTerm(&in.Now)),
	)
}
