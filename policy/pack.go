// Package policy is Schakel's policy decision point: it loads a policy pack
// (generic Rego plus the rules as data, see policy/pack and RULES.md),
// validates it, and answers the decision question of POLICY-CONTRACT.md with
// an embedded, prepared OPA query.
//
// A pack is a folder (fs.FS) holding *.rego modules (with *_test.rego tests
// beside them) and one data.yaml at its root. The engine loads data.yaml
// under data.schakel.rules; the Rego reads its flows, roles, categories and consent
// regimes from there.
package policy

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"gopkg.in/yaml.v3"
)

//go:embed pack
var embedded embed.FS

//go:embed testdata/scenarios
var embeddedScenarios embed.FS

// DataFile is the name of the pack's rules-as-data file, at the pack's root.
const DataFile = "data.yaml"

// ErrInvalidPack is wrapped by every LoadPack error.
var ErrInvalidPack = errors.New("invalid policy pack")

// DefaultPack returns the default pack built into the binary (policy/pack).
func DefaultPack() fs.FS {
	sub, err := fs.Sub(embedded, "pack")
	if err != nil {
		panic(err) // the embed pattern above guarantees the folder
	}
	return sub
}

// DefaultScenarios returns the scenario files of the default pack
// (policy/testdata/scenarios), built into the binary.
func DefaultScenarios() fs.FS {
	sub, err := fs.Sub(embeddedScenarios, "testdata/scenarios")
	if err != nil {
		panic(err)
	}
	return sub
}

// Data is the pack's rules as data: the parsed data.yaml.
type Data struct {
	Purposes   []Purpose         `yaml:"purposes" json:"purposes"`
	OrgTypes   []OrgType         `yaml:"org_types" json:"org_types"`
	Roles      []Role            `yaml:"roles" json:"roles"`
	Categories []Category        `yaml:"categories" json:"categories"`
	Consent    ConsentRules      `yaml:"consent" json:"consent"`
	Messages   map[string]string `yaml:"messages" json:"messages"`
	Flows      []Flow            `yaml:"flows" json:"flows"`
	// VerzuimThresholdHours is the hours of unauthorised absence in 4
	// school weeks from which a C1 notification may go without an open
	// melding (RULES.md "Verzuim").
	VerzuimThresholdHours float64 `yaml:"verzuim_threshold_hours" json:"verzuim_threshold_hours"`
	// Inzage is the inzage table (RULES.md "Rights the system serves").
	Inzage InzageRules `yaml:"inzage" json:"inzage"`
	// Consult is the closed list of keys of an N1 consult, each with its
	// closed list of values (RULES.md "Consultation without a name").
	Consult map[string]ConsultField `yaml:"consult" json:"consult"`
	// Monitoring fixes the rows of an M1 export (RULES.md "Regional
	// monitoring").
	Monitoring MonitoringRules `yaml:"monitoring" json:"monitoring"`
	// Regie is the regiehouder view of a case (RULES.md "The case team").
	Regie RegieRules `yaml:"regie" json:"regie"`
	// DefaultRetentionDays is the retention of a decision that matched no
	// flow (its audit record is kept as long).
	DefaultRetentionDays int `yaml:"default_retention_days" json:"default_retention_days"`

	lines map[string]int // data.yaml line of each key path, see indexLines
}

// Purpose is one entry of the closed list of purposes (RULES.md "doel").
type Purpose struct {
	ID          string `yaml:"id" json:"id"`
	Description string `yaml:"description" json:"description"`
}

// OrgType is an organisation type. Care marks a care party (jeugdhulp,
// JGZ): a consent flow involving one uses the strict consent regime.
type OrgType struct {
	ID          string `yaml:"id" json:"id"`
	Description string `yaml:"description" json:"description"`
	Care        bool   `yaml:"care" json:"care"`
	// Residence: a party of this type acts for the children who live in it
	// (a gemeente); a flow with the residence condition requires its code
	// to be the child's woongemeente (RULES.md "Residence").
	Residence bool `yaml:"residence" json:"residence"`
	// School: a school side (its designated gemeente counts where a flow
	// switches it on; holder_school_obligations apply to it).
	School bool `yaml:"school" json:"school"`
	// Roll: the party keeps a roll of its children (school, kinderopvang);
	// own_pupil applies to it.
	Roll bool `yaml:"roll" json:"roll"`
}

// InzageRules is the inzage table: which class of decision record a
// requester may see at which age.
type InzageRules struct {
	// DefaultClass is the class of a record whose flow the pack does not
	// know.
	DefaultClass string `yaml:"default_class" json:"default_class"`
	// HeldForSafety are the classes held back from everyone until a
	// professional marks the record released_for_inzage; once released such
	// a record follows the column of ReleasedAs.
	HeldForSafety []string `yaml:"held_for_safety" json:"held_for_safety"`
	ReleasedAs    string   `yaml:"released_as" json:"released_as"`
	// Withholdable are the classes a professional may hold back from the
	// parents (withhold_from_parents).
	Withholdable []string `yaml:"withholdable" json:"withholdable"`
	// Requesters are the columns of the table, per kind (and for an ouder
	// gezag; nil for any).
	Requesters []InzageRequester `yaml:"requesters" json:"requesters"`
}

// InzageRequester is one kind of requester: per age band the classes it
// may see (none: not entitled).
type InzageRequester struct {
	Kind  string           `yaml:"kind" json:"kind"`
	Gezag *bool            `yaml:"gezag" json:"gezag"`
	ByAge []InzageAgeClass `yaml:"by_age" json:"by_age"`
}

// InzageAgeClass lists the classes a requester may see from MinAge to
// MaxAge inclusive; a nil MaxAge has no upper bound.
type InzageAgeClass struct {
	MinAge  int      `yaml:"min_age" json:"min_age"`
	MaxAge  *int     `yaml:"max_age" json:"max_age"`
	Classes []string `yaml:"classes" json:"classes"`
}

// InzageClasses are the classes of a decision record (RULES.md "Inzage").
var InzageClasses = []string{"onderwijs", "zorg", "veiligheid"}

// ConsultField is one key an N1 consult may hold: its closed list of
// values; List takes a list of them.
type ConsultField struct {
	List   bool     `yaml:"list" json:"list"`
	Values []string `yaml:"values" json:"values"`
}

// MonitoringRules fix the rows of an M1 export.
type MonitoringRules struct {
	// Dimensions every row has, exactly (a subset of MonitoringDimensions).
	Dimensions []string `yaml:"dimensions" json:"dimensions"`
	// ExcludedFlows may never be counted (MONITORING_FLOW_EXCLUDED).
	ExcludedFlows []string `yaml:"excluded_flows" json:"excluded_flows"`
	// SmallCell: a count below it (zero included) leaves as "<10".
	SmallCell int `yaml:"small_cell" json:"small_cell"`
}

