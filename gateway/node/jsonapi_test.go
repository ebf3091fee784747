package node_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	rpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/docs"
	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/internal/testnode"
	"github.com/schakel/schakel/policy"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// postJSON sends body (protojson) to the node's local listener and returns
// the HTTP status and the raw answer.
func postJSON(t *testing.T, c *http.Client, method, url string, body proto.Message) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := protojson.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 1 {
		t.Errorf("JSON answered over %s, want HTTP/1.1", resp.Proto)
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, raw
}

// conformsToOpenAPI checks a JSON answer against its schema in the
// committed docs/openapi.yaml: what the node sends is what the file says.
func conformsToOpenAPI(t *testing.T, schema string, raw []byte) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	ref, ok := doc.Components.Schemas[schema]
	if !ok {
		t.Fatalf("docs/openapi.yaml has no schema %s", schema)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if err := ref.Value.VisitJSON(v, openapi3.MultiErrors()); err != nil {
		t.Fatalf("answer does not conform to docs/openapi.yaml %s: %v\n%s", schema, err, raw)
	}
}

func decodeJSON(t *testing.T, raw []byte, out proto.Message) {
	t.Helper()
	if err := protojson.Unmarshal(raw, out); err != nil {
		t.Fatalf("answer is not a %T: %v\n%s", out, err, raw)
	}
}

// jsonError is the JSON error body (google.rpc.Status).
type jsonError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Details []struct {
		Type     string            `json:"@type"`
		Reason   string            `json:"reason"`
		Domain   string            `json:"domain"`
		Metadata map[string]string `json:"metadata"`
	} `json:"details"`
}

// field is the ErrorInfo's metadata.field: the field at fault.
func (e jsonError) field() string {
	for _, d := range e.Details {
		if d.Type == "type.googleapis.com/google.rpc.ErrorInfo" {
			return d.Metadata["field"]
		}
	}
	return ""
}

func (e jsonError) reason() string {
	for _, d := range e.Details {
		if d.Type == "type.googleapis.com/google.rpc.ErrorInfo" {
			return d.Reason
		}
	}
	return ""
}

func grpcReason(err error) string {
	for _, d := range status.Convert(err).Details() {
		if ei, ok := d.(*errdetails.ErrorInfo); ok {
			return ei.GetReason()
		}
	}
	return ""
}

// volatile clears what differs between two identical requests: the
// decision id and the receipt's audit index.
func volatile(r *localv1.RequestRecordResponse) *localv1.RequestRecordResponse {
	r = proto.Clone(r).(*localv1.RequestRecordResponse)
	r.GetDecision().DecisionId = ""
	r.ReceiptIndex = 0
	return r
}

