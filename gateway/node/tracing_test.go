package node_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/config"
	"github.com/schakel/schakel/gateway/node"
	"github.com/schakel/schakel/gateway/tracing"
	"github.com/schakel/schakel/internal/testnode"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// spansOf waits until exp holds a span named name in trace tid (server
// spans end just after the answer is sent).
func spansOf(t *testing.T, exp *tracetest.InMemoryExporter, tid trace.TraceID, name string) tracetest.SpanStub {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, s := range exp.GetSpans() {
			if s.SpanContext.TraceID() == tid && s.Name == name {
				return s
			}
		}
		if time.Now().After(deadline) {
			var names []string
			for _, s := range exp.GetSpans() {
				names = append(names, fmt.Sprintf("%s@%s", s.Name, s.SpanContext.TraceID()))
			}
			t.Fatalf("no span %s in trace %s; have %v", name, tid, names)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// One exchange is one trace across both nodes: the dossier system's
// traceparent, the jeugdzorg node's local server span and its client span
// to the school, the school's server span (a child of that client span,
// across the network), each node exporting its own spans; both nodes' audit
// records carry the same trace id. No span holds the BSN.
func TestTraceSpansBothNodes(t *testing.T) {
	f := testnode.New(t)
	schoolExp, zorgExp := tracetest.NewInMemoryExporter(), tracetest.NewInMemoryExporter()
	withTracing := func(exp *tracetest.InMemoryExporter, org testnode.Org) func(*config.Config, *node.Options) {
		return func(_ *config.Config, o *node.Options) {
			o.TracerProvider = tracing.NewProvider(sdktrace.NewSimpleSpanProcessor(exp), sdktrace.AlwaysSample(),
				tracing.Identity{OIN: org.OIN, Name: org.Name, OrgType: org.OrgType})
		}
	}
	school := f.Start(testnode.School, []testnode.Org{testnode.Zorg}, withTracing(schoolExp, testnode.School))
	zorg := f.Start(testnode.Zorg, []testnode.Org{testnode.School}, withTracing(zorgExp, testnode.Zorg))
	ctx := context.Background()
	lotte := testnode.Child(t, "Lotte") // 17 and the school's pupil: her own consent suffices
	if _, err := school.Consent.RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: &localv1.Consent{
		Bsn: lotte.BSN, GivenBy: "jeugdige", RecipientOin: testnode.Zorg.OIN, Purpose: "afstemming_hulp_onderwijs",
		Categories: []string{"identificatie", "verzuim"}, GivenAt: timestamppb.New(time.Now().Add(-time.Hour)),
	}}); err != nil {
		t.Fatal(err)
	}
	req := &localv1.RequestRecordRequest{HolderOin: testnode.School.OIN, Purpose: "afstemming_hulp_onderwijs", Bsn: lotte.BSN,
		Categories: []string{"identificatie", "verzuim"}, Role: "jeugdhulpverlener", Relation: true}

	// The dossier system's own trace.
	const callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	cctx := metadata.AppendToOutgoingContext(ctx, "traceparent", "00-"+callerTrace+"-00f067aa0ba902b7-01")
	resp, err := zorg.Local.RequestRecord(cctx, req)
	if err != nil || !resp.GetDecision().GetAllow() {
		t.Fatalf("RequestRecord: %v %v", resp, err)
	}
	tid, _ := trace.TraceIDFromHex(callerTrace)

	local := spansOf(t, zorgExp, tid, "schakel.local.v1.LocalService/RequestRecord")
	client := spansOf(t, zorgExp, tid, "schakel.exchange.v1.ExchangeService/RequestRecord")
	holder := spansOf(t, schoolExp, tid, "schakel.exchange.v1.ExchangeService/RequestRecord")
	if local.SpanKind != trace.SpanKindServer || !local.Parent.IsRemote() || local.Parent.SpanID().String() != "00f067aa0ba902b7" {
		t.Fatalf("local server span: kind %v parent %v", local.SpanKind, local.Parent)
	}
	if client.SpanKind != trace.SpanKindClient || client.Parent.SpanID() != local.SpanContext.SpanID() {
		t.Fatalf("client span: kind %v, parent %v, want local span %v", client.SpanKind, client.Parent.SpanID(), local.SpanContext.SpanID())
	}
	if holder.SpanKind != trace.SpanKindServer || !holder.Parent.IsRemote() || holder.Parent.SpanID() != client.SpanContext.SpanID() {
		t.Fatalf("holder span: kind %v, parent %v (remote %v), want the jeugdzorg client span %v",
			holder.SpanKind, holder.Parent.SpanID(), holder.Parent.IsRemote(), client.SpanContext.SpanID())
	}
	if oin := resourceOIN(holder); oin != testnode.School.OIN {
		t.Fatalf("holder span exported by %q", oin)
	}
	if oin := resourceOIN(local); oin != testnode.Zorg.OIN {
		t.Fatalf("local span exported by %q", oin)
	}

	// The audit records of both nodes carry the trace.
	for _, n := range []*testnode.Node{zorg, school} {
		recs, err := n.Node.AuditRecords(ctx, lotte.BSN)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range recs {
			found = found || (r.Record.DecisionID == resp.GetDecision().GetDecisionId() && hex.EncodeToString(r.Record.TraceID[:]) == callerTrace)
		}
		if !found {
			t.Errorf("%s: no audit record of decision %s in trace %s", n.Org.Key, resp.GetDecision().GetDecisionId(), callerTrace)
		}
	}

	// A JSON call with a traceparent header joins the caller's trace too.
	const jsonTrace = "0af7651916cd43dd8448eb211c80319c"
	hreq, _ := http.NewRequest(http.MethodPost, "https://"+zorg.Node.LocalAddr+"/v1/record-requests",
		strings.NewReader(`{"holder_oin":"`+testnode.School.OIN+`","purpose":"afstemming_hulp_onderwijs","bsn":"`+lotte.BSN+
			`","categories":["verzuim"],"role":"jeugdhulpverlener","relation":true}`))
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("traceparent", "00-"+jsonTrace+"-b7ad6b7169203331-01")
	hresp, err := f.HTTPClient(zorg.Client.TLS).Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	hresp.Body.Close()
	jtid, _ := trace.TraceIDFromHex(jsonTrace)
	spansOf(t, schoolExp, jtid, "schakel.exchange.v1.ExchangeService/RequestRecord")

	// Without a caller's traceparent the node starts the trace.
	resp2, err := zorg.Local.RequestRecord(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	var own trace.TraceID
	for deadline := time.Now().Add(5 * time.Second); !own.IsValid() && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, s := range zorgExp.GetSpans() {
			if s.Name == "schakel.local.v1.LocalService/RequestRecord" && s.SpanContext.TraceID() != tid && s.SpanContext.TraceID() != jtid {
				own = s.SpanContext.TraceID()
			}
		}
	}
	if !own.IsValid() {
		t.Fatal("no trace of the call without traceparent")
	}
	spansOf(t, schoolExp, own, "schakel.exchange.v1.ExchangeService/RequestRecord")
	recs, err := school.Node.AuditRecords(ctx, lotte.BSN)
	if err != nil {
		t.Fatal(err)
	}
	if last := recs[len(recs)-1].Record; last.DecisionID != resp2.GetDecision().GetDecisionId() || trace.TraceID(last.TraceID) != own {
		t.Fatalf("holder audit record %s in trace %x, want decision %s in trace %s", last.DecisionID, last.TraceID, resp2.GetDecision().GetDecisionId(), own)
	}

	for _, exp := range []*tracetest.InMemoryExporter{schoolExp, zorgExp} {
		for _, s := range exp.GetSpans() {
			dump := fmt.Sprintf("%v %v %v", s.Attributes, s.Events, s.Status)
			if strings.Contains(dump, lotte.BSN) {
				t.Fatalf("span %s holds the BSN: %s", s.Name, dump)
			}
		}
	}
}

func resourceOIN(s tracetest.SpanStub) string {
	for _, kv := range s.Resource.Attributes() {
		if kv.Key == "schakel.oin" {
			return kv.Value.AsString()
		}
	}
	return ""
}
