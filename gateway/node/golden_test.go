package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGoldenResponses pins, byte for byte, what a recipient receives from a
// holder that runs the real default pack over mTLS: on a release only the
// released categories' messages are present (minimisation), and the withheld
// categories are named with their codes; on a denial there is no record at
// all. Values that differ per run (decision id, consent ids, policy
// revision) are replaced by placeholders. Regenerate with
// `go test ./gateway/node -run TestGoldenResponses -update` and review the diff.
func TestGoldenResponses(t *testing.T) {
	src := fixtureSource(t)
	f := testnode.New(t)
	f.Start(testnode.School, []testnode.Org{testnode.Zorg}, func(_ *config.Config, o *node.Options) { o.Source = src })
	basis := f.Start(testnode.Basisschool, []testnode.Org{testnode.Zorg}, func(_ *config.Config, o *node.Options) { o.Source = src })
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School, testnode.Basisschool}, nil)
	ctx := context.Background()
	bas, lotte := testnode.Child(t, "Bas"), testnode.Child(t, "Lotte")

	// Both parents of Bas (7), who share gezag, consent at his basisschool to
	// sharing three categories with Jeugdzorg Twente.
	for _, giver := range []string{"ouder-bas-moeder", "ouder-bas-vader"} {
		_, err := basis.Consent.RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: &localv1.Consent{
			Bsn: bas.BSN, GivenBy: "ouder", Giver: giver, RecipientOin: testnode.Zorg.OIN, Purpose: "afstemming_hulp_onderwijs",
			Categories: []string{"identificatie", "verzuim", "opp"}, GivenAt: timestamppb.New(time.Now().Add(-time.Hour)),
		}})
		if err != nil {
			t.Fatalf("RegisterConsent: %v", err)
		}
	}

	cases := []struct {
		golden string
		req    *localv1.RequestRecordRequest
	}{
		{"a1_release_minimised.json", &localv1.RequestRecordRequest{
			HolderOin: testnode.Basisschool.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN,
			Categories: []string{"identificatie", "verzuim", "opp", "gezondheid"}, Role: "jeugdhulpverlener", Relation: true,
		}},
		{"a1_denied_no_consent.json", &localv1.RequestRecordRequest{
			HolderOin: testnode.School.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: lotte.BSN,
			Categories: []string{"verzuim", "opp"}, Role: "jeugdhulpverlener", Relation: true,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.golden, func(t *testing.T) {
			resp, err := zorg.Local.RequestRecord(ctx, tc.req)
			if err != nil {
				t.Fatalf("RequestRecord: %v", err)
			}
			d := resp.GetDecision()
			if d.GetDecisionId() == "" || d.GetPolicyRevision() == "" {
				t.Fatalf("decision without id or revision: %v", d)
			}
			d.DecisionId, d.PolicyRevision = "<decision-id>", "<policy-revision>"
			for i := range d.ConsentsUsed {
				d.ConsentsUsed[i] = "<consent-id>"
			}
			resp.ReceiptIndex = 0
			got := canonicalJSON(t, resp)
			path := filepath.Join("testdata", tc.golden)
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("response differs from %s:\n got: %s\nwant: %s", path, got, want)
			}
		})
	}
}

// canonicalJSON renders a message as indented JSON with sorted keys, so the
// golden files are stable across protojson's deliberately unstable spacing.
func canonicalJSON(t *testing.T, m *localv1.RequestRecordResponse) []byte {
	t.Helper()
	raw, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
