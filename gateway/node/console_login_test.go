package node_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
	"github.com/schakel/schakel/internal/testpki"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// TestConsoleLoginOverLocalAPI: a local client gets a fresh console link
// (what `schakel console login` asks for), but only for a console user
// whose permissions it holds itself.
func TestConsoleLoginOverLocalAPI(t *testing.T) {
	f := testnode.New(t)
	f.LocalCA = testpki.New(t)
	ops := f.LocalCA.Issue(t, "", "Beheer")
	reader := f.LocalCA.Issue(t, "", "Monitoring")
	school := f.Start(testnode.School, nil, func(c *config.Config, _ *node.Options) {
		c.Console = config.Console{Listen: "auto", Users: []config.ConsoleUser{{Name: "lezer", Permissions: []string{identity.PermStatus}}}}
		c.Local.Clients = []config.LocalClient{
			{Subject: "Beheer", Permissions: identity.Permissions},
			{Subject: "Monitoring", Permissions: []string{identity.PermStatus}},
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	api := func(c *testpki.Cert) localv1.ConsoleServiceClient {
		return localv1.NewConsoleServiceClient(f.Dial(school.Node.LocalAddr, c.TLS))
	}
	resp, err := api(ops).CreateLoginLink(ctx, &localv1.CreateLoginLinkRequest{})
	if err != nil {
		t.Fatal(err)
	}
	prefix := "https://" + school.Node.ConsoleAddr() + "/login?token="
	if resp.GetUser() != config.ConsoleAdmin || !strings.HasPrefix(resp.GetUrl(), prefix) ||
		time.Until(resp.GetExpiresAt().AsTime()) > 11*time.Minute || time.Until(resp.GetExpiresAt().AsTime()) < 9*time.Minute {
		t.Fatalf("link %+v", resp)
	}
	// The link opens a session once.
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: f.CA.Pool(), InsecureSkipVerify: true}} //nolint:gosec // the node's certificate names its OIN, not 127.0.0.1; this checks the link, not TLS names
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i, want := range []int{http.StatusSeeOther, http.StatusUnauthorized} {
		r, err := hc.Get(resp.GetUrl())
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != want {
			t.Errorf("use %d of the link: %d, want %d", i+1, r.StatusCode, want)
		}
	}
	// A client with the status permission only may not mint a link for the
	// user with every permission, but may for "lezer".
	_, err = api(reader).CreateLoginLink(ctx, &localv1.CreateLoginLinkRequest{User: config.ConsoleAdmin})
	if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "lacks") {
		t.Errorf("escalation: %v, want PermissionDenied", err)
	}
	if r, err := api(reader).CreateLoginLink(ctx, &localv1.CreateLoginLinkRequest{User: "lezer"}); err != nil || r.GetUser() != "lezer" {
		t.Errorf("lezer link: %v, %v", r, err)
	}
	if _, err := api(ops).CreateLoginLink(ctx, &localv1.CreateLoginLinkRequest{User: "niemand"}); status.Code(err) != codes.NotFound {
		t.Errorf("unknown user: %v, want NotFound", err)
	}
	// The same over JSON, through the same permission check.
	url := "https://" + school.Node.LocalAddr + "/v1/console/login-links"
	for i, c := range []struct {
		cert *testpki.Cert
		body string
		want int
	}{{ops, `{}`, http.StatusOK}, {reader, `{}`, http.StatusForbidden}, {reader, `{"user":"lezer"}`, http.StatusOK}} {
		r, err := f.HTTPClient(c.cert.TLS).Post(url, "application/json", strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			URL string `json:"url"`
		}
		_ = json.NewDecoder(r.Body).Decode(&out)
		r.Body.Close()
		if r.StatusCode != c.want || (c.want == http.StatusOK && !strings.HasPrefix(out.URL, prefix)) {
			t.Errorf("JSON case %d (%s): %d %q, want %d", i, c.body, r.StatusCode, out.URL, c.want)
		}
	}
	// A node without a console says so.
	other := f.Start(testnode.Zorg, nil, nil)
	if _, err := localv1.NewConsoleServiceClient(f.Dial(other.Node.LocalAddr, other.Client.TLS)).CreateLoginLink(ctx, &localv1.CreateLoginLinkRequest{}); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("console off: %v, want FailedPrecondition", err)
	}
}
