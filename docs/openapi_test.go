package docs_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
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
			if want := "#/components/schemas/" + string(md.Output().Name()); ref != want {
				t.Errorf("%s: 200 schema %q, want %q", id, ref, want)
			}
			if def := op.Responses.Default(); def == nil || def.Value.Content.Get("application/json").Schema.Ref != "#/components/schemas/Status" {
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
