package audit

import "time"

// InzageItem is one record of an inzage (a parent's or child's request to see
// what happened with the child's data), as `schakel audit inzage --format json`
// prints it and the local API's Inzage returns it. It holds no record value.
type InzageItem struct {
	Index              uint64    `json:"index"`
	Time               time.Time `json:"time"`
	Action             string    `json:"action"`
	Side               string    `json:"side"`
	HolderOIN          string    `json:"holder_oin"`
	RecipientOIN       string    `json:"recipient_oin"`
	RecipientRole      string    `json:"recipient_role"`
	Flow               string    `json:"flow"`
	Purpose            string    `json:"purpose"`
	Basis              string    `json:"basis"`
	Allowed            bool      `json:"allowed"`
	CategoriesReleased []string  `json:"categories_released"`
	CategoriesWithheld []string  `json:"categories_withheld"`
	ReasonCodes        []string  `json:"reason_codes"`
	ConsentsUsed       []string  `json:"consents_used"`
	DecisionID         string    `json:"decision_id"`
}

// Inzage converts stored records (from [Store.BySubject]) to inzage items, in
// the same order. Lists are never nil.
func Inzage(recs []Stored) []InzageItem {
	items := make([]InzageItem, 0, len(recs))
	for _, sr := range recs {
		r := sr.Record
		items = append(items, InzageItem{Index: sr.Index, Time: r.StartTime, Action: r.Name, Side: r.Side,
			HolderOIN: r.HolderOIN, RecipientOIN: r.RecipientOIN, RecipientRole: r.RecipientRole,
			Flow: r.Flow, Purpose: r.Purpose, Basis: r.Basis, Allowed: r.Allow,
			CategoriesReleased: nonNil(r.CategoriesReleased), CategoriesWithheld: nonNil(r.CategoriesWithheld),
			ReasonCodes: nonNil(r.ReasonCodes), ConsentsUsed: nonNil(r.ConsentsUsed), DecisionID: r.DecisionID})
	}
	return items
}

// FallbackRetentionDays is the retention of a record whose decision carries
// none: a refusal before any decision, a denial that matched no flow, a
// failed policy engine. The pack's longest flow retention (five years), so
// that such records are not pruned before the releases around them.
const FallbackRetentionDays = 1825

// RetentionOr returns days, or FallbackRetentionDays when days is not positive.
func RetentionOr(days int) int {
	if days <= 0 {
		return FallbackRetentionDays
	}
	return days
}
