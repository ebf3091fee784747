package server

import (
	"context"

	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// Policy serves schakel.local.v1.PolicyService on the local listener: the
// active policy pack and the last one the node refused.
type Policy struct {
	localv1.UnimplementedPolicyServiceServer
	// Status reports the node's policy status (node.Policy, converted by
	// node.StatusProto).
	Status func() *localv1.GetPolicyStatusResponse
	// Vocabulary reports the active pack's vocabulary (node.Policy.Vocabulary).
	Vocabulary func() (*localv1.GetVocabularyResponse, error)
}

// GetVocabulary reports the active pack's purposes, flows, roles,
// categories and reason texts, with its revision.
func (s *Policy) GetVocabulary(context.Context, *localv1.GetVocabularyRequest) (*localv1.GetVocabularyResponse, error) {
	v, err := s.Vocabulary()
	return v, toStatus(err)
}

// GetPolicyStatus reports the active pack and the last refused one.
func (s *Policy) GetPolicyStatus(context.Context, *localv1.GetPolicyStatusRequest) (*localv1.GetPolicyStatusResponse, error) {
	return s.Status(), nil
}