// The done-when of issue 17: the jeugdzorg node's own system asks, in JSON
// over HTTPS on the node's local listener with its client certificate, for
// a record at the school, and gets the same decision and record as over
// gRPC; a refusal carries the same reasons; errors the same codes and
// ErrorInfo reasons.
func TestJSONSameAsGRPC(t *testing.T) {
	f := testnode.New(t)
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, nil)
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School}, nil)
	ctx := context.Background()
	// Lotte (17) consents herself; Tina (13) has no consent.
	bas, lotte, tina := testnode.Child(t, "Bas"), testnode.Child(t, "Lotte"), testnode.Child(t, "Tina")
	if _, err := school.Consent.RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: &localv1.Consent{
		Bsn: lotte.BSN, GivenBy: "jeugdige", RecipientOin: testnode.Zorg.OIN, Purpose: "afstemming_hulp_onderwijs",
		Categories: []string{"identificatie", "verzuim", "opp"}, GivenAt: timestamppb.New(time.Now().Add(-time.Hour)),
	}}); err != nil {
		t.Fatal(err)
	}
	hc := f.HTTPClient(zorg.Client.TLS)
	base := "https://" + zorg.Node.LocalAddr

	for _, tc := range []struct {
		name  string
		req   *localv1.RequestRecordRequest
		allow bool
	}{
		{"released", &localv1.RequestRecordRequest{HolderOin: testnode.School.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: lotte.BSN,
			Categories: []string{"identificatie", "verzuim", "opp", "gezondheid"}, Role: "jeugdhulpverlener", Relation: true}, true},
		{"denied", &localv1.RequestRecordRequest{HolderOin: testnode.School.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: tina.BSN,
			Categories: []string{"verzuim", "opp"}, Role: "jeugdhulpverlener", Relation: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			viaGRPC, err := zorg.Local.RequestRecord(ctx, tc.req)
			if err != nil {
				t.Fatalf("gRPC: %v", err)
			}
			code, raw := postJSON(t, hc, http.MethodPost, base+"/v1/record-requests", tc.req)
			if code != http.StatusOK {
				t.Fatalf("JSON: HTTP %d: %s", code, raw)
			}
			viaJSON := &localv1.RequestRecordResponse{}
			decodeJSON(t, raw, viaJSON)
			conformsToOpenAPI(t, "schakel.local.v1.RequestRecordResponse", raw)
			if viaJSON.GetDecision().GetAllow() != tc.allow || viaGRPC.GetDecision().GetAllow() != tc.allow {
				t.Fatalf("allow: JSON %v, gRPC %v, want %v", viaJSON.GetDecision().GetAllow(), viaGRPC.GetDecision().GetAllow(), tc.allow)
			}
			if viaJSON.GetDecision().GetDecisionId() == "" || viaJSON.GetDecision().GetDecisionId() == viaGRPC.GetDecision().GetDecisionId() {
				t.Fatalf("the JSON call must be a decision of its own, got id %q", viaJSON.GetDecision().GetDecisionId())
			}
			if !proto.Equal(volatile(viaJSON), volatile(viaGRPC)) {
				t.Fatalf("JSON and gRPC differ:\nJSON %v\ngRPC %v", viaJSON, viaGRPC)
			}
			if tc.allow && viaJSON.GetRecord().GetVerzuim() == nil {
				t.Fatalf("released record without verzuim: %v", viaJSON.GetRecord())
			}
			if !tc.allow && (viaJSON.GetRecord() != nil || len(viaJSON.GetDecision().GetReasons()) == 0) {
				t.Fatalf("denied: record %v, reasons %v", viaJSON.GetRecord(), viaJSON.GetDecision().GetReasons())
			}
			// Unpopulated fields are spelled out: a denial says allow=false.
			if !tc.allow && !strings.Contains(string(raw), `"allow":false`) {
				t.Fatalf("denial without an explicit allow=false: %s", raw)
			}
		})
	}

	// Errors: the same gRPC code (as google.rpc.Status.code) and the same
	// ErrorInfo reason, with the HTTP status grpc-gateway maps the code to.
	for _, tc := range []struct {
		name     string
		req      *localv1.RequestRecordRequest
		httpCode int
		reason   string
	}{
		{"invalid BSN", &localv1.RequestRecordRequest{HolderOin: testnode.School.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: "123456789",
			Categories: []string{"verzuim"}, Role: "jeugdhulpverlener"}, http.StatusBadRequest, "INVALID_REQUEST"},
		{"unknown holder", &localv1.RequestRecordRequest{HolderOin: "00000001999999999999", Purpose: "afstemming_hulp_onderwijs", Bsn: bas.BSN,
			Categories: []string{"verzuim"}, Role: "jeugdhulpverlener"}, http.StatusForbidden, "UNKNOWN_PEER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, gerr := zorg.Local.RequestRecord(ctx, tc.req)
			if gerr == nil {
				t.Fatal("gRPC accepted it")
			}
			code, raw := postJSON(t, hc, http.MethodPost, base+"/v1/record-requests", tc.req)
			var je jsonError
			if err := json.Unmarshal(raw, &je); err != nil {
				t.Fatalf("error body: %v: %s", err, raw)
			}
			conformsToOpenAPI(t, "google.rpc.Status", raw)
			if code != tc.httpCode || je.Code != int(status.Code(gerr)) || je.reason() != tc.reason || grpcReason(gerr) != tc.reason {
				t.Fatalf("JSON: HTTP %d code %d reason %q; gRPC %v reason %q; want HTTP %d reason %s\n%s",
					code, je.Code, je.reason(), status.Code(gerr), grpcReason(gerr), tc.httpCode, tc.reason, raw)
			}
			if je.Message != status.Convert(gerr).Message() {
				t.Fatalf("message: JSON %q, gRPC %q", je.Message, status.Convert(gerr).Message())
			}
		})
	}

	// What a vendor's client gets wrong: each is a 400 whose ErrorInfo
	// reason says what kind of mistake, and whose metadata.field names the
	// field (a missing holder_oin is not an unknown peer).
	for _, tc := range []struct{ name, body, reason, field string }{
		{"unknown field named", `{"holder_oin":"x","categorie":["verzuim"]}`, "UNKNOWN_FIELD", "categorie"},
		{"the peer message's field", `{"holder_oin":"` + testnode.School.OIN + `","recipient_role":"jeugdhulpverlener"}`, "UNKNOWN_FIELD", "recipient_role"},
		{"syntax error", `{"holder_oin": "`, "INVALID_JSON", ""},
		{"wrong type", `{"holder_oin": 5}`, "INVALID_JSON", "holder_oin"},
		{"missing holder_oin", `{"purpose":"afstemming_hulp_onderwijs","bsn":"` + bas.BSN + `","categories":["verzuim"]}`, "INVALID_REQUEST", "holder_oin"},
		{"malformed holder_oin", `{"holder_oin":"school","purpose":"afstemming_hulp_onderwijs","bsn":"` + bas.BSN + `","categories":["verzuim"]}`, "INVALID_REQUEST", "holder_oin"},
		{"missing purpose", `{"holder_oin":"` + testnode.School.OIN + `","bsn":"` + bas.BSN + `","categories":["verzuim"]}`, "INVALID_REQUEST", "purpose"},
		{"bad attested consent", `{"holder_oin":"` + testnode.School.OIN + `","purpose":"afstemming_hulp_onderwijs","bsn":"` + bas.BSN +
			`","categories":["verzuim"],"attested_consents":[{"bsn":"` + bas.BSN + `","given_by":"opa","recipient_oin":"` + testnode.Zorg.OIN +
			`","purpose":"afstemming_hulp_onderwijs","categories":["verzuim"],"given_at":"2026-01-01T00:00:00Z"}]}`, "INVALID_REQUEST", "attested_consents[0].given_by"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, base+"/v1/record-requests", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var je jsonError
			if err := json.Unmarshal(raw, &je); err != nil {
				t.Fatalf("error body: %v: %s", err, raw)
			}
			conformsToOpenAPI(t, "google.rpc.Status", raw)
			if resp.StatusCode != http.StatusBadRequest || je.reason() != tc.reason || je.field() != tc.field {
				t.Fatalf("HTTP %d reason %q field %q, want 400 %s %q: %s", resp.StatusCode, je.reason(), je.field(), tc.reason, tc.field, raw)
			}
			if tc.reason == "INVALID_REQUEST" && !strings.Contains(je.Message, strings.TrimSuffix(tc.field, ".given_by")) {
				t.Fatalf("message does not name %s: %s", tc.field, je.Message)
			}
		})
	}

	t.Run("request id and logs", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/obligations", nil)
		req.Header.Set("X-Request-Id", "json-test-request-1")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("HTTP %d", resp.StatusCode)
		}
		// The JSON call went through the local gRPC server's interceptor.
		if !strings.Contains(f.Logs.String(), `"request_id":"json-test-request-1"`) {
			t.Fatal("the JSON call's request id is not in the node's rpc log line")
		}
	})

	t.Run("openapi served", func(t *testing.T) {
		resp, err := hc.Get(base + "/openapi.yaml")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Equal(raw, docs.OpenAPI) {
			t.Fatalf("HTTP %d: %.100s", resp.StatusCode, raw)
		}
	})
}

