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
#   flows[id].consent_settings[regime] = {by_age (age bands: min_age,
#       age_to and the givers whose consent counts), parents_required,
#       attested_consent}, for the
#       flow's own regime and the strict one, with the inheritance global ->
#       regime -> flow already resolved
#
# Two entry points: decision (POLICY-CONTRACT.md "Decision") and precheck,
# the checks that depend on the request alone (RULES.md "What the holder
# checks before it looks at the child"): the gateway asks precheck before
# it looks the child up, and decision after.
#
# Ids in comments refer to RULES.md (the Schakel rules of "gegevens delen in Twente") ("Principles, as
# checks", "Whose consent counts", "Flows").
#
# Input: the decision input of POLICY-CONTRACT.md (version 2), normalised by
# the Go engine: every optional field is present with its default (flow "",
# mode "request", gemeente "", held_by "holder", giver ""), and every
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
	"MODE_NOT_ALLOWED": 3,
	"ROLE_NOT_ALLOWED": 4,
	"RELATION_REQUIRED": 5,
	"NOT_RESIDENT": 6,
	"CONSENT_MISSING": 7,
	"CONSENT_WITHDRAWN": 8,
	"CONSENT_EXPIRED": 9,
	"CATEGORY_NOT_IN_FLOW": 10,
	"CATEGORY_NOT_CONSENTED": 11,
	"JUSTIFICATION_REQUIRED": 12,
	"CASE_REFERENCE_REQUIRED": 13,
	"NOT_ENROLLED": 14,
	"INZAGE_REQUIRED": 15,
	"BEROEPSGEHEIM_REQUIRED": 16,
	"AGE_OUT_OF_SCOPE": 17,
}

# ---------------------------------------------------------------------------
# Flow selection (doel): the purpose must be on the closed list and belong to
# the flow. Without input.flow the one flow whose purpose, holder org type and
# recipient org type match decides; an explicit flow must be that flow.

route := cfg.routes[input.purpose][input.holder.org_type][input.recipient.org_type]

default flow_id := null

flow_id := route if input.flow == ""

flow_id := route if input.flow == route

flow := cfg.flows[flow_id]

# problems are the blocking findings as [code, message argument] pairs;
# messages are only formatted for a deny. request_problems depend on the
# request alone (never on input.subject or input.consents): they are what
# precheck decides before the child is looked up. subject_problems need the
# child's record.
problems := request_problems | subject_problems

request_problems contains ["UNKNOWN_PURPOSE", input.purpose] if not cfg.purposes[input.purpose]

request_problems contains ["NO_MATCHING_FLOW", ""] if {
	cfg.purposes[input.purpose]
	flow_id == null
}

# Mode (RULES.md "Flows", mode column): a report flow cannot be pulled, a
# request flow cannot be pushed.
request_problems contains ["MODE_NOT_ALLOWED", ""] if {
	f := flow
	not f.modes[input.mode]
}

# ---------------------------------------------------------------------------
# Checks of the matched flow.

# Roles (POLICY-CONTRACT.md, decision input): a side that lists roles refuses
# every other role, "" included; a side that lists none accepts any known
# role or none. accepts is that set, derived from data.yaml.
request_problems contains ["ROLE_NOT_ALLOWED", [role_label(input.holder.role), "verstrekker"]] if {
	f := flow
	not f.holder.accepts[input.holder.role]
}

request_problems contains ["ROLE_NOT_ALLOWED", [role_label(input.recipient.role), "ontvanger"]] if {
	f := flow
	not f.recipient.accepts[input.recipient.role]
}

role_label(r) := sprintf("%q", [r]) if r != ""

role_label("") := "(geen rol)"

# The flow's conditions (requires in data.yaml), as the code of the reason
# each gives when it does not hold. On the request alone (request_checks):
#   RELATION_REQUIRED        need-to-know (Jeugdwet 7.3.11): A1
#   JUSTIFICATION_REQUIRED   the written weighing: G1, G2 (meldcode), G3
#   CASE_REFERENCE_REQUIRED  the measure the gezinsvoogd acts under: G4
#   BEROEPSGEHEIM_REQUIRED   G3: only a holder whose role has professional secrecy
# On the child's record (subject_checks):
#   NOT_ENROLLED             E1, E2: only after enrolment, never for selection
#   INZAGE_REQUIRED          E1, E2: the parents had inzage in the rapport
request_problems contains [code, ""] if {
	some code in flow.request_checks
	not holds[code]
}

