package notify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/policy"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
)

// Flows gives this node's own pack's flows (node.Policy: the active pack).
type Flows interface {
	Flow(id string) (policy.Flow, bool)
}

// checkOwnFlow decides an arriving notification against this node's own
// pack, whatever the sender's pack decided: the flow exists, has the
// notification's purpose, allows notification mode, has the sender's
// organisation type (from this node's directory) as holder and this node's
// as recipient, both stated roles where the flow names roles, and every
// category that arrived is on the flow's list (CATEGORY_NOT_IN_FLOW). A
// sender running a more permissive pack cannot make this node accept what
// its own rules would not let that flow carry.
func checkOwnFlow(flows Flows, self, from identity.Peer, req *exchangev1.DeliverNotificationRequest) error {
	id := req.GetDecision().GetFlow()
	f, ok := flows.Flow(id)
	switch {
	case id == "" || !ok:
		return &release.NotInFlow{Code: "NO_MATCHING_FLOW", Problem: fmt.Sprintf("flow %q is not a flow of this node's policy pack", id)}
	case req.GetFlow() != "" && req.GetFlow() != id:
		return &release.NotInFlow{Code: "NO_MATCHING_FLOW", Problem: fmt.Sprintf("the notification names flow %q, its decision %q", req.GetFlow(), id)}
	case f.Purpose != req.GetPurpose():
		return &release.NotInFlow{Code: "NO_MATCHING_FLOW", Problem: fmt.Sprintf("flow %s has purpose %s, not %s", id, f.Purpose, req.GetPurpose())}
	case f.Mode != policy.ModeNotification && f.Mode != "both":
		return &release.NotInFlow{Code: "MODE_NOT_ALLOWED", Problem: fmt.Sprintf("flow %s is not sent as a notification", id)}
	case !orgTypeIn(f.Holder, from.OrgType):
		return &release.NotInFlow{Code: "NO_MATCHING_FLOW", Problem: fmt.Sprintf("flow %s is not sent by a %s", id, from.OrgType)}
	case !orgTypeIn(f.Recipient, self.OrgType):
		return &release.NotInFlow{Code: "NO_MATCHING_FLOW", Problem: fmt.Sprintf("flow %s is not received by a %s", id, self.OrgType)}
	case !roleIn(f.Holder, req.GetHolderRole()):
		return &release.NotInFlow{Code: "ROLE_NOT_ALLOWED", Problem: fmt.Sprintf("flow %s is not sent by role %q", id, req.GetHolderRole())}
	case !roleIn(f.Recipient, req.GetRecipientRole()):
		return &release.NotInFlow{Code: "ROLE_NOT_ALLOWED", Problem: fmt.Sprintf("flow %s is not received by role %q", id, req.GetRecipientRole())}
	}
	var bad, withheld []string
	for _, c := range release.PresentCategories(req.GetRecord()) {
		if !slices.Contains(f.Categories, c) || slices.Contains(f.Never, c) {
			bad = append(bad, c)
			withheld = append(withheld, c+":CATEGORY_NOT_IN_FLOW")
		}
	}
	if len(bad) > 0 {
		return &release.NotInFlow{Code: "CATEGORY_NOT_IN_FLOW", Withheld: withheld,
			Problem: fmt.Sprintf("flow %s does not carry %s under this node's policy pack", id, strings.Join(bad, ", "))}
	}
	return nil
}

func orgTypeIn(s policy.Side, orgType string) bool {
	return slices.Contains(s.OrgTypes, "any") || slices.Contains(s.OrgTypes, orgType)
}

func roleIn(s policy.Side, role string) bool {
	return len(s.Roles) == 0 || slices.Contains(s.Roles, role)
}