// The JSON form accepts only what gRPC accepts: a client certificate from
// the organisation's local CA. No certificate, a certificate of another CA
// (the federation's: a peer's organisation certificate) or plain HTTP fail
// the handshake; nothing reaches a handler.
func TestJSONRequiresLocalClientCert(t *testing.T) {
	f := testnode.New(t)
	zorg := f.Start(testnode.Zorg, nil, nil)
	url := "https://" + zorg.Node.LocalAddr + "/v1/policy/status"
	for name, cert := range map[string]tls.Certificate{
		"no certificate":          {},
		"federation certificate":  zorg.Cert.TLS,
		"other local CA's client": f.Start(testnode.School, nil, nil).Client.TLS,
	} {
		t.Run(name, func(t *testing.T) {
			resp, err := f.HTTPClient(cert).Get(url)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("accepted: HTTP %d", resp.StatusCode)
			}
		})
	}
	resp, err := http.Get("http://" + zorg.Node.LocalAddr + "/v1/policy/status")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("plain HTTP accepted: HTTP %d", resp.StatusCode)
	}
	// And the real client is let in (the test above can fail).
	code, raw := postJSON(t, f.HTTPClient(zorg.Client.TLS), http.MethodGet, url, nil)
	if code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", code, raw)
	}
	st := &localv1.GetPolicyStatusResponse{}
	decodeJSON(t, raw, st)
	if !strings.HasPrefix(st.GetRevision(), "sha256:") {
		t.Fatalf("revision %q", st.GetRevision())
	}
}

