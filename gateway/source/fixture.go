package source

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schakel/schakel/gateway/bsn"
	"github.com/schakel/schakel/gateway/oin"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"gopkg.in/yaml.v3"
)

// DefaultFixture is the YAML fixture of fictional children that the embedded
// SQLite source is filled with when its database is empty. All names, BSNs
// (from the test range, valid under the 11-proef) and content are made up.
//
//go:embed fixture.yaml
var DefaultFixture []byte

// dateLayout is the ISO 8601 date used throughout the record.
const dateLayout = "2006-01-02"

// Child is one child of a fixture, for demos and tests.
type Child struct {
	Name       string // given and family name
	GivenName  string
	FamilyName string
	BSN        string
	BirthDate  time.Time // midnight UTC
	EnrolledAt []string  // OINs of the schools where the child is enrolled
}

// Children lists the children of a fixture, in fixture order. It validates
// the fixture as OpenSQLite does.
func Children(fixture []byte) ([]Child, error) {
	fx, err := parseFixture(fixture)
	if err != nil {
		return nil, err
	}
	out := make([]Child, len(fx))
	for i, c := range fx {
		out[i] = c.Child
	}
	return out, nil
}

type fixtureFile struct {
	Children []struct {
		GivenName        string               `yaml:"given_name"`
		FamilyName       string               `yaml:"family_name"`
		BSN              string               `yaml:"bsn"`
		BirthDate        string               `yaml:"birth_date"`
		EnrolledAt       []string             `yaml:"enrolled_at"`
		ParentsHadInzage bool                 `yaml:"parents_had_inzage"`
		Gemeente         string               `yaml:"gemeente"`
		ParentsWithGezag *int                 `yaml:"parents_with_gezag"`
		VerzuimMeldingen []fixtureMelding     `yaml:"verzuim_meldingen"`
		Record           map[string]yaml.Node `yaml:"record"`
	} `yaml:"children"`
}

// fixtureMelding is a verzuim melding a school made for a child; only open
// ones (not closed by leerplicht) are facts for the policy.
type fixtureMelding struct {
	Ref    string `yaml:"ref"`    // e.g. the DUO meldingsnummer
	School string `yaml:"school"` // the OIN of the school that made it
	Closed bool   `yaml:"closed"`
}

var gemeenteRE = regexp.MustCompile(`^GM[0-9]{4}$`)

// fixtureChild is a validated child with its categories as canonical protojson.
type fixtureChild struct {
	Child
	ParentsHadInzage bool
	Gemeente         string
	ParentsWithGezag int
	Meldingen        []fixtureMelding
	Data             map[string][]byte
}

func parseFixture(b []byte) ([]fixtureChild, error) {
	var f fixtureFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("source: fixture: %w", err)
	}
	if len(f.Children) == 0 {
		return nil, errors.New("source: fixture: no children")
	}
	seen := map[string]string{}
	out := make([]fixtureChild, 0, len(f.Children))
	for i, c := range f.Children {
		name := c.GivenName + " " + c.FamilyName
		if c.GivenName == "" || c.FamilyName == "" {
			return nil, fmt.Errorf("source: fixture: child %d: given_name and family_name are required", i+1)
		}
		fail := func(format string, args ...any) error {
			return fmt.Errorf("source: fixture: child %q: %s", name, fmt.Sprintf(format, args...))
		}
		if err := bsn.Valid(c.BSN); err != nil {
			return nil, fail("%v", err)
		}
		if other, dup := seen[c.BSN]; dup {
			return nil, fail("bsn already used by %q", other)
		}
		seen[c.BSN] = name
		birth, err := time.Parse(dateLayout, c.BirthDate)
		if err != nil {
			return nil, fail("birth_date %q is not YYYY-MM-DD", c.BirthDate)
		}
		if c.Gemeente != "" && !gemeenteRE.MatchString(c.Gemeente) {
			return nil, fail("gemeente %q is not a CBS municipality code (GM and four digits)", c.Gemeente)
		}
		for _, id := range c.EnrolledAt {
			if err := oin.Valid(id); err != nil {
				return nil, fail("enrolled_at %q: %v", id, err)
			}
		}
		gezag := 2 // a holder that does not know must not presume one parent
		if c.ParentsWithGezag != nil {
			gezag = *c.ParentsWithGezag
			if gezag != 1 && gezag != 2 {
				return nil, fail("parents_with_gezag must be 1 or 2, got %d", gezag)
			}
		}
		refs := map[string]bool{}
		for j, m := range c.VerzuimMeldingen {
			if m.Ref == "" {
				return nil, fail("verzuim_meldingen[%d].ref is required", j)
			}
			if err := oin.Valid(m.School); err != nil {
				return nil, fail("verzuim_meldingen[%d].school %q: %v", j, m.School, err)
			}
			if refs[m.School+" "+m.Ref] {
				return nil, fail("verzuim_meldingen[%d]: melding %q of %s is listed twice", j, m.Ref, m.School)
			}
			refs[m.School+" "+m.Ref] = true
		}
		fc := fixtureChild{
			Child: Child{
				Name: name, GivenName: c.GivenName, FamilyName: c.FamilyName,
				BSN: c.BSN, BirthDate: birth, EnrolledAt: c.EnrolledAt,
			},
			ParentsHadInzage: c.ParentsHadInzage,
			Gemeente:         c.Gemeente,
			ParentsWithGezag: gezag,
			Meldingen:        c.VerzuimMeldingen,
			Data:             map[string][]byte{},
		}
		for cat, node := range c.Record {
			if cat == "identificatie" || cat == "bsn" {
				return nil, fail("record.%s is derived from the child's names, birth date and bsn; remove it", cat)
			}
			fd := categoryField(cat)
			if fd == nil {
				return nil, fail("record: unknown category %q", cat)
			}
			raw, err := json.Marshal(yamlValue(&node))
			if err != nil {
				return nil, fail("record.%s: %v", cat, err)
			}
			msg := (&recordv1.Record{}).ProtoReflect().NewField(fd).Message().Interface()
			if err := protojson.Unmarshal(raw, msg); err != nil {
				return nil, fail("record.%s: %v", cat, err)
			}
			if v, ok := msg.(*recordv1.Verzuim); ok {
				for j, p := range v.GetPeriods() {
					if p.GetKind() != "" && !slices.Contains(AbsenceKinds, p.GetKind()) {
						return nil, fail("record.verzuim.periods[%d].kind %q is not one of %s", j, p.GetKind(), strings.Join(AbsenceKinds, ", "))
					}
				}
			}
			canon, err := protojson.Marshal(msg)
			if err != nil {
				return nil, fail("record.%s: %v", cat, err)
			}
			fc.Data[cat] = canon
		}
		out = append(out, fc)
	}
	return out, nil
}

// yamlValue turns a YAML node into a JSON-ready value. Scalars keep their
// literal text unless tagged int, float, bool or null, so an unquoted date
// stays "2025-03-14" rather than becoming a timestamp.
func yamlValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return yamlValue(n.Content[0])
	case yaml.AliasNode:
		return yamlValue(n.Alias)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			out = append(out, yamlValue(c))
		}
		return out
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			out[n.Content[i].Value] = yamlValue(n.Content[i+1])
		}
		return out
	}
	switch n.ShortTag() {
	case "!!int":
		if v, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return v
		}
	case "!!float":
		if v, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return v
		}
	case "!!bool":
		if v, err := strconv.ParseBool(n.Value); err == nil {
			return v
		}
	case "!!null":
		return nil
	}
	return n.Value
}
