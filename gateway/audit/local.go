package audit

// LocalEntity is the ForeignEntity of a record about a local client's call.
func LocalEntity(client string) string { return "local:" + client }

// IsLocalAction reports whether name is one of the local API actions above.
func IsLocalAction(name Action) bool {
	switch name {
	case ActionConsentRegister, ActionConsentWithdraw, ActionConsentList, ActionInzageRead, ActionObligationComplete,
		ActionVersionDowngrade, ActionInzageMark:
		return true
	}
	return false
}

// WithoutLocalAccess drops the records of local API calls: an inzage lists
// what happened with the child's data (decisions, releases, notifications);
// who of the organisation's own systems changed consents or read the
// inzage stays in the audit log and its export.
func WithoutLocalAccess(recs []Stored) []Stored {
	out := recs[:0:0]
	for _, r := range recs {
		if !IsLocalAction(r.Record.Name) {
			out = append(out, r)
		}
	}
	return out
}
