# Package schakel.decision decides which categories of a child's data a
# holder may release to a recipient (POLICY-CONTRACT.md).
#
# The logic is generic: every flow, role, category and consent regime is data
# (data.yaml, loaded under data.schakel.rules). Ids in comments refer to RULES.md.
#
# Input: the decision input of POLICY-CONTRACT.md, normalised by the Go
# engine: every optional field is present, and every time (now, given_at,
# valid_until, withdrawn_at) is an integer of nanoseconds since the Unix
# epoch (null when absent).
package schakel.decision

cfg := data.schakel.rules

now := input.now

msg(code, args) := sprintf(cfg.messages[code], args)

reason(code, args) := {"code": code, "message": msg(code, args)}

# ---------------------------------------------------------------------------
# Flow selection (doel): an explicit flow must fit the request; otherwise the
# one flow whose purpose and org types match.

purpose_known if cfg.purposes[input.purpose]

org_fits(side, org) if "any" in side.org_types

org_fits(side, org) if org in side.org_types

fits(f) if {
	f.purpose == input.purpose
	org_fits(f.holder, input.holder.org_type)
	org_fits(f.recipient, input.recipient.org_type)
}

candidates := {id | some id, f in cfg.flows; fits(f)}

default flow_id := null

flow_id := input.flow if {
	input.flow != ""
	fits(cfg.flows[input.flow])
}

flow_id := id if {
	input.flow == ""
	count(candidates) == 1
	some id in candidates
}

flow := cfg.flows[flow_id]

matched if flow_id != null

selection_reasons contains reason("UNKNOWN_PURPOSE", [input.purpose]) if not purpose_known

selection_reasons contains reason("NO_MATCHING_FLOW", []) if {
	purpose_known
	not matched
}

# ---------------------------------------------------------------------------
# Checks of the matched flow. Each adds a blocking reason.

# A side that lists roles refuses every other role, "" included; a side that
# lists none accepts any known role or none. An unknown role never passes.
role_ok(side, role) if role in side.roles

role_ok(side, role) if {
	count(side.roles) == 0
	role == ""
}

role_ok(side, role) if {
	count(side.roles) == 0
	cfg.roles[role]
}

flow_reasons contains reason("ROLE_NOT_ALLOWED", [sprintf("%q", [input.holder.role]), "verstrekker"]) if {
	not role_ok(flow.holder, input.holder.role)
}

flow_reasons contains reason("ROLE_NOT_ALLOWED", [sprintf("%q", [input.recipient.role]), "ontvanger"]) if {
	not role_ok(flow.recipient, input.recipient.role)
}

# need-to-know (Jeugdwet 7.3.11)
flow_reasons contains reason("RELATION_REQUIRED", []) if {
	flow.requires.relation
	not input.recipient.relation
}

# G1, G2, G3: the written weighing (meldcode, break-glass)
flow_reasons contains reason("JUSTIFICATION_REQUIRED", []) if {
	flow.requires.justification
	trim_space(input.justification) == ""
}

# E1, E2: only after enrolment, never for selection
flow_reasons contains reason("NOT_ENROLLED", []) if {
	flow.requires.enrolment
	not input.subject.enrolled_at_recipient
}

# E1, E2: parents had inzage in the rapport
flow_reasons contains reason("INZAGE_REQUIRED", []) if {
	flow.requires.inzage
	not input.subject.parents_had_inzage
}

# beroepsgeheim, G3: only a holder whose acting role has professional secrecy
holder_has_secrecy if cfg.roles[input.holder.role].beroepsgeheim == true

flow_reasons contains reason("BEROEPSGEHEIM_REQUIRED", []) if {
	flow.requires.beroepsgeheim
	not holder_has_secrecy
}

# F1: child under 23
flow_reasons contains reason("AGE_OUT_OF_SCOPE", [sprintf("%d", [input.subject.age])]) if {
	not age_in(flow.min_age, flow.max_age)
}

age_in(lo, hi) if {
	input.subject.age >= lo
	hi == null
}

