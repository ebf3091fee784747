package docs_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/schakel/schakel/docs"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// LocalServices are the services of local.proto that the local listener
// serves as JSON (gRPC health and reflection are gRPC-only).
var LocalServices = []string{"LocalService", "ConsentService", "PolicyService", "ConsoleService", "ConsultService", "MonitoringService"}

// The committed OpenAPI file is valid OpenAPI 3 (kin-openapi's loader and
// validator: structure, $refs, schemas, path parameters) and describes
// every method of the local services, with its JSON request and response
// schemas and the google.rpc.Status error body. make generate-check keeps
// it fresh; this keeps it honest.
func TestOpenAPIValid(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(docs.OpenAPI)
	if err != nil {
		t.Fatalf("load docs/openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi: %q, want 3.x", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("docs/openapi.yaml is not valid OpenAPI 3: %v", err)
	}

	ops := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" {
				t.Errorf("%s %s has no operationId", method, path)
			}
			ops[op.OperationID] = op
		}
	}
	services := localv1.File_schakel_local_v1_local_proto.Services()
	n := 0
	for i := 0; i < services.Len(); i++ {
		sd := services.Get(i)
		for j := 0; j < sd.Methods().Len(); j++ {
			md := sd.Methods().Get(j)
			n++
			id := string(sd.Name()) + "_" + string(md.Name())
			op, ok := ops[id]
			if !ok {
				t.Errorf("docs/openapi.yaml lacks %s (%s)", id, md.FullName())
				continue
			}
			ok200 := op.Responses.Status(http.StatusOK)
			if ok200 == nil || ok200.Value.Content.Get("application/json") == nil {
				t.Errorf("%s: no application/json 200 response", id)
				continue
			}
			ref := ok200.Value.Content.Get("application/json").Schema.Ref
			if want := "#/components/schemas/" + string(md.Output().FullName()); ref != want {
				t.Errorf("%s: 200 schema %q, want %q", id, ref, want)
			}
			if def := op.Responses.Default(); def == nil || def.Value.Content.Get("application/json").Schema.Ref != "#/components/schemas/google.rpc.Status" {
				t.Errorf("%s: no google.rpc.Status default (error) response", id)
			}
		}
	}
	if n != len(ops) {
		t.Errorf("%d methods in local.proto, %d operations in docs/openapi.yaml", n, len(ops))
	}
	if _, ok := ops["PolicyService_GetVocabulary"]; !ok {
		t.Error("the vocabulary method is missing")
	}
	for _, s := range LocalServices {
		if services.ByName(protoName(s)) == nil {
			t.Errorf("local.proto has no service %s", s)
		}
	}
	if services.Len() != len(LocalServices) {
		t.Errorf("local.proto has %d services; update LocalServices and the JSON gateway", services.Len())
	}
}

func protoName(s string) protoreflect.Name { return protoreflect.Name(s) }

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI)
	if err != nil {
		t.Fatalf("load docs/openapi.yaml: %v", err)
	}
	// Validate checks the examples against their schemas too.
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("docs/openapi.yaml is not valid OpenAPI 3: %v", err)
	}
	return doc
}

// The body of POST /v1/record-requests is the local RequestRecordRequest
// (holder_oin, role, professional, attested consents), not the exchange
// message of the same bare name that a node sends its peer (recipient_role,
// request_id): a generated client must send what the JSON gateway accepts.
// Every request schema's fields exist in its proto message, and the
// required fields are the ones the node refuses a request without.
func TestOpenAPIRecordRequestBody(t *testing.T) {
	doc := loadSpec(t)
	op := doc.Paths.Find("/v1/record-requests").Post
	body := op.RequestBody.Value.Content.Get("application/json").Schema.Value
	for _, f := range []string{"holder_oin", "purpose", "bsn", "categories", "role", "relation", "professional", "case_reference", "attested_consents"} {
		if body.Properties[f] == nil {
			t.Errorf("POST /v1/record-requests body lacks %s", f)
		}
	}
	for _, f := range []string{"recipient_role", "request_id", "sent_at", "statement"} {
		if body.Properties[f] != nil {
			t.Errorf("POST /v1/record-requests body has the peer message's %s", f)
		}
	}
	if got := strings.Join(body.Required, ","); got != "holder_oin,purpose,bsn,categories" {
		t.Errorf("required: %s", got)
	}
	consent := body.Properties["attested_consents"].Value.Items.Value
	for _, f := range []string{"bsn", "given_by", "giver", "recipient_oin", "purpose", "categories", "given_at", "valid_until"} {
		if consent.Properties[f] == nil {
			t.Errorf("attested consent lacks %s", f)
		}
	}
	if !strings.Contains(body.Properties["attested_consents"].Value.Description, "given_at") {
		t.Error("attested_consents does not say what an attested consent needs")
	}
	// Each component schema of a local message has exactly the message's
	// JSON fields.
	getInputs := map[protoreflect.FullName]bool{}
	services := localv1.File_schakel_local_v1_local_proto.Services()
	for i := 0; i < services.Len(); i++ {
		for j := 0; j < services.Get(i).Methods().Len(); j++ {
			md := services.Get(i).Methods().Get(j)
			if rule, _ := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule); rule.GetGet() != "" {
				getInputs[md.Input().FullName()] = true
			}
		}
	}
	msgs := localv1.File_schakel_local_v1_local_proto.Messages()
	for i := 0; i < msgs.Len(); i++ {
		md := msgs.Get(i)
		ref := doc.Components.Schemas[string(md.FullName())]
		if ref == nil && getInputs[md.FullName()] {
			continue // a GET's input is query parameters, not a schema
		}
		if ref == nil {
			t.Errorf("no schema %s", md.FullName())
			continue
		}
		if len(ref.Value.Properties) != md.Fields().Len() {
			t.Errorf("%s: %d properties, %d fields", md.FullName(), len(ref.Value.Properties), md.Fields().Len())
		}
		for j := 0; j < md.Fields().Len(); j++ {
			if ref.Value.Properties[string(md.Fields().Get(j).Name())] == nil {
				t.Errorf("%s: no property %s", md.FullName(), md.Fields().Get(j).Name())
			}
		}
	}
}

