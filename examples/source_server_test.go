package examples

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// TestSourceServerExample builds examples/source-server with `go build`,
// starts it on its own pupils.json behind mutual TLS, and points a real
// basisschool node at it (source.grpc): an A1 request from the
// zorgaanbieder's node, with both parents' consent and the real pack,
// releases Bas's verzuim as the example serves it, without the authorised
// tandarts visit or any reason.
func TestSourceServerExample(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "source-server")
	if out, err := exec.Command("go", "build", "-o", bin, "./source-server").CombinedOutput(); err != nil {
		t.Fatalf("go build ./source-server: %v\n%s", err, out)
	}
	f := testnode.New(t)
	school := testnode.Basisschool
	caPath := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caPath, f.CA.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	srvDir, nodeDir := filepath.Join(dir, "srv"), filepath.Join(dir, "node")
	for _, d := range []string{srvDir, nodeDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	srvCert, srvKey := f.CA.Issue(t, school.OIN, "LVS").WriteFiles(t, srvDir) // SAN localhost
	nodeCert, nodeKey := f.CA.Issue(t, school.OIN, school.Name).WriteFiles(t, nodeDir)

	cmd := exec.Command(bin, "--listen", "127.0.0.1:0", "--cert", srvCert, "--key", srvKey, "--client-ca", caPath,
		"--data", filepath.Join("source-server", "pupils.json"), "--school-oin", school.OIN, "--school-name", "OBS De Esch")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("the example server did not start: %v %s", err, stderr.String())
	}
	_, port, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "serving schakel.source.v1 on ")), "127.0.0.1:")
	if !ok {
		t.Fatalf("unexpected first line %q", line)
	}

	holder := f.Start(school, []testnode.Org{testnode.Zorg}, func(c *config.Config, _ *node.Options) {
		c.Source = config.Source{GRPC: config.SourceGRPC{Address: "localhost:" + port, CA: caPath, Cert: nodeCert, Key: nodeKey}, Timeout: config.Duration(5 * time.Second)}
	})
	zorg := f.Start(testnode.Zorg, []testnode.Org{school}, nil)
	ctx := context.Background()
	const bas = "999990196"
	for _, giver := range []string{"ouder-moeder", "ouder-vader"} {
		if _, err := holder.Consent.RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: &localv1.Consent{
			Bsn: bas, GivenBy: "ouder", Giver: giver, RecipientOin: testnode.Zorg.OIN, Purpose: "afstemming_hulp_onderwijs",
			Categories: []string{"verzuim"}, GivenAt: timestamppb.New(time.Now().Add(-time.Hour)),
			ValidUntil: timestamppb.New(time.Now().AddDate(1, 0, 0)),
		}}); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := zorg.Local.RequestRecord(ctx, &localv1.RequestRecordRequest{HolderOin: school.OIN, Purpose: "afstemming_hulp_onderwijs",
		Flow: "A1", Bsn: bas, Categories: []string{"verzuim"}, Role: "jeugdhulpverlener", Relation: true})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.GetDecision().GetAllow() {
		t.Fatalf("A1 through the example server refused: %v", resp.GetDecision())
	}
	var got []string
	for _, p := range resp.GetRecord().GetVerzuim().GetPeriods() {
		got = append(got, fmt.Sprintf("%s %dh %s", p.GetDate(), p.GetHours(), p.GetKind()))
	}
	if !slices.Equal(got, []string{"2026-10-27 2h te_laat"}) {
		t.Errorf("released verzuim = %q", got)
	}
	if b, _ := protojson.Marshal(resp.GetRecord()); bytes.Contains(b, []byte("tandarts")) || bytes.Contains(b, []byte("niet gekomen")) {
		t.Errorf("a reason or the authorised visit left the school: %s", b)
	}
}
