// Package examples holds the local API examples (curl, Node.js) and the
// test that runs them against real nodes.
package examples

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/internal/testnode"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// TestExamples runs examples/curl/request-record.sh and
// examples/node/request-record.mjs, unchanged, against a real school node
// and a real jeugdzorg node (real TLS, the jeugdzorg organisation's local
// client certificate), and checks that they get the same decision and
// record as a gRPC client.
func TestExamples(t *testing.T) {
	f := testnode.New(t)
	// Bas's basisschool; both his parents have gezag and both consented.
	school := f.Start(testnode.Basisschool, []testnode.Org{testnode.Zorg}, nil)
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.Basisschool}, nil)
	ctx := context.Background()
	bas := testnode.Child(t, "Bas")
	for _, giver := range []string{"moeder-bas", "vader-bas"} {
		if _, err := school.Consent.RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: &localv1.Consent{
			Bsn: bas.BSN, GivenBy: "ouder", Giver: giver, RecipientOin: testnode.Zorg.OIN, Purpose: "afstemming_hulp_onderwijs",
			Categories: []string{"identificatie", "verzuim"}, GivenAt: timestamppb.New(time.Now().Add(-time.Hour)),
		}}); err != nil {
			t.Fatal(err)
		}
	}
	want, err := zorg.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{HolderOin: testnode.Basisschool.OIN, Purpose: "afstemming_hulp_onderwijs",
		Bsn: bas.BSN, Categories: []string{"identificatie", "verzuim", "opp"}, Role: "jeugdhulpverlener", Relation: true})
	if err != nil {
		t.Fatal(err)
	}
	if !want.GetDecision().GetAllow() || want.GetRecord().GetVerzuim() == nil {
		t.Fatalf("gRPC: %v", want)
	}

	dir := t.TempDir()
	certPath, keyPath := zorg.Client.WriteFiles(t, dir)
	caPath := filepath.Join(dir, "federation-ca.pem")
	if err := os.WriteFile(caPath, f.CA.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "SCHAKEL_URL=https://"+zorg.Node.LocalAddr, "SCHAKEL_CERT="+certPath, "SCHAKEL_KEY="+keyPath,
		"SCHAKEL_CA="+caPath, "HOLDER_OIN="+testnode.Basisschool.OIN, "BSN="+bas.BSN)
	run := func(t *testing.T, env []string, name string, args ...string) (string, string, error) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env = env
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return out.String(), errb.String(), err
	}

	t.Run("curl", func(t *testing.T) {
		if _, err := exec.LookPath("curl"); err != nil {
			t.Skip("curl is not installed (apt-get install curl; .ci/run installs it)")
		}
		out, errOut, err := run(t, env, "sh", "curl/request-record.sh")
		if err != nil {
			t.Fatalf("curl example: %v\n%s\n%s", err, out, errOut)
		}
		got := &localv1.RequestRecordResponse{}
		if err := protojson.Unmarshal([]byte(out), got); err != nil {
			t.Fatalf("curl example printed no RequestRecordResponse: %v\n%s", err, out)
		}
		if got.GetDecision().GetAllow() != true || got.GetDecision().GetFlow() != "A1" ||
			strings.Join(got.GetDecision().GetCategories(), ",") != strings.Join(want.GetDecision().GetCategories(), ",") ||
			got.GetRecord().GetVerzuim().String() != want.GetRecord().GetVerzuim().String() {
			t.Fatalf("curl got\n%v\nwant\n%v", got, want)
		}
		// The node logged the request id the example sent.
		if !strings.Contains(f.Logs.String(), `"request_id":"curl-example-`) {
			t.Fatal("no rpc log line with the example's X-Request-Id")
		}
		// Without the client certificate curl is refused.
		_, _, err = run(t, append(env, "SCHAKEL_CERT=/dev/null"), "sh", "curl/request-record.sh")
		if err == nil {
			t.Fatal("curl without a client certificate succeeded")
		}
	})

	t.Run("node", func(t *testing.T) {
		if _, err := exec.LookPath("node"); err != nil {
			t.Skip("node is not installed (apt-get install nodejs; .ci/run installs it)")
		}
		out, errOut, err := run(t, env, "node", "node/request-record.mjs")
		if err != nil {
			t.Fatalf("node example: %v\n%s\n%s", err, out, errOut)
		}
		var got struct {
			Pack     string          `json:"pack"`
			Allow    bool            `json:"allow"`
			Flow     string          `json:"flow"`
			Released []string        `json:"released"`
			Record   json.RawMessage `json:"record"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("node example output: %v\n%s", err, out)
		}
		rec := &localv1.RequestRecordResponse{}
		if err := protojson.Unmarshal([]byte(`{"record":`+string(got.Record)+`}`), rec); err != nil {
			t.Fatalf("record: %v", err)
		}
		if !got.Allow || got.Flow != "A1" || !strings.HasPrefix(got.Pack, "sha256:") ||
			strings.Join(got.Released, ",") != strings.Join(want.GetDecision().GetCategories(), ",") ||
			rec.GetRecord().GetVerzuim().String() != want.GetRecord().GetVerzuim().String() {
			t.Fatalf("node got %s\nwant %v", out, want)
		}
		// An unknown holder: the example fails with the gRPC reason code.
		_, errOut, err = run(t, append(env, "HOLDER_OIN=00000001999999999999"), "node", "node/request-record.mjs")
		if err == nil || !strings.Contains(errOut, "UNKNOWN_PEER") {
			t.Fatalf("unknown holder: %v\n%s", err, errOut)
		}
	})
}
