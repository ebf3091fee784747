package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/source"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
	recordv1 "github.com/schakel/schakel/proto/schakel/record/v1"
)

// script is the scripted set of exchanges; every step prints what a
// professional would see.
func script(ctx context.Context, w *world) error {
	kids, err := source.Children(source.DefaultFixture)
	if err != nil {
		return err
	}
	child := func(name string) source.Child {
		for _, k := range kids {
			if k.Name == name || strings.HasPrefix(k.Name, name+" ") {
				return k
			}
		}
		panic("demo: no fixture child " + name)
	}
	school, zorg, gemeente, gi, basis := w.node("school"), w.node("zorg"), w.node("gemeente"), w.node("gi"), w.node("basis")
	bas, tina, lotte, daan, sem := child("Bas"), child("Tina"), child("Lotte"), child("Daan"), child("Sem")
	sara := child("Sara")
	now := time.Now()

	section("1. Jeugdzorg vraagt de basisschool om het OPP van Bas (flow A1): zijn ouders zijn gescheiden en hebben allebei gezag")
	if _, err := w.consentOf(ctx, basis, bas, "ouder", "ouder-bas-moeder", zorg, "afstemming_hulp_onderwijs", "identificatie", "verzuim", "opp", "observaties"); err != nil {
		return err
	}
	fmt.Println("  alleen de moeder gaf toestemming: voor zorggegevens is die van beide ouders met gezag nodig")
	w.ask(ctx, zorg, basis, bas, "afstemming_hulp_onderwijs", "jeugdhulpverlener", true, "identificatie", "verzuim", "opp", "gezondheid")
	if _, err := w.consentOf(ctx, basis, bas, "ouder", "ouder-bas-vader", zorg, "afstemming_hulp_onderwijs", "identificatie", "verzuim", "opp", "observaties"); err != nil {
		return err
	}
	fmt.Println("  nu ook de vader; het verzuim gaat zonder reden en zonder het geoorloofde tandartsbezoek:")
	w.ask(ctx, zorg, basis, bas, "afstemming_hulp_onderwijs", "jeugdhulpverlener", true, "identificatie", "verzuim", "opp", "gezondheid")

	section("1b. Jeugdzorg vraagt Het Twentse College om gegevens van Lotte en Tina (flow A1)")
	w.ask(ctx, zorg, school, lotte, "afstemming_hulp_onderwijs", "jeugdhulpverlener", true, "verzuim", "opp")
	if _, err := w.consentOf(ctx, school, tina, "ouder", "ouder-tina-moeder", zorg, "afstemming_hulp_onderwijs", "verzuim", "opp"); err != nil {
		return err
	}
	if _, err := w.consentOf(ctx, school, tina, "ouder", "ouder-tina-vader", zorg, "afstemming_hulp_onderwijs", "verzuim", "opp"); err != nil {
		return err
	}
	fmt.Println("  Tina is 13: naast haar ouders moet zij zelf ook toestemming geven")
	w.ask(ctx, zorg, school, tina, "afstemming_hulp_onderwijs", "jeugdhulpverlener", true, "verzuim", "opp")
	if _, err := w.consentOf(ctx, school, tina, "jeugdige", "tina", zorg, "afstemming_hulp_onderwijs", "verzuim", "opp"); err != nil {
		return err
	}
	w.ask(ctx, zorg, school, tina, "afstemming_hulp_onderwijs", "jeugdhulpverlener", true, "verzuim", "opp")

	section("1c. De ouders van Sara gaven de jeugdhulpverlener toestemming; de basisschool vertelt het hun eerst zelf")
	fmt.Printf("  jeugdzorg legt de toestemming van beide ouders van %s vast en verklaart die bij de vraag (met OBS De Esch als verstrekker)\n", sara.Name)
	for _, giver := range []string{"ouder-sara-moeder", "ouder-sara-vader"} {
		w.attest = append(w.attest, &localv1.Consent{Id: "jz-" + giver, Bsn: sara.BSN, GivenBy: "ouder", Giver: giver, RecipientOin: zorg.oin,
			HolderOin: basis.oin, Purpose: "afstemming_hulp_onderwijs", Categories: []string{"identificatie", "observaties"},
			GivenAt: timestamppb.New(now.Add(-time.Hour)), ValidUntil: timestamppb.New(now.AddDate(0, 6, 0))})
	}
	w.ask(ctx, zorg, basis, sara, "afstemming_hulp_onderwijs", "jeugdhulpverlener", true, "identificatie", "observaties")
	if err := w.completeNotices(ctx, basis); err != nil {
		return err
	}
	fmt.Println("  de observaties gaan pas mee als de ouders 7 dagen eerder door de school zelf zijn ingelicht en geen bezwaar maakten:")
	w.ask(ctx, zorg, basis, sara, "afstemming_hulp_onderwijs", "jeugdhulpverlener", true, "identificatie", "observaties")
	w.attest = nil

	section("2. De school meldt de gemeente extra ondersteuning terwijl de gemeente-node nog niet draait (flow B1)")
	if _, err := w.consentOf(ctx, school, tina, "ouder", "ouder-tina-moeder", gemeente, "afstemming_ondersteuning", "identificatie", "arrangement"); err != nil {
		return err
	}
	fmt.Println("  één ouder volstaat hier (onderwijsgegevens); de school moet dan de andere ouder informeren:")
	tinaID := w.notify(ctx, school, gemeente, tina, "afstemming_ondersteuning", "zorgcoordinator", "wijkcoach", &recordv1.Record{
		Identificatie: &recordv1.Identificatie{GivenName: "Tina", FamilyName: "de Vries", BirthDate: tina.BirthDate.Format("2006-01-02")},
		Arrangement:   &recordv1.Arrangement{Kind: "mentoraat plus", StartedAt: now.Format("2006-01-02"), Description: "wekelijks gesprek met de mentor"},
	})
	daanConsent, err := w.consent(ctx, school, daan, "ouder", gemeente, "afstemming_ondersteuning", "identificatie", "arrangement")
	if err != nil {
		return err
	}
	daanID := w.notify(ctx, school, gemeente, daan, "afstemming_ondersteuning", "zorgcoordinator", "wijkcoach", &recordv1.Record{
		Identificatie: &recordv1.Identificatie{GivenName: "Daan", BirthDate: daan.BirthDate.Format("2006-01-02")},
		Arrangement:   &recordv1.Arrangement{Kind: "faalangstreductietraining", StartedAt: now.Format("2006-01-02")},
	})
	if tinaID == "" || daanID == "" {
		return fmt.Errorf("a B1 notification was not queued")
	}
	if err := w.showNotifications(ctx, school, tinaID, daanID); err != nil {
		return err
	}
	if _, err := school.consents.WithdrawConsent(ctx, &localv1.WithdrawConsentRequest{Id: daanConsent}); err != nil {
		return fmt.Errorf("withdraw consent: %v", err)
	}
	fmt.Printf("  de ouder van %s trekt toestemming %s in, voordat de melding is afgeleverd\n", daan.Name, daanConsent)
	fmt.Printf("  de gemeente-node start (later dan de andere)\n")
	if err := w.start(ctx, gemeente); err != nil {
		return err
	}
	if err := w.waitNotifications(ctx, school, map[string]localv1.NotificationState{
		tinaID: localv1.NotificationState_NOTIFICATION_STATE_DELIVERED, daanID: localv1.NotificationState_NOTIFICATION_STATE_CANCELLED,
	}); err != nil {
		return err
	}
	if err := w.showNotifications(ctx, school, tinaID, daanID); err != nil {
		return err
	}
	if err := w.pull(ctx, gemeente); err != nil {
		return err
	}

	section("3. De leerplichtambtenaar vraagt verzuimgegevens op (flow C1, wettelijke plicht, alleen bij een verzuimmelding)")
	fmt.Printf("  %s: zonder het nummer van een open verzuimmelding van de school\n", tina.Name)
	w.caseRef = "onderzoek-tina"
	w.ask(ctx, gemeente, school, tina, "handhaving_leerplicht", "leerplichtambtenaar", false, "identificatie", "onderwijs", "verzuim")
	fmt.Printf("  %s: binnen het onderzoek van melding M-2026-0042 die de school deed (18 uur in vier weken)\n", tina.Name)
	w.caseRef = "M-2026-0042"
	w.ask(ctx, gemeente, school, tina, "handhaving_leerplicht", "leerplichtambtenaar", false, "identificatie", "onderwijs", "verzuim")
	fmt.Printf("  %s: de basisschool deed geen verzuimmelding (5 uur); dat nummer hoort niet bij deze school\n", bas.Name)
	w.ask(ctx, gemeente, basis, bas, "handhaving_leerplicht", "leerplichtambtenaar", false, "identificatie", "onderwijs", "verzuim")
	w.caseRef = "M-2026-0051"
	fmt.Printf("  %s woont in Hengelo: de leerplichtambtenaar van Enschede is niet zijn woongemeente, ook niet met de melding\n", sem.Name)
	w.ask(ctx, gemeente, school, sem, "handhaving_leerplicht", "leerplichtambtenaar", false, "identificatie", "onderwijs", "verzuim")
	w.caseRef = ""
	fmt.Printf("  %s is geen leerling van Het Twentse College:\n", bas.Name)
	w.ask(ctx, zorg, school, bas, "afstemming_hulp_onderwijs", "jeugdhulpverlener", true, "verzuim")
	fmt.Println("  de gemeente probeert de melding van flow B1 zelf op te vragen: B1 is een melding die de school doet")
	w.ask(ctx, gemeente, school, tina, "afstemming_ondersteuning", "wijkcoach", false, "identificatie", "arrangement")

	fmt.Println("  de gezinsvoogd vraagt gegevens op voor jeugdbescherming (flow G4), eerst zonder zaakkenmerk van de maatregel:")
	w.noCaseReference = true
	w.ask(ctx, gi, school, tina, "jeugdbescherming", "gezinsvoogd", false, "identificatie", "gezinssituatie")
	w.noCaseReference = false
	w.ask(ctx, gi, school, tina, "jeugdbescherming", "gezinsvoogd", false, "identificatie", "gezinssituatie")

	section("4. De school vraagt de gemeente of er jeugdhulp is (flow B2, nooit een diagnose)")
	for _, g := range []struct{ by, giver string }{{"ouder", "ouder-tina-moeder"}, {"ouder", "ouder-tina-vader"}, {"jeugdige", "tina"}} {
		if _, err := w.consentOf(ctx, gemeente, tina, g.by, g.giver, school, "afstemming_ondersteuning", "identificatie", "jeugdhulp_beschikking", "diagnose"); err != nil {
			return err
		}
	}
	w.ask(ctx, school, gemeente, tina, "afstemming_ondersteuning", "zorgcoordinator", false, "identificatie", "jeugdhulp_beschikking", "diagnose")

	section("5. Een gewijzigd beleidspakket wordt geweigerd; de nodes blijven werken")
	w.showRevision = true
	if err := w.tamperDemo(ctx, school, zorg, func() {
		w.ask(ctx, zorg, school, lotte, "afstemming_hulp_onderwijs", "jeugdhulpverlener", true, "verzuim", "opp")
	}); err != nil {
		return err
	}
	w.showRevision = false

	section("6. Een onjuiste aanvraag wordt geweigerd voordat er iets gebeurt")
	w.ask(ctx, zorg, school, source.Child{Name: "onbekend", BSN: "123456789"}, "afstemming_hulp_onderwijs", "jeugdhulpverlener", true, "verzuim")
	unknown := source.Child{Name: "een kind dat de school niet kent", BSN: "999991000"}
	fmt.Println("  een vraag met een onzinnig doel krijgt hetzelfde antwoord, of de school het kind kent of niet:")
	w.ask(ctx, zorg, school, unknown, "nieuwsgierigheid", "jeugdhulpverlener", true, "verzuim")
	w.ask(ctx, zorg, school, tina, "nieuwsgierigheid", "jeugdhulpverlener", true, "verzuim")
	fmt.Println("  een juiste vraag over een kind dat de school niet kent (vastgelegd, ook in de inzage voor dat BSN):")
	w.ask(ctx, zorg, school, unknown, "afstemming_hulp_onderwijs", "jeugdhulpverlener", true, "verzuim")
	w.unknownBSN = unknown.BSN

	section("7. Verplichtingen bij de school (informeren van ouders en kind)")
	obs, err := school.local.ListObligations(ctx, &localv1.ListObligationsRequest{})
	if err != nil {
		return err
	}
	for _, o := range obs.GetObligations() {
		fmt.Printf("  open: %-24s flow %-3s decision %s\n", o.GetKind(), o.GetFlow(), o.GetDecisionId())
	}
	w.lotteBSN, w.lotteName = lotte.BSN, lotte.Name
	w.inzageBSN = tina.BSN
	w.inzageName = tina.Name
	w.cancelledBSN, w.cancelledName = daan.BSN, daan.Name
	return consultAndMonitoring(ctx, w)
}

