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
# Input: the decision input of POLICY-CONTRACT.md (version 3), normalised by
# the Go engine: every optional field is present with its default (query
# "release", flow "", mode "request", gemeente and designated_gemeente "",
# enrolled_at_holder true, parents_with_gezag 2, held_by "holder", giver "",
# holder_oin "", case null), and every time (now, given_at, valid_until,
# withdrawn_at, announced_at, the case's and members' times) is an integer
# number of nanoseconds since the Unix epoch, null when absent.
#
# The other questions of the contract (consult, monitoring, regie, inzage)
# are in questions.rego; they share the flow selection and the "pre" checks
# below.
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
	"CONSULT_IDENTIFYING": 5,
	"MONITORING_DIMENSION_NOT_ALLOWED": 6,
	"MONITORING_FLOW_EXCLUDED": 7,
	"RELATION_REQUIRED": 8,
	"CASE_NOT_OPEN": 9,
	"NOT_A_MEMBER": 10,
	"NOT_REGIEHOUDER": 11,
	"NOT_RESIDENT": 12,
	"NOT_ENROLLED_AT_HOLDER": 13,
	"CONSENT_MISSING": 14,
	"CONSENT_WITHDRAWN": 15,
	"CONSENT_EXPIRED": 16,
	"CATEGORY_NOT_IN_FLOW": 17,
	"CATEGORY_NOT_CONSENTED": 18,
	"ATTESTED_CONSENT_PENDING": 19,
	"JUSTIFICATION_REQUIRED": 20,
	"CASE_REFERENCE_REQUIRED": 21,
	"NOT_ENROLLED": 22,
	"INZAGE_REQUIRED": 23,
	"VERZUIM_THRESHOLD_NOT_MET": 24,
	"VERZUIM_MELDING_REQUIRED": 25,
	"BEROEPSGEHEIM_REQUIRED": 26,
	"AGE_OUT_OF_SCOPE": 27,
	"INZAGE_NOT_ENTITLED": 28,
	"INZAGE_HELD_FOR_SAFETY": 29,
	"INZAGE_CLASS_NOT_ENTITLED": 30,
	"INZAGE_WITHHELD_BY_PROFESSIONAL": 31,
}

# ---------------------------------------------------------------------------
# Flow selection (doel): the purpose must be on the closed list and belong to
# the flow. Without input.flow the one flow whose purpose, holder org type and
# recipient org type match decides; an explicit flow must be that flow. The
# flow must also be decided by the question asked (its query): N1 only
# through consult, M1 only through monitoring (POLICY-CONTRACT.md "The other
# questions"); otherwise NO_MATCHING_FLOW.

route := cfg.routes[input.purpose][input.holder.org_type][input.recipient.org_type]

default question := "release"

question := input.query

default flow_id := null

flow_id := route if {
	input.flow == ""
	cfg.flows[route].query == question
}

flow_id := route if {
	input.flow == route
	cfg.flows[route].query == question
}

flow := cfg.flows[flow_id]

# problems are the blocking findings as [code, message argument] pairs;
# messages are only formatted for a deny. request_problems depend on the
# request alone (never on input.subject or input.consents): they are what
# precheck decides before the child is looked up. subject_problems need the
# child's record. A deny lists every failing "pre" check; only when none
# failed, the checks on the child (POLICY-CONTRACT.md, "Readings fixed" 1).
problems := request_problems if count(request_problems) > 0

problems := subject_problems if count(request_problems) == 0

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
#   RELATION_REQUIRED        need-to-know (Jeugdwet 7.3.11): A1, H1-H3
#   JUSTIFICATION_REQUIRED   the written weighing: G1, G2 (meldcode), G3
#   CASE_REFERENCE_REQUIRED  the measure the gezinsvoogd acts under: G4
#   BEROEPSGEHEIM_REQUIRED   G3: only a holder whose role has professional secrecy
# On the child's record (subject_checks):
#   NOT_ENROLLED             "child's school": E1, E2, A2, D5, D7, S2
#   INZAGE_REQUIRED          E1, E2, S1: the parents had inzage
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
# Where neither side is such a party the check does not apply. Where the
# flow switches the designated gemeente on (A1, B1 only; off by default
# [choice]), the gemeente side also passes when its code is the other
# (school) side's non-empty designated_gemeente.
subject_problems contains ["NOT_RESIDENT", ""] if {
	flow.residence
	some side in ["holder", "recipient"]
	cfg.org_types[input[side].org_type].residence
	not resident(side)
}