// MonitoringDimensions are the dimensions an M1 row may have, each with
// its own closed set of values (POLICY-CONTRACT.md "monitoring").
var MonitoringDimensions = []string{"flow", "purpose", "outcome", "reason", "counterpart_org_type", "school_oin", "month"}

// GatewayReasonCodes are the codes the gateway answers with outside the
// pack (POLICY-CONTRACT.md "Reason codes"); they are valid in an M1 row.
var GatewayReasonCodes = []string{"SUBJECT_UNKNOWN", "STATEMENT_INVALID"}

// RegieRules are the regiehouder view: the flow whose cases it shows and
// the fields of the view.
type RegieRules struct {
	Flow   string   `yaml:"flow" json:"flow"`
	Fields []string `yaml:"fields" json:"fields"`
}

// Role is a professional role. Beroepsgeheim marks professional secrecy.
type Role struct {
	ID            string   `yaml:"id" json:"id"`
	OrgTypes      []string `yaml:"org_types" json:"org_types"`
	Beroepsgeheim bool     `yaml:"beroepsgeheim" json:"beroepsgeheim"`
}

// Category is a data category; Special marks AVG art. 9 (or treated so).
type Category struct {
	ID          string `yaml:"id" json:"id"`
	Special     bool   `yaml:"special" json:"special"`
	Description string `yaml:"description" json:"description"`
}

// ConsentRules says whose consent counts, per regime and age, and the
// consent settings every regime and flow inherits unless it sets its own
// (RULES.md "Whose consent counts", "Two parents", "Consents the recipient
// holds"): global, then regime, then flow; the most specific one wins.
type ConsentRules struct {
	// ParentsRequired is the number of distinct matching "ouder" consents
	// needed where a parent's consent is required (1: one parent suffices).
	ParentsRequired int `yaml:"parents_required" json:"parents_required"`
	// InformOtherParent: a release with the ouder consents of fewer persons
	// than have gezag carries inform_other_parent (the school regime).
	InformOtherParent bool `yaml:"inform_other_parent" json:"inform_other_parent"`
	// AttestedNoticeDays: an attested consent covers a special category
	// only this many days after the holder announced it (announced_at).
	AttestedNoticeDays int `yaml:"attested_notice_days" json:"attested_notice_days"`
	// AttestedConsent: a consent the recipient attests (held_by recipient)
	// counts, in request mode. Off unless a regime or flow turns it on.
	AttestedConsent bool              `yaml:"attested_consent" json:"attested_consent"`
	Regimes         map[string]Regime `yaml:"regimes" json:"regimes"`
	// StrictRegime replaces a consent flow's own regime when the flow
	// involves a care party or a requested special category (RULES.md:
	// "the stricter one wins").
	StrictRegime string `yaml:"strict_regime" json:"strict_regime"`
}

// Regime is one consent regime: whose consent counts at which age (ByAge),
// and optionally its own parents_required and attested_consent (nil
// inherits the global setting).
type Regime struct {
	ByAge             []AgeBand `yaml:"by_age" json:"by_age"`
	ParentsRequired   *int      `yaml:"parents_required" json:"parents_required,omitempty"`
	AttestedConsent   *bool     `yaml:"attested_consent" json:"attested_consent,omitempty"`
	InformOtherParent *bool     `yaml:"inform_other_parent" json:"inform_other_parent,omitempty"`
}

// ConsentSettings are the consent settings in force for one flow under one
// regime, after inheritance (see ConsentRules).
type ConsentSettings struct {
	Regime            string    `json:"regime"`
	ByAge             []AgeBand `json:"by_age"`
	ParentsRequired   int       `json:"parents_required"`
	AttestedConsent   bool      `json:"attested_consent"`
	InformOtherParent bool      `json:"inform_other_parent"`
}

// ConsentSettings returns the settings of flow f under regime (the flow's
// own regime, or the strict regime that replaces it); ok is false for a
// flow without consent or an unknown regime.
func (d *Data) ConsentSettings(f Flow, regime string) (ConsentSettings, bool) {
	r, ok := d.Consent.Regimes[regime]
	if f.Consent == "none" || !ok {
		return ConsentSettings{}, false
	}
	s := ConsentSettings{Regime: regime, ByAge: r.ByAge, ParentsRequired: d.Consent.ParentsRequired,
		AttestedConsent: d.Consent.AttestedConsent, InformOtherParent: d.Consent.InformOtherParent}
	if r.InformOtherParent != nil {
		s.InformOtherParent = *r.InformOtherParent
	}
	if r.ParentsRequired != nil {
		s.ParentsRequired = *r.ParentsRequired
	}
	if r.AttestedConsent != nil {
		s.AttestedConsent = *r.AttestedConsent
	}
	if f.ConsentByAge != nil {
		s.ByAge = f.ConsentByAge
	}
	if f.ParentsRequired != nil {
		s.ParentsRequired = *f.ParentsRequired
	}
	if f.AttestedConsent != nil {
		s.AttestedConsent = *f.AttestedConsent
	}
	return s, true
}

// FlowRegimes are the regimes a consent flow can decide under: its own, and
// the strict regime when that differs (nil for a flow without consent).
func (d *Data) FlowRegimes(f Flow) []string {
	if f.Consent == "none" {
		return nil
	}
	if d.Consent.StrictRegime == f.Consent || d.Consent.StrictRegime == "" {
		return []string{f.Consent}
	}
	return []string{f.Consent, d.Consent.StrictRegime}
}

// MaxAge is the highest age a decision input may carry; the consent
// regimes are tabulated up to it.
const MaxAge = 150

// AgeBand lists the givers whose consent is needed from MinAge to MaxAge
// inclusive; a nil MaxAge has no upper bound.
type AgeBand struct {
	MinAge int      `yaml:"min_age" json:"min_age"`
	MaxAge *int     `yaml:"max_age" json:"max_age"`
	Givers []string `yaml:"givers" json:"givers"`
}

