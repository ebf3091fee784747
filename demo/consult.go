package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// The consult and monitoring part of the demo (flows N1 and M1), kept in
// this file: the school asks the JGZ without a name (answered), a consult
// with a name is refused, every node sends its monitoring counts to the
// kennispunt, and the kennispunt builds the regional report under
// DIR/monitor/.
func consultAndMonitoring(ctx context.Context, w *world) error {
	school, jgz, kp := w.node("school"), w.node("jgz"), w.node("kennispunt")
	section("Anoniem consult: de school vraagt de jeugdverpleegkundige om advies, zonder naam")
	ask := func(content map[string]any) (*localv1.SendConsultResponse, error) {
		st, err := structpb.NewStruct(content)
		if err != nil {
			return nil, err
		}
		return localv1.NewConsultServiceClient(school.conn).SendConsult(ctx, &localv1.SendConsultRequest{
			RecipientOin: jgz.oin, RecipientRole: "jeugdverpleegkundige", HolderRole: "intern_begeleider", Consult: st,
		})
	}
	sent, err := ask(map[string]any{"age_band": "8-11", "school_type": "vo", "concerns": []any{"emotioneel", "verzuim"}, "question": "wie_kan_een_rol_nemen"})
	if err != nil {
		return fmt.Errorf("consult: %w", err)
	}
	if !sent.GetDecision().GetAllow() {
		return fmt.Errorf("consult refused: %v", sent.GetDecision().GetReasons())
	}
	fmt.Println("  verstuurd: leeftijd 8-11, voortgezet onderwijs, zorgen: emotioneel en verzuim; vraag: wie kan een rol nemen?")
	jc := localv1.NewConsultServiceClient(jgz.conn)
	open, err := jc.ListConsults(ctx, &localv1.ListConsultsRequest{})
	if err != nil || len(open.GetConsults()) != 1 {
		return fmt.Errorf("the JGZ sees %d consults (%v)", len(open.GetConsults()), err)
	}
	fmt.Printf("  de JGZ ziet een open consult van %s\n", open.GetConsults()[0].GetSenderName())
	if _, err := jc.AnswerConsult(ctx, &localv1.AnswerConsultRequest{ConsultId: sent.GetConsultId(),
		Advice: "Bespreek de zorgen eerst met de ouders en nodig de jeugdverpleegkundige uit op het spreekuur op school.", Role: "jeugdverpleegkundige"}); err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	ans, err := localv1.NewConsultServiceClient(school.conn).GetConsultAnswer(ctx, &localv1.GetConsultAnswerRequest{ConsultId: sent.GetConsultId()})
	if err != nil || !ans.GetAnswered() {
		return fmt.Errorf("the school reads no answer (%v)", err)
	}
	fmt.Printf("  antwoord: %s\n  rol: %s\n", ans.GetAdvice(), ans.GetRole())
	refused, err := ask(map[string]any{"age_band": "8-11", "naam": "Bas de Vries", "question": "handelingsadvies"})
	if err != nil {
		return err
	}
	if refused.GetDecision().GetAllow() {
		return fmt.Errorf("a consult with a name was sent")
	}
	for _, r := range refused.GetDecision().GetReasons() {
		fmt.Printf("  een consult met een naam erin wordt geweigerd: %s\n", r.GetMessage())
	}

	section("Regionale monitoring: elke organisatie stuurt haar tellingen naar het kennispunt")
	// The school's export through the command line, the others' through
	// the local API.
	out, err := exec.Command(w.bin, "monitor", "export", "--config", school.config,
		"--cert", filepath.Join(school.dir, "client", school.oin+".pem"), "--key", filepath.Join(school.dir, "client", school.oin+".key")).CombinedOutput()
	fmt.Printf("  %s: %s\n", school.name, strings.TrimSpace(string(out)))
	if err != nil {
		return fmt.Errorf("monitor export: %v", err)
	}
	for _, n := range w.nodes {
		if n == school || n == kp || n.conn == nil {
			continue
		}
		resp, err := localv1.NewMonitoringServiceClient(n.conn).ExportMonitoring(ctx, &localv1.ExportMonitoringRequest{})
		if err != nil {
			return fmt.Errorf("monitoring export of %s: %w", n.key, err)
		}
		fmt.Printf("  %s: %d regels, waarvan %d onderdrukt (<10)\n", n.name, resp.GetRows(), resp.GetSuppressed())
	}
	dir := filepath.Join(w.dir, "monitor")
	out, err = exec.Command(w.bin, "monitor", "report", "--config", kp.config, "--out", dir).CombinedOutput()
	fmt.Printf("  %s\n", strings.TrimSpace(string(out)))
	if err != nil {
		return fmt.Errorf("monitor report: %v", err)
	}
	return nil
}