func section(title string) { fmt.Printf("\n%s\n", title) }

// caseReference is the case reference the asking node states ("" when the
// demo shows a request without one).
func (w *world) caseReference(c source.Child) string {
	switch {
	case w.noCaseReference:
		return ""
	case w.caseRef != "":
		return w.caseRef
	}
	return "demo-" + strings.Fields(c.Name + " x")[0]
}

func (w *world) consent(ctx context.Context, holder *demoNode, c source.Child, givenBy string, to *demoNode, purpose string, cats ...string) (string, error) {
	return w.consentOf(ctx, holder, c, givenBy, "", to, purpose, cats...)
}

// completeNotices ticks off the holder's open inform_before_release
// obligations: the school told the parents of the coming release.
func (w *world) completeNotices(ctx context.Context, holder *demoNode) error {
	obs, err := holder.local.ListObligations(ctx, &localv1.ListObligationsRequest{})
	if err != nil {
		return fmt.Errorf("list obligations: %v", err)
	}
	for _, o := range obs.GetObligations() {
		if o.GetKind() != "inform_before_release" {
			continue
		}
		if _, err := holder.local.CompleteObligation(ctx, &localv1.CompleteObligationRequest{Id: o.GetId()}); err != nil {
			return fmt.Errorf("complete obligation: %v", err)
		}
		fmt.Printf("  %s heeft de ouders ingelicht over de komende verstrekking (verplichting %s afgevinkt); de termijn van 7 dagen loopt\n", holder.name, o.GetId())
	}
	return nil
}

