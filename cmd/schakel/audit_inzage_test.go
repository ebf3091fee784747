package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/schakel/schakel/gateway/audit"
)

// TestInzageTextNotifications checks that notification records read as
// notifications in the parents' report, not as requests for data.
func TestInzageTextNotifications(t *testing.T) {
	school, gemeente := "00000001000000000001", "00000001000000000003"
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	rec := func(name audit.Action, side audit.Side, allow bool, released, reasons []string) audit.Stored {
		return audit.Stored{Record: audit.Record{Name: name, Side: side, StatusCode: 1, StartTime: at, EndTime: at, Allow: allow,
			HolderOIN: school, RecipientOIN: gemeente, RecipientRole: "wijkcoach", Purpose: "afstemming_ondersteuning", Flow: "B1",
			Basis: "toestemming", CategoriesReleased: released, ReasonCodes: reasons}}
	}
	var b bytes.Buffer
	writeInzageText(&b, []audit.Stored{
		rec(audit.ActionNotifyDecide, "holder", true, nil, nil),
		rec(audit.ActionNotifyDeliver, "holder", true, []string{"identificatie", "arrangement"}, nil),
		rec(audit.ActionNotifyCancel, "holder", false, nil, []string{"CONSENT_WITHDRAWN"}),
		rec(audit.ActionNotifyReceive, "recipient", true, []string{"identificatie", "arrangement"}, nil),
		rec(audit.ActionRequestDecide, "holder", true, []string{"verzuim"}, nil),
	})
	out := b.String()
	items := strings.Split(out, "\n\n")[1:]
	if len(items) != 5 {
		t.Fatalf("want 5 items:\n%s", out)
	}
	for i, want := range []string{
		"deze organisatie (" + school + ") besloot organisatie " + gemeente + " een melding te sturen",
		"deze organisatie (" + school + ") meldde organisatie " + gemeente,
		"een melding van deze organisatie (" + school + ") aan organisatie " + gemeente + " is niet verstuurd",
		"deze organisatie (" + gemeente + ") ontving een melding van organisatie " + school,
		"organisatie " + gemeente + " vroeg gegevens op bij deze organisatie (" + school + ")",
	} {
		if !strings.Contains(items[i], "Wat gebeurde er:   "+want+"\n") {
			t.Errorf("item %d lacks %q:\n%s", i+1, want, items[i])
		}
		if i < 4 && strings.Contains(items[i], "vroeg gegevens op") {
			t.Errorf("notification item %d reads as a request:\n%s", i+1, items[i])
		}
	}
	if !strings.Contains(items[0], "nog niets (de melding is klaargezet") {
		t.Errorf("queued notification item:\n%s", items[0])
	}
	if !strings.Contains(items[2], "geannuleerd voordat de melding werd verstuurd; er zijn geen gegevens gedeeld (reden: CONSENT_WITHDRAWN)") {
		t.Errorf("cancelled notification item:\n%s", items[2])
	}
}