// Every operation has an example of its request body (when it has one) and
// of its 200 answer, a 401 response that describes mutual TLS, and a 400
// and a 403; every error response is a google.rpc.Status (or the plain
// 401) with a description that names its ErrorInfo reasons.
func TestOpenAPIExamplesAndErrors(t *testing.T) {
	doc := loadSpec(t)
	if !strings.Contains(doc.Info.Description, "mutual TLS") || !strings.Contains(doc.Info.Description, "local.client_ca") {
		t.Error("info.description does not describe the mutual TLS the listener requires")
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			id := method + " " + path
			if rb := op.RequestBody; rb != nil {
				if mt := rb.Value.Content.Get("application/json"); mt == nil || (len(mt.Examples) == 0 && mt.Example == nil) {
					t.Errorf("%s: no request example", id)
				}
			}
			if mt := op.Responses.Status(200).Value.Content.Get("application/json"); len(mt.Examples) == 0 && mt.Example == nil {
				t.Errorf("%s: no 200 example", id)
			}
			for _, code := range []int{401, 403} {
				if op.Responses.Status(code) == nil {
					t.Errorf("%s: no %d response", id, code)
				}
			}
			if op.RequestBody != nil && op.Responses.Status(400) == nil {
				t.Errorf("%s: takes a body but documents no 400", id)
			}
			for code, r := range op.Responses.Map() {
				if code == "200" || code == "default" {
					continue
				}
				if r.Value.Description == nil || !reasonRE.MatchString(*r.Value.Description) {
					t.Errorf("%s %s: the description names no ErrorInfo reason", id, code)
				}
			}
		}
	}
	if !strings.Contains(*doc.Components.Responses["Unauthenticated"].Value.Description, "client certificate") {
		t.Error("401 does not describe the client certificate")
	}
}

var reasonRE = regexp.MustCompile("`[A-Z][A-Z_]{3,}`")

// Every ErrorInfo reason the node's local API gives (gateway/server's
// error table and interceptors, the JSON gateway's own) is documented at
// the HTTP status the JSON gateway answers it with.
func TestOpenAPIDocumentsEveryReason(t *testing.T) {
	doc := loadSpec(t)
	byStatus := map[int]string{}
	for name, r := range doc.Components.Responses {
		found := false
		for _, item := range doc.Paths.Map() {
			for _, op := range item.Operations() {
				for code, or := range op.Responses.Map() {
					if or.Ref == "#/components/responses/"+name {
						n, _ := strconv.Atoi(code)
						byStatus[n] += *r.Value.Description
						found = true
					}
				}
			}
		}
		if !found {
			t.Errorf("components.responses.%s is used by no operation", name)
		}
	}
	codeRE := regexp.MustCompile(`codes\.([A-Za-z]+), "([A-Z][A-Z_]+)"`)
	seen := 0
	files, _ := filepath.Glob("../gateway/server/*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, "limits.go") {
			continue // limits.go is the peer listener's (relayed, checked below)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range codeRE.FindAllStringSubmatch(string(b), -1) {
			seen++
			if m[2] == "CANCELED" {
				continue // the caller went away; nobody reads the answer
			}
			c, ok := grpcCodes[m[1]]
			if !ok {
				t.Errorf("%s: code %s: add it to grpcCodes", f, m[1])
				continue
			}
			st := runtime.HTTPStatusFromCode(c)
			if !strings.Contains(byStatus[st], "`"+m[2]+"`") {
				t.Errorf("reason %s (%s, HTTP %d, %s) is not documented at %d", m[2], m[1], st, filepath.Base(f), st)
			}
		}
	}
	if seen < 20 {
		t.Fatalf("found only %d reasons in gateway/server; has the error table moved?", seen)
	}
	for reason, st := range map[string]int{"UNKNOWN_FIELD": 400, "INVALID_JSON": 400, "BODY_TOO_LARGE": 400, "NO_SUCH_OPERATION": 404,
		"RATE_LIMITED": 429, "TOO_MANY_CONCURRENT": 429} {
		if !strings.Contains(byStatus[st], "`"+reason+"`") {
			t.Errorf("reason %s is not documented at %d", reason, st)
		}
	}
}

var grpcCodes = map[string]codes.Code{
	"InvalidArgument": codes.InvalidArgument, "FailedPrecondition": codes.FailedPrecondition, "NotFound": codes.NotFound,
	"AlreadyExists": codes.AlreadyExists, "Unauthenticated": codes.Unauthenticated, "PermissionDenied": codes.PermissionDenied,
	"Unavailable": codes.Unavailable, "DataLoss": codes.DataLoss, "DeadlineExceeded": codes.DeadlineExceeded,
	"Canceled": codes.Canceled, "Internal": codes.Internal, "ResourceExhausted": codes.ResourceExhausted,
}