resident(side) if {
	input[side].gemeente != ""
	input[side].gemeente == input.subject.gemeente
}

resident(side) if {
	flow.designated_gemeente
	input[side].gemeente != ""
	some other in ["holder", "recipient"]
	other != side
	cfg.org_types[input[other].org_type].school
	input[other].designated_gemeente == input[side].gemeente
}

# Own pupil (eigen-leerling): on a flow marked own_pupil, a holder whose org
# type keeps a roll (school, kinderopvang) releases only about a child on it.
subject_problems contains ["NOT_ENROLLED_AT_HOLDER", ""] if {
	flow.requires.own_pupil
	cfg.org_types[input.holder.org_type].roll
	not input.subject.enrolled_at_holder
}

# Verzuim (RULES.md "Verzuim", C1 needs a melding): a notification needs the
# threshold of unauthorised absence or an open melding; a request must name
# an open melding of this holder as its case reference [choice] (an empty
# one included: "Readings fixed" 6).
subject_problems contains ["VERZUIM_THRESHOLD_NOT_MET", ""] if {
	flow.requires.verzuim_melding
	input.mode == "notification"
	input.subject.unauthorised_absence_hours_4w < cfg.verzuim_threshold_hours
	count(input.subject.open_verzuim_meldingen) == 0
}

subject_problems contains ["VERZUIM_MELDING_REQUIRED", ""] if {
	flow.requires.verzuim_melding
	input.mode == "request"
	not input.case_reference in input.subject.open_verzuim_meldingen
}

# F1 (under 23), D7 (under 7): the flow's min_age to age_to, inclusive
# (age_to is max_age, or the highest age an input may carry). The message
# does not name the age (it is the holder's fact).
subject_problems contains ["AGE_OUT_OF_SCOPE", ""] if {
	f := flow
	not age_in_scope(f)
}

age_in_scope(f) if {
	input.subject.age >= f.min_age
	input.subject.age <= f.age_to
}

# ---------------------------------------------------------------------------
# The case team (RULES.md "The case team"; flows whose requires has case):
# the signed case record must be open, and the holder (OIN, and role when
# not empty) and the recipient (OIN and role) current members. These are
# "pre" checks: the case travels with the request.

case_open if {
	input.case.opened_at <= now
	not case_closed
}

case_closed if {
	input.case.closed_at != null
	input.case.closed_at <= now
}

# current(m): from <= now and until null or later; a gast without until is
# never current (the "lege stoel" is temporary).
current(m) if {
	m.from <= now
	m.until == null
	m.ring != "gast"
}

current(m) if {
	m.from <= now
	m.until != null
	m.until > now
}

# The recipient's current membership (one member per OIN and role).
recipient_member := m if {
	some m in input.case.members
	m.oin == input.recipient.oin
	m.role == input.recipient.role
	current(m)
}

holder_member if {
	some m in input.case.members
	m.oin == input.holder.oin
	input.holder.role in {"", m.role}
	current(m)
}

request_problems contains ["CASE_NOT_OPEN", ""] if {
	flow.requires.case
	not case_open
}

request_problems contains ["NOT_A_MEMBER", "verstrekker"] if {
	flow.requires.case
	case_open
	not holder_member
}