age_in(lo, hi) if {
	input.subject.age >= lo
	hi != null
	input.subject.age <= hi
}

# ---------------------------------------------------------------------------
# Consent (toestemming, "Whose consent counts").

consent_flow if flow.consent != "none"

required_givers contains g if {
	consent_flow
	some band in cfg.consent.regimes[flow.consent]
	age_in(band.min_age, band.max_age)
	some g in band.givers
}

needed(g) := cfg.consent.parents_required if g == "ouder"

needed(g) := 1 if g != "ouder"

# Consents about this recipient and purpose, whatever their state.
relevant contains i if {
	some i, c in input.consents
	c.recipient_oin == input.recipient.oin
	c.purpose == input.purpose
}

withdrawn(c) if {
	c.withdrawn_at != null
	c.withdrawn_at <= now
}

expired(c) if {
	c.valid_until != null
	c.valid_until <= now
}

# A matching consent: given, not expired, not withdrawn at or before now.
matching contains i if {
	some i in relevant
	c := input.consents[i]
	c.given_at <= now
	not expired(c)
	not withdrawn(c)
}

giver_ok(g) if count({i | some i in matching; input.consents[i].given_by == g}) >= needed(g)

# Why a required giver has no consent: a withdrawal wins over expiry, and
# both over plain absence.
consent_code(g) := "CONSENT_WITHDRAWN" if {
	some i in relevant
	input.consents[i].given_by == g
	withdrawn(input.consents[i])
} else := "CONSENT_EXPIRED" if {
	some i in relevant
	input.consents[i].given_by == g
	expired(input.consents[i])
} else := "CONSENT_MISSING"

flow_reasons contains reason(consent_code(g), [g]) if {
	some g in required_givers
	not giver_ok(g)
}

# A category is covered when every required giver consented to it.
covered(cat) if not consent_flow

covered(cat) if {
	consent_flow
	every g in required_givers {
		count({i | some i in matching; c := input.consents[i]; c.given_by == g; cat in c.categories}) >= needed(g)
	}
}

# ---------------------------------------------------------------------------
# Categories (minimaal): category by category.

requested := {c | some c in input.categories}

in_flow(cat) if cat in flow.categories

releasable contains cat if {
	some cat in requested
	in_flow(cat)
	covered(cat)
}

blocking := selection_reasons | flow_reasons

blocked if count(blocking) > 0

released := set() if blocked

released := releasable if not blocked

# One code per withheld category: its own problem first, else the first
# blocking reason.
category_code(cat) := "CATEGORY_NOT_IN_FLOW" if {
	not in_flow(cat)
} else := "CATEGORY_NOT_CONSENTED" if {
	not covered(cat)
} else := sort([r.code | some r in blocking])[0]

withheld := [{"category": cat, "code": category_code(cat)} |
	some cat in sort(requested)
	not cat in released
]

# When nothing blocks but nothing is released, the withheld codes are the
# reasons (a deny always carries at least one reason).
category_reasons contains reason(code, [concat(", ", cats)]) if {
	not blocked
	count(released) == 0
	some code in {w.code | some w in withheld}
	cats := [w.category | some w in withheld; w.code == code]
}

category_reasons contains reason("CATEGORY_NOT_IN_FLOW", ["(geen)"]) if {
	not blocked
	count(requested) == 0
}

default allow := false

allow if {
	not blocked
	count(released) > 0
}

reasons := [] if allow

reasons := sort(blocking | category_reasons) if not allow

obligations := sort(flow.obligations) if allow

default obligations := []

consents_used := sort({c.id |
	some i in matching
	c := input.consents[i]
	c.given_by in required_givers
	some cat in c.categories
	cat in released
}) if allow

default consents_used := []

default basis := null

basis := flow.basis if matched

default retention_days := 0

retention_days := flow.retention_days if matched

decision := {
	"allow": allow,
	"flow": flow_id,
	"basis": basis,
	"categories": sort(released),
	"withheld": withheld,
	"reasons": reasons,
	"obligations": obligations,
	"consents_used": consents_used,
	"retention_days": retention_days,
}
