# Package schakel.decision decides which categories of a child's data a
# holder may release to a recipient (POLICY-CONTRACT.md, "Decision").
#
# The logic is generic: every flow, role, category and consent regime is data
# (data.yaml). The engine loads data.yaml under data.schakel.rules, with two
# indexes derived from it so a decision needs no search (see policy/pack.go,
# opaData; `schakel policy data` prints exactly what this module reads):
#
#   routes[purpose][holder org type][recipient org type] = flow id
#       ("any" expanded to every known org type; unambiguous by validation)
#   consent.givers_by_age[regime][age] = the givers whose consent counts
#
# Ids in comments refer to RULES.md (the Schakel rules of "gegevens delen in Twente") ("Principles, as
# checks", "Whose consent counts", "Flows").
#
# Input: the decision input of POLICY-CONTRACT.md, normalised by the Go
# engine: every optional field is present (flow "" when absent), and every
# time (now, given_at, valid_until, withdrawn_at) is an integer number of
# nanoseconds since the Unix epoch, null when absent.
package schakel.decision

import data.schakel.rules as cfg

now := input.now

# The reason codes of POLICY-CONTRACT.md in the order of its table: reasons
# are listed in this order, and a category withheld because the whole request
# is refused carries the first blocking code.
code_rank := {
	"UNKNOWN_PURPOSE": 1,
	"NO_MATCHING_FLOW": 2,
	"ROLE_NOT_ALLOWED": 3,
	"RELATION_REQUIRED": 4,
	"CONSENT_MISSING": 5,
	"CONSENT_WITHDRAWN": 6,
	"CONSENT_EXPIRED": 7,
	"CATEGORY_NOT_IN_FLOW": 8,
	"CATEGORY_NOT_CONSENTED": 9,
	"JUSTIFICATION_REQUIRED": 10,
	"NOT_ENROLLED": 11,
	"INZAGE_REQUIRED": 12,
	"BEROEPSGEHEIM_REQUIRED": 13,
	"AGE_OUT_OF_SCOPE": 14,
}

# ---------------------------------------------------------------------------
# Flow selection (doel): the purpose must be on the closed list and belong to
# the flow. Without input.flow the one flow whose purpose, holder org type and
# recipient org type match decides; an explicit flow must be that flow.

purpose_known if cfg.purposes[input.purpose]

route := cfg.routes[input.purpose][input.holder.org_type][input.recipient.org_type]

default flow_id := null

flow_id := route if input.flow == ""

flow_id := route if input.flow == route

flow := cfg.flows[flow_id]

# problems are the blocking findings as [code, message argument] pairs;
# messages are only formatted for a deny.
problems contains ["UNKNOWN_PURPOSE", input.purpose] if not purpose_known

problems contains ["NO_MATCHING_FLOW", ""] if {
	purpose_known
	flow_id == null
}

# ---------------------------------------------------------------------------
# Checks of the matched flow.

# Roles (POLICY-CONTRACT.md, decision input): a side that lists roles refuses
# every other role, "" included; a side that lists none accepts any known
# role or none. An unknown role never passes.
role_ok(side, role) if side.roles[role]

role_ok(side, "") if count(side.roles) == 0

role_ok(side, role) if {
	count(side.roles) == 0
	cfg.roles[role]
}

problems contains ["ROLE_NOT_ALLOWED", [role_label(input.holder.role), "verstrekker"]] if {
	not role_ok(flow.holder, input.holder.role)
}

problems contains ["ROLE_NOT_ALLOWED", [role_label(input.recipient.role), "ontvanger"]] if {
	not role_ok(flow.recipient, input.recipient.role)
}

role_label(r) := sprintf("%q", [r]) if r != ""

role_label("") := "(geen rol)"

# need-to-know (Jeugdwet 7.3.11): A1.
problems contains ["RELATION_REQUIRED", ""] if {
	flow.requires.relation
	not input.recipient.relation
}

# G1, G2 (meldcode weighing), G3 (break-glass): a written justification.
problems contains ["JUSTIFICATION_REQUIRED", ""] if {
	flow.requires.justification
	trim_space(input.justification) == ""
}

# E1, E2: only after enrolment at the recipient, never for selection.
problems contains ["NOT_ENROLLED", ""] if {
	flow.requires.enrolment
	not input.subject.enrolled_at_recipient
}

# E1, E2: the parents had inzage in the onderwijskundig rapport.
problems contains ["INZAGE_REQUIRED", ""] if {
	flow.requires.inzage
	not input.subject.parents_had_inzage
}

# beroepsgeheim, G3: only a holder whose acting role has professional
# secrecy may break it.
problems contains ["BEROEPSGEHEIM_REQUIRED", ""] if {
	flow.requires.beroepsgeheim
	not cfg.roles[input.holder.role].beroepsgeheim
}

# F1: a child under 23 (the flow's min_age and max_age, inclusive).
problems contains ["AGE_OUT_OF_SCOPE", sprintf("%d", [input.subject.age])] if {
	input.subject.age < flow.min_age
}

problems contains ["AGE_OUT_OF_SCOPE", sprintf("%d", [input.subject.age])] if {
	flow.max_age != null
	input.subject.age > flow.max_age
}