request_problems contains ["NOT_A_MEMBER", "ontvanger"] if {
	flow.requires.case
	case_open
	not recipient_member
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

# How many persons of a giver must have consented (RULES.md "Two parents"):
# for "ouder" the regime's parents_required (jeugdhulp: every parent with
# gezag [choice]; school: one), never more than the persons with gezag the
# holder's records name (subject.parents_with_gezag, 2 when unknown
# [choice]); one "jeugdige".
needed := {
	"ouder": min({settings.parents_required, input.subject.parents_with_gezag}),
	"jeugdige": 1,
}

# Which consents count (POLICY-CONTRACT.md, consents[].held_by):
#   holder     its recipient_oin and purpose are the request's, and its
#              holder_oin, when not empty, is the holder's OIN;
#   recipient  attested in the requester's signed statement: only where the
#              flow accepts attested consents, in request mode, with the
#              recipient's OIN, the holder's OIN and the request's purpose
#              (RULES.md "Consents the recipient holds");
#   case       a team consent: only on a flow with a case (K1), for the
#              case, the purpose and a grant for the recipient member; its
#              categories are that grant's. On such a flow no other consent
#              counts.
# Any other consent is as if absent. relevant holds each counted consent
# with the categories it covers here (cats) and whether it awaits the
# holder's own notice (awaiting).
relevant := [object.union(c, {"cats": cats, "awaiting": awaiting(c)}) |
	some c in input.consents
	c.purpose == input.purpose
	some cats in covered(c)
]

covered(c) := [c.categories] if {
	not flow.requires.case
	c.held_by == "holder"
	c.recipient_oin == input.recipient.oin
	c.holder_oin in {"", input.holder.oin}
}

covered(c) := [c.categories] if {
	not flow.requires.case
	c.held_by == "recipient"
	settings.attested_consent
	input.mode == "request"
	c.recipient_oin == input.recipient.oin
	c.holder_oin == input.holder.oin
}

covered(c) := [g.categories | some g in c.grants; g.member == recipient_member.id] if {
	flow.requires.case
	c.held_by == "case"
	c.case_id == input.case.id
	case_open
}

# An attested consent awaits the holder's notice until announced_at plus
# attested_notice_days (7 [choice]) is at or before now; announced_at comes
# from the holder's own store, never from the request.
default awaiting(_) := false

awaiting(c) if {
	c.held_by == "recipient"
	not noticed(c)
}

noticed(c) if {
	c.announced_at != null
	c.announced_at + (cfg.consent.attested_notice_days * 86400000000000) <= now
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

# found[g]: how many persons of giver g have a live counted consent
# (awaiting ones included: they still count against CONSENT_MISSING).
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
# and with consent only what every required person consented to.

requested := {c | some c in input.categories}

# consented(cat, cs): every required giver has enough persons among cs
# whose consent covers cat.
consented(cat, cs) if {
	every g in givers {
		persons([c | some c in cs; c.given_by == g; cat in c.cats]) >= needed[g]
	}
}

# A special category covered only thanks to an attested consent still
# awaiting the holder's notice is pending (judged per required person:
# without the awaiting consents the category is not consented).
ready := [c | some c in live; not c.awaiting]

pending contains cat if {
	some cat in requested
	flow.allowed[cat]
	cfg.categories[cat].special
	consented(cat, live)
	not consented(cat, ready)
}

releasable contains cat if {
	some cat in requested
	flow.allowed[cat]
	consented(cat, live)
	not pending[cat]
}

blocked if count(problems) > 0

default released := set()

released := releasable if not blocked

# One code per withheld category: without a flow the selection code; a
# category off the allow-list CATEGORY_NOT_IN_FLOW; otherwise the first code
# that blocks the whole request, CATEGORY_NOT_CONSENTED, or
# ATTESTED_CONSENT_PENDING.
first_code := rank_code[min({code_rank[p[0]] | some p in problems})]

category_code(cat) := first_code if {
	flow_id == null
} else := "CATEGORY_NOT_IN_FLOW" if {
	not flow.allowed[cat]
} else := first_code if {
	blocked
} else := "ATTESTED_CONSENT_PENDING" if {
	pending[cat]
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

# informeren (POLICY-CONTRACT.md "Obligations"): on a release the flow's
# obligations, those for a school holder (K1: record_in_pupil_file) and
# inform_other_parent; inform_before_release comes with allow and deny
# alike. Sorted.
default obligations := []

obligations := sort(release_obligations | before_release) if allow

obligations := sort(before_release) if not allow

release_obligations contains o if some o in flow.obligations

release_obligations contains o if {
	cfg.org_types[input.holder.org_type].school
	some o in flow.holder_school_obligations
}

# RULES.md "Two parents": under a regime with inform_other_parent (school),
# when more persons have gezag than gave the live counted ouder consents
# (two with gezag, consents from one), the other parent is informed.
release_obligations contains "inform_other_parent" if {
	settings.inform_other_parent
	"ouder" in givers
	persons([c | some c in live; c.given_by == "ouder"]) < input.subject.parents_with_gezag
}

# inform_before_release: a category is withheld ATTESTED_CONSENT_PENDING and
# an awaiting consent it needs was never announced (announced_at null): the
# holder's node sends the notice.
default before_release := set()

before_release := {"inform_before_release"} if {
	some w in withheld
	w.code == "ATTESTED_CONSENT_PENDING"
	some c in live
	c.awaiting
	c.announced_at == null
	w.category in c.cats
}

default consents_used := []

consents_used := sort({c.id |
	some c in live
	c.given_by in givers
	some cat in c.cats
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
# relation, the case and its members, justification, case reference and the
# holder's beroepsgeheim. It reads neither input.subject nor input.consents.
# allow true means only "go on and look the child up": it releases nothing
# (categories is empty); the decision after the look-up decides what leaves.
# A deny carries the request's reasons in the contract's order, the same
# ones the full decision gives.

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