// reflectionServices lists services by gRPC server reflection, as grpcurl
// list does, without any .proto file.
func reflectionServices(t *testing.T, conn *grpc.ClientConn) ([]string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := rpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		return nil, err
	}
	if err := stream.Send(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_ListServices{}}); err != nil {
		if !errors.Is(err, io.EOF) {
			return nil, err
		}
		// The server ended the stream first (say, Unimplemented on the peer
		// port, faster than the send on a loaded machine): grpc-go reports
		// io.EOF from Send, and the status from Recv.
	}
	resp, err := stream.Recv()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		out = append(out, s.GetName())
	}
	// Describe a method's input by symbol, as grpcurl describe does.
	if err := stream.Send(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_FileContainingSymbol{
		FileContainingSymbol: "schakel.local.v1.LocalService"}}); err != nil {
		return nil, err
	}
	fr, err := stream.Recv()
	if err != nil {
		return nil, err
	}
	if len(fr.GetFileDescriptorResponse().GetFileDescriptorProto()) == 0 {
		t.Fatalf("no descriptor for LocalService: %v", fr)
	}
	return out, nil
}

func TestReflectionLocalOnly(t *testing.T) {
	f := testnode.New(t)
	zorg := f.Start(testnode.Zorg, nil, nil)
	got, err := reflectionServices(t, f.Dial(zorg.Node.LocalAddr, zorg.Client.TLS))
	if err != nil {
		t.Fatalf("local reflection: %v", err)
	}
	want := []string{"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "schakel.local.v1.ConsentService",
		"schakel.local.v1.LocalService", "schakel.local.v1.PolicyService"}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("reflection lists %v, missing %s", got, w)
		}
	}
	for _, g := range got {
		if strings.HasPrefix(g, "schakel.exchange") {
			t.Errorf("the local listener lists the peer service %s", g)
		}
	}

	// The peer port: a federation member's certificate, and no reflection.
	peer := f.CA.Issue(t, testnode.School.OIN, testnode.School.Name)
	_, err = reflectionServices(t, f.Dial(zorg.Node.PeerAddr, peer.TLS))
	if status.Code(err) != codes.Unimplemented {
		t.Fatalf("peer port reflection: %v, want Unimplemented", err)
	}

	// Off by configuration.
	off := false
	other := testnode.New(t)
	quiet := other.Start(testnode.Zorg, nil, func(c *config.Config, _ *node.Options) { c.Local.Reflection = &off })
	_, err = reflectionServices(t, other.Dial(quiet.Node.LocalAddr, quiet.Client.TLS))
	if status.Code(err) != codes.Unimplemented {
		t.Fatalf("reflection: false still serves reflection: %v", err)
	}
}