// consentOf registers the consent of one person (giver: the organisation's
// pseudonymous reference; two parents are two givers).
func (w *world) consentOf(ctx context.Context, holder *demoNode, c source.Child, givenBy, giver string, to *demoNode, purpose string, cats ...string) (string, error) {
	now := time.Now()
	resp, err := holder.consents.RegisterConsent(ctx, &localv1.RegisterConsentRequest{Consent: &localv1.Consent{
		Bsn: c.BSN, GivenBy: givenBy, Giver: giver, RecipientOin: to.oin, Purpose: purpose, Categories: cats,
		GivenAt: timestamppb.New(now.Add(-time.Minute)), ValidUntil: timestamppb.New(now.AddDate(1, 0, 0)),
	}})
	if err != nil {
		return "", fmt.Errorf("register consent: %v", err)
	}
	fmt.Printf("  %s registreert toestemming %s: %s van %s voor %s (%s) [%s]\n", holder.name, resp.GetConsent().GetId(), givenBy, c.Name, to.name, purpose, strings.Join(cats, ", "))
	return resp.GetConsent().GetId(), nil
}

// ask is one request: the recipient's system asks its own node, which asks the holder's.
func (w *world) ask(ctx context.Context, from, holder *demoNode, c source.Child, purpose, role string, relation bool, cats ...string) {
	w.exchanges++
	who := c.Name
	if !c.BirthDate.IsZero() {
		who = fmt.Sprintf("%s (%d jaar)", c.Name, source.AgeAt(c.BirthDate, time.Now()))
	}
	fmt.Printf("  → %s (%s) vraagt %s: %s over %s [%s]\n", from.name, role, holder.name, purpose, who, strings.Join(cats, ", "))
	resp, err := from.local.RequestRecord(ctx, &localv1.RequestRecordRequest{
		HolderOin: holder.oin, Purpose: purpose, Bsn: c.BSN, Categories: cats, Role: role, Relation: relation,
		CaseReference: w.caseReference(c), Professional: "medewerker-" + role, AttestedConsents: w.attest,
	})
	if err != nil {
		w.refused++
		st := status.Convert(err)
		fmt.Printf("    ✘ geweigerd (%s): %s\n", st.Code(), st.Message())
		return
	}
	w.printDecision(resp.GetDecision())
	if resp.GetDecision().GetAllow() {
		fmt.Printf("    ontvangen: %s (receipt in audit log, index %d)\n", presentNames(resp.GetRecord()), resp.GetReceiptIndex())
	}
}

