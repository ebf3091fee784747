package audit

// RecipientRetention is the retention of a recipient's record of what it
// received: the largest of its own retention for the flow, the fallback and
// the peer's value. A peer cannot shorten how long the recipient keeps its
// proof of receipt.
func RecipientRetention(own, peer int) int {
	return max(own, FallbackRetentionDays, peer)
}