// The vocabulary is the active pack's, over gRPC and JSON alike.
func TestVocabulary(t *testing.T) {
	f := testnode.New(t)
	zorg := f.Start(testnode.Zorg, nil, nil)
	ctx := context.Background()
	conn := f.Dial(zorg.Node.LocalAddr, zorg.Client.TLS)
	pc := localv1.NewPolicyServiceClient(conn)
	v, err := pc.GetVocabulary(ctx, &localv1.GetVocabularyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := pc.GetPolicyStatus(ctx, &localv1.GetPolicyStatusRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if v.GetRevision() == "" || v.GetRevision() != st.GetRevision() {
		t.Fatalf("vocabulary revision %q, active pack %q", v.GetRevision(), st.GetRevision())
	}
	pack, err := policy.LoadPack(policy.DefaultPack())
	if err != nil {
		t.Fatal(err)
	}
	d := pack.Data()
	if len(v.GetPurposes()) != len(d.Purposes) || len(v.GetFlows()) != len(d.Flows) || len(v.GetRoles()) != len(d.Roles) ||
		len(v.GetCategories()) != len(d.Categories) || len(v.GetOrgTypes()) != len(d.OrgTypes) || len(v.GetReasonTexts()) != len(d.Messages) {
		t.Fatalf("vocabulary counts differ from the pack: %d/%d purposes, %d/%d flows", len(v.GetPurposes()), len(d.Purposes), len(v.GetFlows()), len(d.Flows))
	}
	var a1 *localv1.VocabularyFlow
	for _, fl := range v.GetFlows() {
		if fl.GetId() == "A1" {
			a1 = fl
		}
	}
	if a1 == nil || a1.GetBasis() != "toestemming" || a1.GetPurpose() != "afstemming_hulp_onderwijs" ||
		strings.Join(a1.GetCategories(), ",") != "identificatie,verzuim,opp,observaties" ||
		!strings.Contains(strings.Join(a1.GetRecipient().GetRoles(), ","), "jeugdhulpverlener") {
		t.Fatalf("flow A1: %v", a1)
	}
	cond := a1.GetConditions().AsMap()
	if cond["consent"] != "jeugdhulp" || cond["requires"].(map[string]any)["relation"] != true || cond["retention_days"] != float64(1825) {
		t.Fatalf("A1 conditions: %v", cond)
	}
	if _, typed := cond["categories"]; typed {
		t.Fatal("conditions repeat a typed field")
	}
	if txt := v.GetReasonTexts()["CATEGORY_NOT_IN_FLOW"]; !strings.HasPrefix(txt, "Deze gegevens horen niet") {
		t.Fatalf("reason text %q", txt)
	}

	code, raw := postJSON(t, f.HTTPClient(zorg.Client.TLS), http.MethodGet, "https://"+zorg.Node.LocalAddr+"/v1/vocabulary", nil)
	if code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", code, raw)
	}
	vj := &localv1.GetVocabularyResponse{}
	decodeJSON(t, raw, vj)
	conformsToOpenAPI(t, "schakel.local.v1.GetVocabularyResponse", raw)
	if !proto.Equal(vj, v) {
		t.Fatal("JSON vocabulary differs from gRPC's")
	}
}