func (w *world) printDecision(d *exchangev1.Decision) {
	if w.showRevision {
		fmt.Printf("    beslist met beleidspakket %s\n", short(d.GetPolicyRevision()))
	}
	if d.GetAllow() {
		w.released++
		fmt.Printf("    ✔ gedeeld onder flow %s (%s): %s\n", d.GetFlow(), d.GetBasis(), strings.Join(d.GetCategories(), ", "))
	} else {
		w.refused++
		fmt.Printf("    ✘ geweigerd (flow %s)\n", orDash(d.GetFlow()))
		for _, r := range d.GetReasons() {
			fmt.Printf("      %s: %s\n", r.GetCode(), r.GetMessage())
		}
	}
	for _, wh := range d.GetWithheld() {
		fmt.Printf("      niet gedeeld: %s (%s)\n", wh.GetCategory(), wh.GetCode())
	}
	if len(d.GetObligations()) > 0 {
		fmt.Printf("      verplichtingen: %s\n", strings.Join(d.GetObligations(), ", "))
	}
}

func (w *world) notify(ctx context.Context, from, to *demoNode, c source.Child, purpose, role, recipientRole string, rec *recordv1.Record) string {
	w.exchanges++
	fmt.Printf("  → %s (%s) meldt %s (%s): %s over %s\n", from.name, role, to.name, recipientRole, purpose, c.Name)
	resp, err := from.local.SendNotification(ctx, &localv1.SendNotificationRequest{
		RecipientOin: to.oin, Purpose: purpose, Bsn: c.BSN, Role: role, RecipientRole: recipientRole, Record: rec,
		IdempotencyKey: fmt.Sprintf("demo-%s-%d", purpose, time.Now().UnixNano()),
	})
	if err != nil {
		w.refused++
		st := status.Convert(err)
		fmt.Printf("    ✘ geweigerd (%s): %s\n", st.Code(), st.Message())
		return ""
	}
	w.printDecision(resp.GetDecision())
	if resp.GetNotificationId() != "" {
		fmt.Printf("    melding %s: %s\n", resp.GetNotificationId(), stateName(resp.GetState()))
	}
	return resp.GetNotificationId()
}