// Flow is one permitted exchange of RULES.md "Flows".
type Flow struct {
	ID      string `yaml:"id" json:"id"`
	Title   string `yaml:"title" json:"title"`
	Purpose string `yaml:"purpose" json:"purpose"`
	Basis   string `yaml:"basis" json:"basis"`
	Consent string `yaml:"consent" json:"consent"` // a regime, or "none"
	// Mode is who starts the exchange: "request", "notification" or "both"
	// (RULES.md "Flows", mode column).
	Mode string `yaml:"mode" json:"mode"`
	// Query is the question that decides the flow: "release" (the default
	// when empty), "consult" (N1) or "monitoring" (M1).
	Query string `yaml:"query" json:"query,omitempty"`
	// StatutoryBasis names the statute that lets a publieke_taak flow carry
	// special categories (S1: WPO art. 18a); without it the loader refuses
	// them (principle bijzonder).
	StatutoryBasis string `yaml:"statutory_basis" json:"statutory_basis,omitempty"`
	// DesignatedGemeente: the gemeente side also passes the residence check
	// with the school side's designated gemeente (A1 and B1 only).
	DesignatedGemeente *bool `yaml:"designated_gemeente" json:"designated_gemeente,omitempty"`
	// InzageClass is the class of the flow's decision records (onderwijs,
	// zorg, veiligheid) in the inzage table.
	InzageClass string `yaml:"inzage_class" json:"inzage_class"`
	// HolderSchoolObligations are added to a release when the holder's org
	// type is a school (K1: record_in_pupil_file).
	HolderSchoolObligations []string `yaml:"holder_school_obligations" json:"holder_school_obligations,omitempty"`
	// Per-flow consent settings; nil inherits the regime's or the global one.
	ParentsRequired *int         `yaml:"parents_required" json:"parents_required,omitempty"`
	AttestedConsent *bool        `yaml:"attested_consent" json:"attested_consent,omitempty"`
	ConsentByAge    []AgeBand    `yaml:"consent_by_age" json:"consent_by_age,omitempty"`
	Holder          Side         `yaml:"holder" json:"holder"`
	Recipient       Side         `yaml:"recipient" json:"recipient"`
	Categories      []string     `yaml:"categories" json:"categories"`
	Never           []string     `yaml:"never" json:"never"`
	Requires        Requirements `yaml:"requires" json:"requires"`
	MinAge          int          `yaml:"min_age" json:"min_age"`
	MaxAge          *int         `yaml:"max_age" json:"max_age"`
	Obligations     []string     `yaml:"obligations" json:"obligations"`
	RetentionDays   int          `yaml:"retention_days" json:"retention_days"`
}

// Side is the holder or recipient side of a flow. OrgTypes may be ["any"];
// an empty Roles accepts any role, or none.
type Side struct {
	OrgTypes []string `yaml:"org_types" json:"org_types"`
	Roles    []string `yaml:"roles" json:"roles"`
}

// Requirements are the conditions a flow sets beyond roles and consent.
type Requirements struct {
	Relation      bool `yaml:"relation" json:"relation"`
	Justification bool `yaml:"justification" json:"justification"`
	Enrolment     bool `yaml:"enrolment" json:"enrolment"`
	Inzage        bool `yaml:"inzage" json:"inzage"`
	Beroepsgeheim bool `yaml:"beroepsgeheim" json:"beroepsgeheim"`
	// Residence: the side whose org type is marked residence must be the
	// child's woongemeente (NOT_RESIDENT otherwise).
	Residence bool `yaml:"residence" json:"residence"`
	// CaseReference: the requester must give a case reference.
	CaseReference bool `yaml:"case_reference" json:"case_reference"`
	// OwnPupil: a holder whose org type keeps a roll has the child on it
	// (subject.enrolled_at_holder; NOT_ENROLLED_AT_HOLDER).
	OwnPupil bool `yaml:"own_pupil" json:"own_pupil"`
	// VerzuimMelding: the C1 trigger (RULES.md "Verzuim").
	VerzuimMelding bool `yaml:"verzuim_melding" json:"verzuim_melding"`
	// Case: an open case with holder and recipient current members; only
	// team consents count (RULES.md "The case team").
	Case bool `yaml:"case" json:"case"`
}

// DesignatedGemeenteFlows are the only flows on which the designated
// gemeente may be switched on (RULES.md "Residence": the woonplaatsbeginsel
// and Lpw art. 16 decide on every other flow).
var DesignatedGemeenteFlows = []string{"A1", "B1"}

// The questions of the contract (the input's query).
const (
	QueryRelease    = "release"
	QueryInzage     = "inzage"
	QueryConsult    = "consult"
	QueryMonitoring = "monitoring"
	QueryRegie      = "regie"
)

// Queries are the values of a decision input's query.
var Queries = []string{QueryRelease, QueryInzage, QueryConsult, QueryMonitoring, QueryRegie}

// FlowQueries are the questions a flow may be decided by.
var FlowQueries = []string{QueryRelease, QueryConsult, QueryMonitoring}

// FlowModes are the values of a flow's mode; "both" allows either Mode.
var FlowModes = []string{ModeRequest, ModeNotification, "both"}

// Bases are the legal bases a flow may name (RULES.md "grondslag").
var Bases = []string{"toestemming", "wettelijke_plicht", "publieke_taak", "meldrecht", "conflict_van_plichten", "geen_persoonsgegevens"}

// ReasonCodes are the reason codes of POLICY-CONTRACT.md (version 3), in
// the contract's order; data.yaml must hold a Dutch message for each.
var ReasonCodes = []string{
	"UNKNOWN_PURPOSE", "NO_MATCHING_FLOW", "MODE_NOT_ALLOWED", "ROLE_NOT_ALLOWED", "CONSULT_IDENTIFYING",
	"MONITORING_DIMENSION_NOT_ALLOWED", "MONITORING_FLOW_EXCLUDED", "RELATION_REQUIRED", "CASE_NOT_OPEN",
	"NOT_A_MEMBER", "NOT_REGIEHOUDER", "NOT_RESIDENT", "NOT_ENROLLED_AT_HOLDER", "CONSENT_MISSING",
	"CONSENT_WITHDRAWN", "CONSENT_EXPIRED", "CATEGORY_NOT_IN_FLOW", "CATEGORY_NOT_CONSENTED",
	"ATTESTED_CONSENT_PENDING", "JUSTIFICATION_REQUIRED", "CASE_REFERENCE_REQUIRED", "NOT_ENROLLED",
	"INZAGE_REQUIRED", "VERZUIM_THRESHOLD_NOT_MET", "VERZUIM_MELDING_REQUIRED", "BEROEPSGEHEIM_REQUIRED",
	"AGE_OUT_OF_SCOPE", "INZAGE_NOT_ENTITLED", "INZAGE_HELD_FOR_SAFETY", "INZAGE_CLASS_NOT_ENTITLED",
	"INZAGE_WITHHELD_BY_PROFESSIONAL",
}