# ---------------------------------------------------------------------------
# Consent (toestemming; "Whose consent counts").
#
# The flow names its regime. A flow that involves a care party (an org type
# marked care) or special-category data uses the stricter regime of
# consent.strict_regime [choice]: it applies when either side is a care party
# or when a requested category on the flow's allow-list is special.

default regime := "none"

regime := cfg.consent.strict_regime if {
	flow.consent != "none"
	stricter
} else := flow.consent if flow_id != null

stricter if cfg.org_types[input.holder.org_type].care

stricter if cfg.org_types[input.recipient.org_type].care

stricter if {
	some cat in input.categories
	flow.allowed[cat]
	cfg.categories[cat].special
}

consent_flow if regime != "none"

# The givers whose consent counts at this age (ouder, jeugdige or both).
required_givers := {g | some g in cfg.consent.givers_by_age[regime][input.subject.age]} if consent_flow

default required_givers := set()

# How many distinct consents a giver must have given: parents_required for
# "ouder" (one parent with gezag suffices by default [choice]), else 1.
needed := {"ouder": cfg.consent.parents_required, "jeugdige": 1}

# Consents for this recipient and purpose, whatever their state.
relevant contains i if {
	some i, c in input.consents
	c.recipient_oin == input.recipient.oin
	c.purpose == input.purpose
}

# A matching consent: given at or before now, not expired, not withdrawn at
# or before now (POLICY-CONTRACT.md, consents).
live contains i if {
	some i in relevant
	c := input.consents[i]
	c.given_at <= now
	not expired(c)
	not withdrawn(c)
}

withdrawn(c) if {
	c.withdrawn_at != null
	c.withdrawn_at <= now
}

expired(c) if {
	c.valid_until != null
	c.valid_until <= now
}

# live consents per required giver
live_by[g] := [i | some i in live; input.consents[i].given_by == g] if some g in required_givers

giver_ok(g) if count(live_by[g]) >= needed[g]

# Why a required giver has no consent: a withdrawal wins over expiry, and both
# over plain absence.
consent_code(g) := "CONSENT_WITHDRAWN" if {
	some i in relevant
	input.consents[i].given_by == g
	withdrawn(input.consents[i])
} else := "CONSENT_EXPIRED" if {
	some i in relevant
	input.consents[i].given_by == g
	expired(input.consents[i])
} else := "CONSENT_MISSING"

problems contains [consent_code(g), g] if {
	some g in required_givers
	not giver_ok(g)
}

# The categories a giver's live consents cover (with parents_required 2, a
# category must be in two distinct parents' consents).
covered_by[g] := {cat |
	some cat in requested
	count([i | some i in live_by[g]; cat in input.consents[i].categories]) >= needed[g]
} if some g in required_givers

# A category is covered when every required giver consented to it.
covered := intersection({covered_by[g] | some g in required_givers}) if consent_flow

# ---------------------------------------------------------------------------
# Categories (minimaal): category by category, never beyond the allow-list.

requested := {c | some c in input.categories}

in_flow := {c | some c in requested; flow.allowed[c]}

releasable := in_flow & covered if consent_flow

releasable := in_flow if not consent_flow

blocked if count(problems) > 0

default released := set()

released := releasable if not blocked

# One code per withheld category: without a flow the selection code; a
# category off the allow-list CATEGORY_NOT_IN_FLOW; otherwise the first code
# that blocks the whole request, or CATEGORY_NOT_CONSENTED.
first_code := min({code_rank[p[0]] | some p in problems})

category_code(cat) := rank_code[first_code] if {
	flow_id == null
} else := "CATEGORY_NOT_IN_FLOW" if {
	not in_flow[cat]
} else := rank_code[first_code] if {
	blocked
} else := "CATEGORY_NOT_CONSENTED"

rank_code := {r: c | some c, r in code_rank}

withheld := [{"category": cat, "code": category_code(cat)} |
	some cat in sort(requested)
	not released[cat]
]

# A deny always carries at least one reason. When nothing blocks but nothing
# can be released, the withheld categories' codes are the reasons.
findings := problems if blocked

findings := {[code, concat(", ", cats)] |
	some code in {w.code | some w in withheld}
	cats := [w.category | some w in withheld; w.code == code]
} if {
	not blocked
	count(requested) > 0
}

findings := {["CATEGORY_NOT_IN_FLOW", "(geen)"]} if {
	not blocked
	count(requested) == 0
}

default allow := false

allow if {
	not blocked
	count(released) > 0
}

reasons := [] if allow

reasons := [{"code": p[0], "message": message(p)} |
	some rank in sort({code_rank[p[0]] | some p in findings})
	some p in sort(findings)
	code_rank[p[0]] == rank
] if not allow

message(p) := sprintf(cfg.messages[p[0]], p[1]) if {
	is_array(p[1])
} else := cfg.messages[p[0]] if {
	p[1] == ""
} else := sprintf(cfg.messages[p[0]], [p[1]])

# informeren: the flow's obligations, on a release only.
default obligations := []

obligations := sort(flow.obligations) if allow

default consents_used := []

consents_used := sort({c.id |
	some i in live
	c := input.consents[i]
	required_givers[c.given_by]
	some cat in c.categories
	released[cat]
}) if allow

default basis := null

basis := flow.basis

# verantwoording: how long the audit detail of this decision is kept.
default retention_days := 0

retention_days := flow.retention_days

retention_days := cfg.default_retention_days if flow_id == null

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