func stateName(s localv1.NotificationState) string {
	return strings.TrimPrefix(s.String(), "NOTIFICATION_STATE_")
}

// showNotifications prints the sender's outbox entries for ids.
func (w *world) showNotifications(ctx context.Context, n *demoNode, ids ...string) error {
	fmt.Printf("  uitgaande meldingen van %s:\n", n.name)
	for _, id := range ids {
		resp, err := n.local.ListNotifications(ctx, &localv1.ListNotificationsRequest{NotificationId: id})
		if err != nil {
			return fmt.Errorf("list notifications: %v", err)
		}
		for _, o := range resp.GetNotifications() {
			line := fmt.Sprintf("    %s  %-9s flow %s, %d pogingen", o.GetNotificationId(), stateName(o.GetState()), o.GetFlow(), o.GetAttempts())
			if o.GetLastError() != "" {
				line += ": " + o.GetLastError()
			}
			fmt.Println(line)
		}
	}
	return nil
}

// waitNotifications waits until each notification reaches its state.
func (w *world) waitNotifications(ctx context.Context, n *demoNode, want map[string]localv1.NotificationState) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		done := true
		for id, st := range want {
			resp, err := n.local.ListNotifications(ctx, &localv1.ListNotificationsRequest{NotificationId: id})
			if err != nil {
				return fmt.Errorf("list notifications: %v", err)
			}
			if len(resp.GetNotifications()) != 1 || resp.GetNotifications()[0].GetState() != st {
				done = false
			}
		}
		if done {
			return nil
		}
		if time.Now().After(deadline) {
			_ = w.showNotifications(ctx, n, keys(want)...)
			return fmt.Errorf("notifications did not reach %v in time", want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// pull lets the recipient's system fetch and acknowledge its notifications,
// waiting briefly for delivery.
func (w *world) pull(ctx context.Context, n *demoNode) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := n.local.PullNotifications(ctx, &localv1.PullNotificationsRequest{Max: 10})
		if err != nil {
			return fmt.Errorf("pull notifications: %v", err)
		}
		for _, m := range resp.GetNotifications() {
			fmt.Printf("  ← %s ontvangt melding %s van OIN %s (flow %s): %s\n", n.name, m.GetNotificationId(), m.GetSenderOin(), m.GetFlow(), presentNames(m.GetRecord()))
			if _, err := n.local.AckNotification(ctx, &localv1.AckNotificationRequest{NotificationId: m.GetNotificationId()}); err != nil {
				return fmt.Errorf("ack: %v", err)
			}
		}
		if len(resp.GetNotifications()) > 0 {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("no notification arrived at %s", n.name)
}

// afterStop runs the audit checks on each node's store, offline.
func (w *world) afterStop() error {
	section("8. Controle van de auditlogs (schakel audit verify)")
	for _, n := range w.nodes {
		out, err := exec.Command(w.bin, "audit", "verify", "--config", n.config).CombinedOutput()
		fmt.Printf("  %s:\n%s\n", n.name, indent(string(out)))
		if err != nil {
			return fmt.Errorf("audit verify %s: %v", n.key, err)
		}
	}
	if w.inzageBSN != "" {
		section(fmt.Sprintf("9. Inzage voor een ouder met gezag: wat weet %s over %s? (de vragen van de gezinsvoogd worden niet getoond)", w.node("school").name, w.inzageName))
		out, err := inzageCmd(w.bin, w.node("school").config, w.inzageBSN).CombinedOutput()
		fmt.Println(indent(string(out)))
		if err != nil {
			return fmt.Errorf("audit inzage: %v", err)
		}
		if !strings.Contains(string(out), "niet getoond") {
			return fmt.Errorf("the parent's inzage about %s does not hold back the gezinsvoogd's requests", w.inzageName)
		}
	}
	if w.cancelledBSN != "" {
		section(fmt.Sprintf("10. Inzage: de geannuleerde melding over %s", w.cancelledName))
		out, err := inzageCmd(w.bin, w.node("school").config, w.cancelledBSN).CombinedOutput()
		fmt.Println(indent(string(out)))
		if err != nil {
			return fmt.Errorf("audit inzage: %v", err)
		}
	}
	if w.unknownBSN != "" {
		section("11. Inzage: de vraag over een kind dat de school niet kent is ook vastgelegd")
		out, err := inzageCmd(w.bin, w.node("school").config, w.unknownBSN).CombinedOutput()
		fmt.Println(indent(string(out)))
		if err != nil {
			return fmt.Errorf("audit inzage: %v", err)
		}
		if !strings.Contains(string(out), "SUBJECT_UNKNOWN") && !strings.Contains(string(out), "niet kent") {
			return fmt.Errorf("the inzage for the unknown child does not show the refusal")
		}
	}
	if w.lotteBSN != "" {
		section(fmt.Sprintf("12. Inzage: een ouder van %s (17) krijgt geen inzage; %s zelf wel", w.lotteName, w.lotteName))
		out, err := inzageAs(w.bin, w.node("school").config, w.lotteBSN, "ouder").CombinedOutput()
		fmt.Println(indent(string(out)))
		if err != nil {
			return fmt.Errorf("audit inzage: %v", err)
		}
		if !strings.Contains(string(out), "geen inzage") {
			return fmt.Errorf("a parent of 17-year-old %s got inzage", w.lotteName)
		}
		out, err = inzageAs(w.bin, w.node("school").config, w.lotteBSN, "jeugdige").CombinedOutput()
		fmt.Println(indent(string(out)))
		if err != nil {
			return fmt.Errorf("audit inzage: %v", err)
		}
	}
	return checkNoBSNInLogs(w)
}

// checkNoBSNInLogs fails the demo if a BSN appears in any node's log.
func checkNoBSNInLogs(w *world) error {
	kids, _ := source.Children(source.DefaultFixture)
	for _, n := range w.nodes {
		b, err := os.ReadFile(filepath.Join(n.dir, "node.log"))
		if err != nil {
			return err
		}
		for _, k := range kids {
			if strings.Contains(string(b), k.BSN) {
				return fmt.Errorf("%s's log contains a BSN", n.key)
			}
		}
	}
	return nil
}

func presentNames(rec *recordv1.Record) string {
	if rec == nil {
		return "niets"
	}
	var names []string
	rec.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		names = append(names, string(fd.Name()))
		return true
	})
	sort.Strings(names)
	if len(names) == 0 {
		return "niets"
	}
	return strings.Join(names, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// inzageCmd is `schakel audit inzage` as a desk professional runs it for a
// parent with gezag: the child's date of birth from the demo's fixture (a
// child the school does not know: one stated at the desk).
func inzageCmd(bin, config, bsn string) *exec.Cmd { return inzageAs(bin, config, bsn, "ouder") }

// inzageAs is inzageCmd for another requester (ouder, ouder_zonder_gezag,
// jeugdige).
func inzageAs(bin, config, bsn, requester string) *exec.Cmd {
	birth := "2013-05-01"
	kids, _ := source.Children(source.DefaultFixture)
	for _, k := range kids {
		if k.BSN == bsn {
			birth = k.BirthDate.Format(time.DateOnly)
		}
	}
	return exec.Command(bin, "audit", "inzage", "--config", config, "--bsn", bsn, "--requester", requester, "--birth-date", birth)
}