// messageArgs is how many %s each reason message takes: the values the
// policy fills in come from the request (purpose, role, side, giver,
// categories), never from the holder's records.
var messageArgs = map[string]int{
	"UNKNOWN_PURPOSE": 1, "ROLE_NOT_ALLOWED": 2, "CONSENT_MISSING": 1, "CONSENT_WITHDRAWN": 1,
	"CONSENT_EXPIRED": 1, "CATEGORY_NOT_IN_FLOW": 1, "CATEGORY_NOT_CONSENTED": 1,
	"NOT_A_MEMBER": 1, "ATTESTED_CONSENT_PENDING": 1,
}

// Givers are the values of a consent's given_by.
var Givers = []string{"ouder", "jeugdige"}

// Pack is a loaded, validated and compiled policy pack. It is immutable.
type Pack struct {
	data     Data
	files    map[string][]byte
	modules  map[string]*ast.Module // every module, tests included
	compiler *ast.Compiler
	opaData  map[string]any // data.yaml in the shape the Rego reads
	revision string
}

// LoadPack reads, validates and compiles the pack in fsys. It refuses a pack
// with a Rego parse or compile error, a YAML error or unknown key, or rules
// that do not hold together (a flow naming an unknown purpose, org type,
// role or category; duplicate ids; two flows matching the same request);
// every error names the file and the item, and wraps ErrInvalidPack.
//
// Hidden files and folders (starting with ".") are ignored. Files under a
// folder named testdata are part of the revision but are not policy.
func LoadPack(fsys fs.FS) (*Pack, error) {
	files := make(map[string][]byte)
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files[p] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPack, err)
	}
	p := &Pack{files: files, modules: make(map[string]*ast.Module), revision: digest(files)}

	raw, ok := files[DataFile]
	if !ok {
		return nil, fmt.Errorf("%w: %s: missing", ErrInvalidPack, DataFile)
	}
	if p.data, err = parseData(raw); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidPack, DataFile, err)
	}
	if err := p.data.Validate(); err != nil {
		// One problem a line, each naming the file.
		lines := strings.ReplaceAll(err.Error(), "\n", "\n"+DataFile+": ")
		return nil, fmt.Errorf("%w: %s: %s", ErrInvalidPack, DataFile, lines)
	}
	p.opaData = p.data.opaData()

	var errs []error
	for name, src := range files {
		if path.Ext(name) != ".rego" || inTestdata(name) {
			continue
		}
		m, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.modules[name] = m
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPack, errors.Join(errs...))
	}
	if len(p.modules) == 0 {
		return nil, fmt.Errorf("%w: no .rego module", ErrInvalidPack)
	}
	p.compiler = ast.NewCompiler()
	if p.compiler.Compile(p.modules); p.compiler.Failed() {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPack, p.compiler.Errors)
	}
	return p, nil
}

func inTestdata(name string) bool {
	return name == "testdata" || strings.HasPrefix(name, "testdata/") || strings.Contains(name, "/testdata/")
}

// digest is the pack's revision: "sha256:" and the hex SHA-256 over, for
// every file in lexical path order, its slash path, a NUL byte, its length in
// decimal, a NUL byte and its content.
func digest(files map[string][]byte) string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
		h.Write([]byte(strconv.Itoa(len(files[n]))))
		h.Write([]byte{0})
		h.Write(files[n])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Revision identifies the pack: see digest, or the value given to
// WithRevision.
func (p *Pack) Revision() string { return p.revision }

// WithRevision returns a copy of the pack that reports rev as its revision,
// for a pack loaded from a signed archive whose digest is the revision.
func (p *Pack) WithRevision(rev string) *Pack {
	q := *p
	q.revision = rev
	return &q
}

// Data returns the pack's rules. The caller must not modify it.
func (p *Pack) Data() *Data { return &p.data }

// Flow returns the flow with this id.
func (p *Pack) Flow(id string) (Flow, bool) {
	for _, f := range p.data.Flows {
		if f.ID == id {
			return f, true
		}
	}
	return Flow{}, false
}

// RetentionDays is the flow's retention period, 0 for an unknown flow.
func (p *Pack) RetentionDays(flow string) int {
	f, _ := p.Flow(flow)
	return f.RetentionDays
}

// HasPurpose reports whether the purpose is in the pack's vocabulary.
func (p *Pack) HasPurpose(id string) bool {
	return slices.ContainsFunc(p.data.Purposes, func(x Purpose) bool { return x.ID == id })
}

// HasCategory reports whether the category is in the pack's vocabulary.
func (p *Pack) HasCategory(id string) bool {
	return slices.ContainsFunc(p.data.Categories, func(x Category) bool { return x.ID == id })
}

// Files returns the pack's files by slash path. The caller must not modify
// them.
func (p *Pack) Files() map[string][]byte { return p.files }

func parseData(raw []byte) (Data, error) {
	var d Data
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&d); err != nil {
		return Data{}, friendlyYAML(err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err == nil {
		d.lines = make(map[string]int)
		indexLines(&root, "", d.lines)
	}
	return d, nil
}

// typeNames are the YAML sections of data.yaml named after the Go types
// that yaml.v3 names in its errors.
var typeNames = strings.NewReplacer(
	"in type policy.Flow", "in a flow", "in type policy.Side", "in a flow's holder or recipient",
	"in type policy.Requirements", "in a flow's requires", "in type policy.ConsentRules", "in consent",
	"in type policy.Regime", "in a consent regime", "in type policy.AgeBand", "in an age band",
	"in type policy.Data", "at the top level", "in type policy.OrgType", "in an org type",
	"in type policy.Role", "in a role", "in type policy.Category", "in a category",
	"in type policy.Purpose", "in a purpose",
)

// friendlyYAML says "unknown key x in a flow" instead of yaml.v3's "field x
// not found in type policy.Flow"; the line numbers stay.
func friendlyYAML(err error) error {
	msg := err.Error()
	msg = strings.ReplaceAll(msg, "field ", "unknown key ")
	msg = strings.ReplaceAll(msg, " not found in type", " in type")
	return errors.New(typeNames.Replace(msg))
}

// indexLines records the line of every key of the YAML tree by path:
// "consent.parents_required", "flows.B1.recipient.roles" (list entries
// with an id are keyed by it, others by their index).
func indexLines(n *yaml.Node, path string, lines map[string]int) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			indexLines(c, path, lines)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := join(path, n.Content[i].Value)
			lines[k] = n.Content[i].Line
			indexLines(n.Content[i+1], k, lines)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			k := fmt.Sprintf("%s[%d]", path, i)
			if c.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(c.Content); j += 2 {
					if c.Content[j].Value == "id" {
						k = path + "." + c.Content[j+1].Value
					}
				}
			}
			lines[k] = c.Line
			indexLines(c, k, lines)
		}
	}
}