subject_problems contains [code, ""] if {
	some code in flow.subject_checks
	not holds[code]
}

holds := {
	"RELATION_REQUIRED": input.recipient.relation,
	"JUSTIFICATION_REQUIRED": trim_space(input.justification) != "",
	"CASE_REFERENCE_REQUIRED": trim_space(input.case_reference) != "",
	"NOT_ENROLLED": input.subject.enrolled_at_recipient,
	"INZAGE_REQUIRED": input.subject.parents_had_inzage,
	"BEROEPSGEHEIM_REQUIRED": object.get(cfg.roles, [input.holder.role, "beroepsgeheim"], false),
}

# Residence (RULES.md "Residence"): on a flow with the residence condition,
# every side whose org type is marked residence (a gemeente) must have the
# child's woongemeente as its code; an unknown code on either side fails.
# Where neither side is such a party the check does not apply.
subject_problems contains ["NOT_RESIDENT", ""] if {
	flow.residence
	some side in ["holder", "recipient"]
	cfg.org_types[input[side].org_type].residence
	not resident(input[side].gemeente)
}

resident(code) if {
	code != ""
	code == input.subject.gemeente
}

# F1: a child under 23 (the flow's min_age to age_to, inclusive; age_to is
# max_age, or the highest age an input may carry). The message does not
# name the age (it is the holder's fact).
subject_problems contains ["AGE_OUT_OF_SCOPE", ""] if {
	f := flow
	not age_in_scope(f)
}

age_in_scope(f) if {
	input.subject.age >= f.min_age
	input.subject.age <= f.age_to
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
} else := flow.consent

stricter if cfg.org_types[input.holder.org_type].care

stricter if cfg.org_types[input.recipient.org_type].care

stricter if {
	some cat in input.categories
	flow.allowed[cat]
	cfg.categories[cat].special
}

# The consent settings of this flow under this regime (data.yaml: global,
# regime, flow; the most specific wins).
settings := flow.consent_settings[regime]

# The givers whose consent counts at this age (ouder, jeugdige or both); none
# for a flow without consent.
default givers := []

givers := [b.givers |
	some b in settings.by_age
	b.min_age <= input.subject.age
	input.subject.age <= b.age_to
][0]

# How many persons of a giver must have consented: parents_required for
# "ouder" (one parent with gezag suffices by default [choice]), else 1.
needed := {"ouder": settings.parents_required, "jeugdige": 1}

# A consent counts (is live) when its recipient OIN and purpose are the
# request's, it was given at or before now, has not expired and was not
# withdrawn at or before now (POLICY-CONTRACT.md, consents). A consent the
# recipient attests (held_by recipient) is only seen where the flow accepts
# attested consents and the mode is request (RULES.md "Consents the
# recipient holds"); otherwise it is as if absent.
relevant := [c |
	some c in input.consents
	c.recipient_oin == input.recipient.oin
	c.purpose == input.purpose
	seen(c)
]

seen(c) if c.held_by == "holder"

seen(c) if {
	c.held_by == "recipient"
	settings.attested_consent
	input.mode == "request"
}

live := [c | some c in relevant; c.given_at <= now; not withdrawn(c); not expired(c)]

withdrawn(c) if {
	c.withdrawn_at != null
	c.withdrawn_at <= now
}

expired(c) if {
	c.valid_until != null
	c.valid_until <= now
}

# persons(cs) is how many persons gave the consents cs (RULES.md "Two
# parents"): consents with the same or an empty giver are one person, so
# two count as two only with two different, non-empty givers.
persons(cs) := max({count({c.giver | some c in cs; c.giver != ""}), min({1, count(cs)})})

