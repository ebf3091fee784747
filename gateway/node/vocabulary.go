package node

import (
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/schakel/schakel/policy"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// Vocabulary is the active pack's vocabulary (the local API's
// GetVocabulary). Pack and revision come from one load, so they always
// belong together.
func (p *Policy) Vocabulary() (*localv1.GetVocabularyResponse, error) {
	ap := p.active.Load()
	return VocabularyProto(ap.revision, ap.pack.Data())
}

// flowTyped are the flow fields that VocabularyFlow carries as fields of
// its own; every other field of a flow goes into conditions, under the
// pack's own name, so fields a later pack contract adds reach vendors
// without a change here.
var flowTyped = map[string]bool{
	"id": true, "title": true, "purpose": true, "basis": true, "mode": true,
	"categories": true, "holder": true, "recipient": true,
}

// VocabularyProto converts a pack's data to the vocabulary API form. It
// reads flows through their JSON form (the pack's field names), not field
// by field.
func VocabularyProto(revision string, d *policy.Data) (*localv1.GetVocabularyResponse, error) {
	out := &localv1.GetVocabularyResponse{Revision: revision, ReasonTexts: map[string]string{}}
	for _, p := range d.Purposes {
		out.Purposes = append(out.Purposes, &localv1.VocabularyPurpose{Id: p.ID, Description: p.Description})
	}
	for _, r := range d.Roles {
		out.Roles = append(out.Roles, &localv1.VocabularyRole{Id: r.ID, OrgTypes: r.OrgTypes, Beroepsgeheim: r.Beroepsgeheim})
	}
	for _, c := range d.Categories {
		out.Categories = append(out.Categories, &localv1.VocabularyCategory{Id: c.ID, Description: c.Description, Special: c.Special})
	}
	for _, o := range d.OrgTypes {
		out.OrgTypes = append(out.OrgTypes, &localv1.VocabularyOrgType{Id: o.ID, Description: o.Description, Care: o.Care})
	}
	for k, v := range d.Messages {
		out.ReasonTexts[k] = v
	}
	for _, f := range d.Flows {
		vf, err := vocabularyFlow(f)
		if err != nil {
			return nil, fmt.Errorf("vocabulary: flow %s: %w", f.ID, err)
		}
		out.Flows = append(out.Flows, vf)
	}
	return out, nil
}

func vocabularyFlow(f policy.Flow) (*localv1.VocabularyFlow, error) {
	raw, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	var typed struct {
		ID         string   `json:"id"`
		Title      string   `json:"title"`
		Purpose    string   `json:"purpose"`
		Basis      string   `json:"basis"`
		Mode       string   `json:"mode"`
		Categories []string `json:"categories"`
		Holder     struct {
			OrgTypes []string `json:"org_types"`
			Roles    []string `json:"roles"`
		} `json:"holder"`
		Recipient struct {
			OrgTypes []string `json:"org_types"`
			Roles    []string `json:"roles"`
		} `json:"recipient"`
	}
	if err := json.Unmarshal(raw, &typed); err != nil {
		return nil, err
	}
	rest := map[string]any{}
	for k, v := range m {
		if !flowTyped[k] && v != nil {
			rest[k] = v
		}
	}
	conds, err := structpb.NewStruct(rest)
	if err != nil {
		return nil, err
	}
	return &localv1.VocabularyFlow{
		Id: typed.ID, Title: typed.Title, Purpose: typed.Purpose, Basis: typed.Basis, Mode: typed.Mode,
		Categories: typed.Categories,
		Holder:     &localv1.VocabularySide{OrgTypes: typed.Holder.OrgTypes, Roles: typed.Holder.Roles},
		Recipient:  &localv1.VocabularySide{OrgTypes: typed.Recipient.OrgTypes, Roles: typed.Recipient.Roles},
		Conditions: conds,
	}, nil
}