// lineOf is the data.yaml line of the key at path, or of its nearest
// enclosing key that has one; 0 when unknown.
func (d *Data) lineOf(path string) int {
	for path != "" {
		if l, ok := d.lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// Validate reports every inconsistency in the rules at once. Each problem
// names the key (and, for a data.yaml that was parsed, its line).
func (d *Data) Validate() error {
	var errs []error
	at := func(path, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if l := d.lineOf(path); l > 0 {
			msg = fmt.Sprintf("line %d: %s", l, msg)
		}
		errs = append(errs, errors.New(msg))
	}
	set := func(kind, key string, ids []string) map[string]bool {
		m := make(map[string]bool, len(ids))
		for _, id := range ids {
			if id == "" {
				at(key, "%s: empty id", kind)
			}
			if m[id] {
				at(key+"."+id, "%s %q: duplicate id", kind, id)
			}
			m[id] = true
		}
		return m
	}
	purposes := set("purpose", "purposes", ids(d.Purposes, func(x Purpose) string { return x.ID }))
	orgs := set("org type", "org_types", ids(d.OrgTypes, func(x OrgType) string { return x.ID }))
	roles := set("role", "roles", ids(d.Roles, func(x Role) string { return x.ID }))
	cats := set("category", "categories", ids(d.Categories, func(x Category) string { return x.ID }))
	flowIDs := set("flow", "flows", ids(d.Flows, func(x Flow) string { return x.ID }))
	special := make(map[string]bool)
	for _, c := range d.Categories {
		special[c.ID] = c.Special
	}
	residence := make(map[string]bool)
	for _, o := range d.OrgTypes {
		residence[o.ID] = o.Residence
	}
	for _, r := range d.Roles {
		for _, o := range r.OrgTypes {
			if !orgs[o] {
				at("roles."+r.ID, "role %q: unknown org type %q", r.ID, o)
			}
		}
	}
	parents := func(path, what string, n int) {
		if n < 1 || n > 2 {
			at(path, "%s: parents_required must be 1 or 2", what)
		}
	}
	parents("consent.parents_required", "consent", d.Consent.ParentsRequired)
	if _, ok := d.Consent.Regimes[d.Consent.StrictRegime]; !ok {
		at("consent.strict_regime", "consent.strict_regime: unknown consent regime %q", d.Consent.StrictRegime)
	}
	if d.DefaultRetentionDays <= 0 {
		at("default_retention_days", "default_retention_days: must be positive")
	}
	if d.Consent.AttestedNoticeDays < 0 {
		at("consent.attested_notice_days", "consent.attested_notice_days: must not be negative")
	}
	if d.VerzuimThresholdHours <= 0 {
		at("verzuim_threshold_hours", "verzuim_threshold_hours: must be positive")
	}
	d.validateQuestions(at, flowIDs)
	checkBands := func(path, what string, bands []AgeBand) {
		if len(bands) == 0 {
			at(path, "%s: no age bands (by_age)", what)
			return
		}
		next := 0
		for i, b := range bands {
			bp := fmt.Sprintf("%s[%d]", path, i)
			if b.MinAge != next {
				at(bp, "%s: band %d starts at %d, expected %d", what, i, b.MinAge, next)
			}
			for _, g := range b.Givers {
				if !slices.Contains(Givers, g) {
					at(bp, "%s: unknown giver %q", what, g)
				}
			}
			if len(b.Givers) == 0 {
				at(bp, "%s: band %d names no giver", what, i)
			}
			if b.MaxAge == nil {
				next = -1
				if i != len(bands)-1 {
					at(bp, "%s: only the last band may be open-ended", what)
				}
				break
			}
			if *b.MaxAge < b.MinAge {
				at(bp, "%s: band %d ends before it starts", what, i)
			}
			next = *b.MaxAge + 1
		}
		if next != -1 {
			at(path, "%s: the last band must have no max_age", what)
		}
	}
	for name, r := range d.Consent.Regimes {
		key := "consent.regimes." + name
		checkBands(key+".by_age", fmt.Sprintf("consent regime %q", name), r.ByAge)
		if r.ParentsRequired != nil {
			parents(key+".parents_required", fmt.Sprintf("consent regime %q", name), *r.ParentsRequired)
		}
	}
	for _, code := range ReasonCodes {
		if d.Messages[code] == "" {
			at("messages", "messages: no message for %s", code)
		} else if n := strings.Count(d.Messages[code], "%s"); n != messageArgs[code] || strings.Count(d.Messages[code], "%") != n {
			at("messages."+code, "messages: %s takes %d %%s, not %d (and no other %% verb)", code, messageArgs[code], n)
		}
	}
	for code := range d.Messages {
		if !slices.Contains(ReasonCodes, code) {
			at("messages."+code, "messages: unknown reason code %q", code)
		}
	}
	for i := range d.Flows {
		f := &d.Flows[i]
		fk := "flows." + f.ID
		fl := func(key, format string, args ...any) {
			at(join(fk, key), "flow %s: "+format, append([]any{f.ID}, args...)...)
		}
		if !purposes[f.Purpose] {
			fl("purpose", "unknown purpose %q", f.Purpose)
		}
		if !slices.Contains(Bases, f.Basis) {
			fl("basis", "unknown basis %q", f.Basis)
		}
		if !slices.Contains(FlowModes, f.Mode) {
			fl("mode", "mode must be request, notification or both (got %q)", f.Mode)
		}
		if _, ok := d.Consent.Regimes[f.Consent]; !ok && f.Consent != "none" {
			fl("consent", "unknown consent regime %q", f.Consent)
		}
		if f.Basis == "toestemming" && f.Consent == "none" {
			fl("consent", "basis toestemming needs a consent regime")
		}
		if f.Basis != "toestemming" && f.Consent != "none" {
			fl("consent", "consent regime %q on a flow whose basis is %s (use consent: none)", f.Consent, f.Basis)
		}
		if f.Consent == "none" {
			for key, set := range map[string]bool{"parents_required": f.ParentsRequired != nil,
				"attested_consent": f.AttestedConsent != nil, "consent_by_age": f.ConsentByAge != nil} {
				if set {
					fl(key, "%s on a flow without consent (consent: none)", key)
				}
			}
		}
		if f.ParentsRequired != nil {
			parents(fk+".parents_required", "flow "+f.ID, *f.ParentsRequired)
		}
		if f.ConsentByAge != nil {
			checkBands(fk+".consent_by_age", "flow "+f.ID+": consent_by_age", f.ConsentByAge)
		}
		if f.Query != "" && !slices.Contains(FlowQueries, f.Query) {
			fl("query", "query must be release, consult or monitoring (got %q)", f.Query)
		}
		personal := f.Query == "" || f.Query == QueryRelease
		if personal == (f.Basis == "geen_persoonsgegevens") {
			fl("basis", "basis geen_persoonsgegevens belongs to a consult or monitoring flow, and only there")
		}
		if f.DesignatedGemeente != nil && *f.DesignatedGemeente {
			if !slices.Contains(DesignatedGemeenteFlows, f.ID) {
				fl("designated_gemeente", "the designated gemeente may be switched on only on %s (RULES.md \"Residence\": the woongemeente decides elsewhere)", strings.Join(DesignatedGemeenteFlows, " and "))
			}
			if !f.Requires.Residence {
				fl("designated_gemeente", "designated_gemeente on a flow without residence")
			}
		}
		if !slices.Contains(InzageClasses, f.InzageClass) {
			fl("inzage_class", "inzage_class must be one of %s (got %q)", strings.Join(InzageClasses, ", "), f.InzageClass)
		}
		for _, o := range f.HolderSchoolObligations {
			if o == "" {
				fl("holder_school_obligations", "empty obligation")
			}
		}
		if f.Requires.Case && f.Consent == "none" {
			fl("requires.case", "case on a flow without consent (the team consent is its basis)")
		}
		if f.AttestedConsent != nil && *f.AttestedConsent && f.Mode == ModeNotification {
			fl("attested_consent", "attested_consent on a notification flow (an attested consent counts only in request mode)")
		}
		for side, s := range map[string]Side{"holder": f.Holder, "recipient": f.Recipient} {
			if len(s.OrgTypes) == 0 {
				fl(side, "%s: no org_types (use [any])", side)
			}
			for _, o := range s.OrgTypes {
				if o != "any" && !orgs[o] {
					fl(side+".org_types", "%s: unknown org type %q", side, o)
				}
			}
			for _, r := range s.Roles {
				if !roles[r] {
					fl(side+".roles", "%s: unknown role %q", side, r)
				}
			}
		}
		if f.Requires.Residence {
			can := false
			for _, o := range slices.Concat(f.Holder.OrgTypes, f.Recipient.OrgTypes) {
				can = can || residence[o] || (o == "any" && slices.ContainsFunc(d.OrgTypes, func(x OrgType) bool { return x.Residence }))
			}
			if !can {
				fl("requires.residence", "residence on a flow where neither side can be an org type marked residence")
			}
		}
		if len(f.Categories) == 0 && f.Query != QueryConsult {
			fl("categories", "no categories")
		}
		for _, c := range f.Categories {
			if !cats[c] {
				fl("categories", "unknown category %q", c)
			}
			// bijzonder: special categories move only with consent or a
			// statutory basis, never on publieke_taak alone.
			if special[c] && f.Basis == "publieke_taak" && strings.TrimSpace(f.StatutoryBasis) == "" {
				fl("categories", "special category %q on basis publieke_taak without statutory_basis (needs consent or a statutory basis)", c)
			}
		}
		for _, c := range f.Never {
			if !cats[c] {
				fl("never", "never: unknown category %q", c)
			}
			if slices.Contains(f.Categories, c) {
				fl("never", "category %q is both allowed and never", c)
			}
		}
		if f.MinAge < 0 || (f.MaxAge != nil && *f.MaxAge < f.MinAge) {
			fl("max_age", "bad age range")
		}
		if f.RetentionDays <= 0 {
			fl("retention_days", "retention_days must be positive")
		}
		for _, o := range f.Obligations {
			if o == "" {
				fl("obligations", "empty obligation")
			}
		}
		f.Holder.Roles = nonNil(f.Holder.Roles)
		f.Recipient.Roles = nonNil(f.Recipient.Roles)
		f.Never = nonNil(f.Never)
		f.Obligations = nonNil(f.Obligations)
		f.HolderSchoolObligations = nonNil(f.HolderSchoolObligations)
		f.Categories = nonNil(f.Categories)
	}
	// Flow selection must be unambiguous.
	for i, a := range d.Flows {
		for _, b := range d.Flows[i+1:] {
			if a.Purpose == b.Purpose && overlap(a.Holder.OrgTypes, b.Holder.OrgTypes) && overlap(a.Recipient.OrgTypes, b.Recipient.OrgTypes) {
				at("flows."+b.ID, "flows %s and %s: both match purpose %q between the same org types", a.ID, b.ID, a.Purpose)
			}
		}
	}
	return errors.Join(errs...)
}

// validateQuestions checks the data of the other questions: the inzage
// table, the consult's closed lists, the monitoring rows and the regie view.
func (d *Data) validateQuestions(at func(path, format string, args ...any), flows map[string]bool) {
	in := d.Inzage
	class := func(path, c string) {
		if !slices.Contains(InzageClasses, c) {
			at(path, "%s: unknown inzage class %q", path, c)
		}
	}
	class("inzage.default_class", in.DefaultClass)
	class("inzage.released_as", in.ReleasedAs)
	for _, c := range in.HeldForSafety {
		class("inzage.held_for_safety", c)
		if c == in.ReleasedAs {
			at("inzage.released_as", "inzage.released_as: a released record cannot follow a class held for safety")
		}
	}
	for _, c := range in.Withholdable {
		class("inzage.withholdable", c)
	}
	if len(in.Requesters) == 0 {
		at("inzage.requesters", "inzage.requesters: none")
	}
	seen := map[string]bool{}
	for i, r := range in.Requesters {
		rp := fmt.Sprintf("inzage.requesters[%d]", i)
		if !slices.Contains(InzageKinds, r.Kind) {
			at(rp, "%s: kind must be ouder or jeugdige (got %q)", rp, r.Kind)
		}
		key := r.Kind + "/any"
		if r.Gezag != nil {
			key = fmt.Sprintf("%s/%v", r.Kind, *r.Gezag)
		}
		if seen[key] || seen[r.Kind+"/any"] || (r.Gezag == nil && (seen[r.Kind+"/true"] || seen[r.Kind+"/false"])) {
			at(rp, "%s: a second row for the same requester", rp)
		}
		seen[key] = true
		next := 0
		for j, b := range r.ByAge {
			bp := fmt.Sprintf("%s.by_age[%d]", rp, j)
			if b.MinAge != next {
				at(bp, "%s: starts at %d, expected %d", bp, b.MinAge, next)
			}
			for _, c := range b.Classes {
				class(bp, c)
			}
			if b.MaxAge == nil {
				next = -1
				if j != len(r.ByAge)-1 {
					at(bp, "%s: only the last band may be open-ended", bp)
				}
				break
			}
			next = *b.MaxAge + 1
		}
		if next != -1 {
			at(rp, "%s: the last band must have no max_age", rp)
		}
	}
	if len(d.Consult) == 0 {
		at("consult", "consult: no keys")
	}
	for k, f := range d.Consult {
		if len(f.Values) == 0 {
			at("consult."+k, "consult.%s: no values", k)
		}
	}
	m := d.Monitoring
	if len(m.Dimensions) == 0 {
		at("monitoring.dimensions", "monitoring.dimensions: none")
	}
	dims := map[string]bool{}
	for _, x := range m.Dimensions {
		if !slices.Contains(MonitoringDimensions, x) {
			at("monitoring.dimensions", "monitoring.dimensions: unknown dimension %q (one of %s)", x, strings.Join(MonitoringDimensions, ", "))
		}
		if dims[x] {
			at("monitoring.dimensions", "monitoring.dimensions: %q twice", x)
		}
		dims[x] = true
	}
	for _, f := range m.ExcludedFlows {
		if !flows[f] {
			at("monitoring.excluded_flows", "monitoring.excluded_flows: unknown flow %q", f)
		}
	}
	if m.SmallCell < 1 {
		at("monitoring.small_cell", "monitoring.small_cell: must be at least 1")
	}
	if !flows[d.Regie.Flow] {
		at("regie.flow", "regie.flow: unknown flow %q", d.Regie.Flow)
	} else if f := d.Flows[slices.IndexFunc(d.Flows, func(f Flow) bool { return f.ID == d.Regie.Flow })]; !f.Requires.Case {
		at("regie.flow", "regie.flow: flow %s has no case (requires.case)", f.ID)
	}
	if len(d.Regie.Fields) == 0 {
		at("regie.fields", "regie.fields: none")
	}
}

// InzageKinds are the values of an inzage requester's kind.
var InzageKinds = []string{"ouder", "jeugdige"}

func ids[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

func overlap(a, b []string) bool {
	if slices.Contains(a, "any") || slices.Contains(b, "any") {
		return len(a) > 0 && len(b) > 0
	}
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// opaData is the rules in the shape the Rego reads under
// data.schakel.rules: vocabularies and flows as objects keyed by id, role
// lists and category allow-lists as sets (objects of true), every optional
// flow field present, and derived indexes (see decision.rego):
// routes[purpose][holder org type][recipient org type] = flow id, and per
// flow consent_settings[regime] = {by_age (bands with min_age, age_to,
// givers), parents_required, attested_consent} with inheritance (global,
// regime, flow) resolved.
// Validate must have passed.
func (d *Data) opaData() map[string]any {
	set := func(ss []string) map[string]any {
		m := make(map[string]any, len(ss))
		for _, s := range ss {
			m[s] = true
		}
		return m
	}
	list := func(ss []string) []any {
		out := make([]any, len(ss))
		for i, s := range ss {
			out[i] = s
		}
		return out
	}
	purposes := make(map[string]any, len(d.Purposes))
	for _, p := range d.Purposes {
		purposes[p.ID] = map[string]any{"id": p.ID, "description": p.Description}
	}
	orgs := make(map[string]any, len(d.OrgTypes))
	var orgIDs []string
	for _, o := range d.OrgTypes {
		orgs[o.ID] = map[string]any{"id": o.ID, "description": o.Description, "care": o.Care, "residence": o.Residence,
			"school": o.School, "roll": o.Roll}
		orgIDs = append(orgIDs, o.ID)
	}
	roles := make(map[string]any, len(d.Roles))
	for _, r := range d.Roles {
		roles[r.ID] = map[string]any{"id": r.ID, "org_types": list(r.OrgTypes), "beroepsgeheim": r.Beroepsgeheim}
	}
	cats := make(map[string]any, len(d.Categories))
	for _, c := range d.Categories {
		cats[c.ID] = map[string]any{"id": c.ID, "special": c.Special, "description": c.Description}
	}
	expand := func(ots []string) []string {
		if slices.Contains(ots, "any") {
			return orgIDs
		}
		return ots
	}
	// accepts: the roles a side accepts, "" included when it lists none.
	anyRole := make([]string, 0, len(d.Roles)+1)
	anyRole = append(anyRole, "")
	for _, r := range d.Roles {
		anyRole = append(anyRole, r.ID)
	}
	side := func(s Side) map[string]any {
		accepts := s.Roles
		if len(accepts) == 0 {
			accepts = anyRole
		}
		return map[string]any{"org_types": list(s.OrgTypes), "roles": set(s.Roles), "accepts": set(accepts)}
	}
	flows := make(map[string]any, len(d.Flows))
	routes := make(map[string]any)
	for _, f := range d.Flows {
		var maxAge any
		ageTo := MaxAge
		if f.MaxAge != nil {
			maxAge = *f.MaxAge
			ageTo = *f.MaxAge
		}
		// checks: the reason code of each condition the flow requires,
		// split into those the request alone decides (request_checks, also
		// evaluated by the precheck before the child is looked up) and those
		// that need the child's record (subject_checks).
		requestChecks, subjectChecks := []string{}, []string{}
		for _, c := range []struct {
			on      bool
			code    string
			request bool
		}{
			{f.Requires.Relation, "RELATION_REQUIRED", true},
			{f.Requires.Justification, "JUSTIFICATION_REQUIRED", true},
			{f.Requires.CaseReference, "CASE_REFERENCE_REQUIRED", true},
			{f.Requires.Beroepsgeheim, "BEROEPSGEHEIM_REQUIRED", true},
			{f.Requires.Enrolment, "NOT_ENROLLED", false},
			{f.Requires.Inzage, "INZAGE_REQUIRED", false},
		} {
			switch {
			case c.on && c.request:
				requestChecks = append(requestChecks, c.code)
			case c.on:
				subjectChecks = append(subjectChecks, c.code)
			}
		}
		modes := []string{f.Mode}
		if f.Mode == "both" {
			modes = []string{ModeRequest, ModeNotification}
		}
		// consent: the settings in force under each regime the flow can
		// decide under (its own, and the strict one), inheritance resolved.
		consent := make(map[string]any)
		for _, name := range d.FlowRegimes(f) {
			cs, ok := d.ConsentSettings(f, name)
			if !ok {
				continue
			}
			consent[name] = map[string]any{
				"by_age":              bandsValue(cs.ByAge),
				"parents_required":    cs.ParentsRequired,
				"attested_consent":    cs.AttestedConsent,
				"inform_other_parent": cs.InformOtherParent,
			}
		}
		obligations := slices.Clone(f.Obligations)
		slices.Sort(obligations)
		flows[f.ID] = map[string]any{
			"id": f.ID, "title": f.Title, "purpose": f.Purpose, "basis": f.Basis, "consent": f.Consent,
			"modes":  set(modes),
			"holder": side(f.Holder), "recipient": side(f.Recipient),
			"categories": list(f.Categories), "allowed": set(f.Categories), "never": list(f.Never),
			"requires": map[string]any{
				"relation": f.Requires.Relation, "justification": f.Requires.Justification,
				"enrolment": f.Requires.Enrolment, "inzage": f.Requires.Inzage,
				"beroepsgeheim": f.Requires.Beroepsgeheim, "residence": f.Requires.Residence,
				"case_reference": f.Requires.CaseReference, "own_pupil": f.Requires.OwnPupil,
				"verzuim_melding": f.Requires.VerzuimMelding, "case": f.Requires.Case,
			},
			"query":                     cmp.Or(f.Query, QueryRelease),
			"designated_gemeente":       f.DesignatedGemeente != nil && *f.DesignatedGemeente,
			"inzage_class":              f.InzageClass,
			"holder_school_obligations": list(f.HolderSchoolObligations),
			"request_checks":            list(requestChecks),
			"subject_checks":            list(subjectChecks),
			"residence":                 f.Requires.Residence,
			"consent_settings":          consent,
			"min_age":                   f.MinAge, "max_age": maxAge, "age_to": ageTo,
			"obligations":    list(obligations),
			"retention_days": f.RetentionDays,
		}
		byHolder, _ := routes[f.Purpose].(map[string]any)
		if byHolder == nil {
			byHolder = make(map[string]any)
			routes[f.Purpose] = byHolder
		}
		for _, h := range expand(f.Holder.OrgTypes) {
			byRecipient, _ := byHolder[h].(map[string]any)
			if byRecipient == nil {
				byRecipient = make(map[string]any)
				byHolder[h] = byRecipient
			}
			for _, r := range expand(f.Recipient.OrgTypes) {
				byRecipient[r] = f.ID
			}
		}
	}
	regimes := make(map[string]any, len(d.Consent.Regimes))
	for name, r := range d.Consent.Regimes {
		bs := make([]any, len(r.ByAge))
		for i, b := range r.ByAge {
			var maxAge any
			if b.MaxAge != nil {
				maxAge = *b.MaxAge
			}
			bs[i] = map[string]any{"min_age": b.MinAge, "max_age": maxAge, "givers": list(b.Givers)}
		}
		regimes[name] = map[string]any{"by_age": bs}
	}
	messages := make(map[string]any, len(d.Messages))
	for k, v := range d.Messages {
		messages[k] = v
	}
	requesters := make([]any, len(d.Inzage.Requesters))
	for i, r := range d.Inzage.Requesters {
		var gezag any
		if r.Gezag != nil {
			gezag = *r.Gezag
		}
		bands := make([]any, len(r.ByAge))
		for j, b := range r.ByAge {
			hi := MaxAge
			if b.MaxAge != nil {
				hi = min(*b.MaxAge, MaxAge)
			}
			bands[j] = map[string]any{"min_age": b.MinAge, "age_to": hi, "classes": list(b.Classes)}
		}
		requesters[i] = map[string]any{"kind": r.Kind, "gezag": gezag, "by_age": bands}
	}
	consult := make(map[string]any, len(d.Consult))
	for k, f := range d.Consult {
		consult[k] = map[string]any{"list": f.List, "values": set(f.Values)}
	}
	reasons := set(append(slices.Clone(ReasonCodes), GatewayReasonCodes...))
	reasons[""] = true
	return map[string]any{"schakel": map[string]any{"rules": map[string]any{
		"verzuim_threshold_hours": d.VerzuimThresholdHours,
		"inzage": map[string]any{
			"default_class":   d.Inzage.DefaultClass,
			"held_for_safety": set(d.Inzage.HeldForSafety),
			"released_as":     d.Inzage.ReleasedAs,
			"withholdable":    set(d.Inzage.Withholdable),
			"requesters":      requesters,
		},
		"consult": consult,
		"monitoring": map[string]any{
			"dimensions":     list(d.Monitoring.Dimensions),
			"row_keys":       set(append(slices.Clone(d.Monitoring.Dimensions), "count")),
			"excluded_flows": set(d.Monitoring.ExcludedFlows),
			"small_cell":     d.Monitoring.SmallCell,
			"reasons":        reasons,
		},
		"regie":      map[string]any{"flow": d.Regie.Flow, "fields": list(d.Regie.Fields)},
		"purposes":   purposes,
		"org_types":  orgs,
		"roles":      roles,
		"categories": cats,
		"consent": map[string]any{
			"parents_required":     d.Consent.ParentsRequired,
			"attested_consent":     d.Consent.AttestedConsent,
			"attested_notice_days": d.Consent.AttestedNoticeDays,
			"inform_other_parent":  d.Consent.InformOtherParent,
			"strict_regime":        d.Consent.StrictRegime,
			"regimes":              regimes,
		},
		"messages":               messages,
		"flows":                  flows,
		"routes":                 routes,
		"default_retention_days": d.DefaultRetentionDays,
	}}}
}

// bandsValue is a list of age bands as the Rego reads them: min_age,
// age_to (max_age, or MaxAge when open-ended) and givers.
func bandsValue(bands []AgeBand) []any {
	out := make([]any, len(bands))
	for i, b := range bands {
		hi := MaxAge
		if b.MaxAge != nil {
			hi = min(*b.MaxAge, MaxAge)
		}
		gs := make([]any, len(b.Givers))
		for j, g := range b.Givers {
			gs[j] = g
		}
		out[i] = map[string]any{"min_age": b.MinAge, "age_to": hi, "givers": gs}
	}
	return out
}

// OPAData returns the rules exactly as the pack's Rego reads them, as JSON
// under {"schakel": {"rules": ...}}: the data file for running the pack's
// Rego tests with the opa command line (see `schakel policy data`).
func (p *Pack) OPAData() ([]byte, error) {
	return json.MarshalIndent(p.opaData, "", "  ")
}

// residence reports whether the org type is marked residence.
func (p *Pack) residence(orgType string) bool {
	for _, o := range p.data.OrgTypes {
		if o.ID == orgType {
			return o.Residence
		}
	}
	return false
}

// roll reports whether the org type keeps a roll (own_pupil applies).
func (p *Pack) roll(orgType string) bool {
	for _, o := range p.data.OrgTypes {
		if o.ID == orgType {
			return o.Roll
		}
	}
	return false
}