# found[g]: how many persons of giver g have a live consent.
found[g] := persons([c | some c in live; c.given_by == g]) if some g in givers

# Why a required giver has too few consents: a withdrawal wins over expiry,
# and both over plain absence. The argument says whose consent: "ouder",
# "jeugdige", or with two parents required "ouders" (none found) or
# "tweede ouder" (one found).
subject_problems contains [consent_code(g), giver_label(g)] if {
	some g in givers
	found[g] < needed[g]
}

giver_label(g) := "ouders" if {
	needed[g] > 1
	found[g] == 0
} else := "tweede ouder" if {
	needed[g] > 1
} else := g

consent_code(g) := "CONSENT_WITHDRAWN" if {
	some c in relevant
	c.given_by == g
	withdrawn(c)
} else := "CONSENT_EXPIRED" if {
	some c in relevant
	c.given_by == g
	expired(c)
} else := "CONSENT_MISSING"

# consent_count: per required giver, how many persons are needed and how
# many were found (read by `schakel policy explain`).
consent_count[g] := {"needed": needed[g], "found": found[g]} if some g in givers

# ---------------------------------------------------------------------------
# Categories (minimaal): category by category, never beyond the allow-list,
# and with consent only what every required giver consented to (with
# parents_required 2, a category must be in two parents' consents).

requested := {c | some c in input.categories}

releasable contains cat if {
	some cat in requested
	flow.allowed[cat]
	every g in givers {
		persons([c | some c in live; c.given_by == g; cat in c.categories]) >= needed[g]
	}
}

blocked if count(problems) > 0

default released := set()

released := releasable if not blocked

# One code per withheld category: without a flow the selection code; a
# category off the allow-list CATEGORY_NOT_IN_FLOW; otherwise the first code
# that blocks the whole request, or CATEGORY_NOT_CONSENTED.
first_code := rank_code[min({code_rank[p[0]] | some p in problems})]

category_code(cat) := first_code if {
	flow_id == null
} else := "CATEGORY_NOT_IN_FLOW" if {
	not flow.allowed[cat]
} else := first_code if {
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

reasons := ordered(findings) if not allow

# ordered lists findings as reasons in the contract's order of codes.
ordered(ps) := [{"code": p[0], "message": message(p)} |
	some rank in sort({code_rank[p[0]] | some p in ps})
	some p in sort(ps)
	code_rank[p[0]] == rank
]

message(p) := sprintf(cfg.messages[p[0]], p[1]) if {
	is_array(p[1])
} else := cfg.messages[p[0]] if {
	p[1] == ""
} else := sprintf(cfg.messages[p[0]], [p[1]])

# informeren: the flow's obligations (sorted in the data), on a release only.
default obligations := []

obligations := flow.obligations if allow

default consents_used := []

consents_used := sort({c.id |
	some c in live
	c.given_by in givers
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

# ---------------------------------------------------------------------------
# precheck: the decision on the request alone (RULES.md "What the holder
# checks before it looks at the child"): purpose, flow, mode, roles,
# relation, justification, case reference and the holder's beroepsgeheim.
# It reads neither input.subject nor input.consents. allow true means only
# "go on and look the child up": it releases nothing (categories is empty);
# the decision after the look-up decides what leaves. A deny carries the
# request's reasons in the contract's order, the same ones the full
# decision would give first.

default precheck_allow := false

precheck_allow if count(request_problems) == 0

precheck_withheld := [] if precheck_allow

precheck_withheld := [{"category": cat, "code": code} |
	code := rank_code[min({code_rank[p[0]] | some p in request_problems})]
	some cat in sort(requested)
] if not precheck_allow

precheck_reasons := [] if precheck_allow

precheck_reasons := ordered(request_problems) if not precheck_allow

precheck := {
	"allow": precheck_allow,
	"flow": flow_id,
	"basis": basis,
	"categories": [],
	"withheld": precheck_withheld,
	"reasons": precheck_reasons,
	"obligations": [],
	"consents_used": [],
	"retention_days": retention_days,
}

# Wijziging in de logica (testdata voor schakel policy diff).
