# The other questions of POLICY-CONTRACT.md ("The other questions"):
# consult (N1), monitoring (M1), regie (the regiehouder view of a case) and
# inzage (which decision records of one child a requester may see). Like
# decision.rego this module is generic: the closed lists, dimensions,
# thresholds and the inzage table are data (data.yaml: consult, monitoring,
# regie, inzage).
#
# Input: as normalised by the Go engine (see decision.rego); query is the
# question. consult carries "identifying": the names of the release fields
# (subject, categories, consents, case, case_reference, justification) that
# hold a non-empty value. Monitoring rows keep their keys and values; count
# is a non-negative integer (checked by the parser).
package schakel.decision

import data.schakel.rules as cfg

# ---------------------------------------------------------------------------
# consult (N1, RULES.md "Consultation without a name"): the flow selection,
# mode and roles of a release, and CONSULT_IDENTIFYING for any key of the
# consult outside the closed lists, any value outside them, or any release
# field with a value. Everything here is "pre": there is no child.

request_problems contains ["CONSULT_IDENTIFYING", ""] if {
	flow.query == "consult"
	not consult_clean
}

consult_clean if {
	count(input.identifying) == 0
	every key, value in input.consult {
		consult_value_ok(cfg.consult[key], value)
	}
}

consult_value_ok(spec, value) if {
	not spec.list
	is_string(value)
	spec.values[value]
}

consult_value_ok(spec, value) if {
	spec.list
	is_array(value)
	every v in value {
		is_string(v)
		spec.values[v]
	}
}

consult := {
	"allow": count(request_problems) == 0,
	"flow": flow_id,
	"basis": basis,
	"categories": [],
	"withheld": [],
	"reasons": ordered(request_problems),
	"obligations": [],
	"consents_used": [],
	"retention_days": retention_days,
}

# ---------------------------------------------------------------------------
# monitoring (M1, RULES.md "Regional monitoring"): every row has exactly the
# dimensions of monitoring.dimensions and a count; each value must be one
# the dimension knows; a row of an excluded flow (G1 to G4 [choice]) refuses
# the export. An allowed export answers its rows in order with every count
# below monitoring.small_cell (zero included) replaced by "<10" [choice].

request_problems contains ["MONITORING_DIMENSION_NOT_ALLOWED", ""] if {
	flow.query == "monitoring"
	some row in input.rows
	not row_ok(row)
}

request_problems contains ["MONITORING_FLOW_EXCLUDED", ""] if {
	flow.query == "monitoring"
	some row in input.rows
	cfg.monitoring.excluded_flows[row.flow]
}

row_ok(row) if {
	{k | some k, _ in row} == {k | some k, _ in cfg.monitoring.row_keys}
	every d in cfg.monitoring.dimensions {
		is_string(row[d])
		dimension_ok(d, row[d])
	}
}

dimension_ok("flow", v) if cfg.flows[v]

dimension_ok("purpose", v) if cfg.purposes[v]

dimension_ok("outcome", v) if v in {"allow", "deny"}

dimension_ok("reason", v) if cfg.monitoring.reasons[v]

dimension_ok("counterpart_org_type", v) if cfg.org_types[v]

dimension_ok("school_oin", "")

dimension_ok("school_oin", v) if regex.match(`^[0-9]{20}$`, v)

dimension_ok("month", v) if regex.match(`^[0-9]{4}-(0[1-9]|1[0-2])$`, v)

monitoring_allow := count(request_problems) == 0

monitoring := object.union(
	{
		"allow": monitoring_allow,
		"flow": flow_id,
		"basis": basis,
		"categories": monitoring_categories,
		"withheld": [],
		"reasons": ordered(request_problems),
		"obligations": [],
		"consents_used": [],
		"retention_days": retention_days,
	},
	monitoring_rows,
)

default monitoring_categories := []

monitoring_categories := flow.categories if monitoring_allow

default monitoring_rows := {}

monitoring_rows := {"rows": [suppressed(row) | some row in input.rows]} if monitoring_allow

suppressed(row) := object.union(row, {"count": "<10"}) if {
	row.count < cfg.monitoring.small_cell
} else := row

# ---------------------------------------------------------------------------
# regie (RULES.md "The case team", regiehouder view): while the case is open
# [choice] (CASE_NOT_OPEN), only the current member named regiehouder, on
# OIN and role (NOT_REGIEHOUDER). The answer names the fields of the view,
# never a value; a refusal names none.

regie_problems contains ["CASE_NOT_OPEN", ""] if not case_open

regie_problems contains ["NOT_REGIEHOUDER", ""] if not regiehouder

regiehouder if {
	some m in input.case.members
	m.id == input.case.regiehouder
	m.oin == input.requester.oin
	m.role == input.requester.role
	current(m)
}

regie_allow := count(regie_problems) == 0

regie := {
	"allow": regie_allow,
	"flow": cfg.regie.flow,
	"basis": cfg.flows[cfg.regie.flow].basis,
	"categories": [],
	"withheld": [],
	"reasons": ordered(regie_problems),
	"obligations": [],
	"consents_used": [],
	"retention_days": cfg.flows[cfg.regie.flow].retention_days,
	"fields": regie_fields,
}

default regie_fields := []

regie_fields := cfg.regie.fields if regie_allow

# ---------------------------------------------------------------------------
# inzage (RULES.md "Rights the system serves", the inzage table): per record
# the first code that applies, in this order: INZAGE_NOT_ENTITLED (the
# requester may see no class at this age), INZAGE_HELD_FOR_SAFETY (a class
# held for safety, not yet released_for_inzage), INZAGE_CLASS_NOT_ENTITLED
# (the record's class, a released safety record counting as released_as, is
# not in the requester's column), INZAGE_WITHHELD_BY_PROFESSIONAL (an ouder,
# a withholdable class, withhold_from_parents).

# The classes this requester may see at this age: the first requester row of
# its kind (and, for ouder, gezag) whose band covers the age; none else.
default inzage_classes := set()

inzage_classes := {c |
	some r in cfg.inzage.requesters
	r.kind == input.requester.kind
	r.gezag in {null, input.requester.gezag}
	some b in r.by_age
	b.min_age <= input.subject.age
	input.subject.age <= b.age_to
	some c in b.classes
}

inzage_entitled if count(inzage_classes) > 0

record_class(rec) := object.get(cfg.flows, [rec.flow, "inzage_class"], cfg.inzage.default_class)

# The column a record follows: a released safety record follows released_as.
effective_class(rec) := cfg.inzage.released_as if {
	cfg.inzage.held_for_safety[record_class(rec)]
} else := record_class(rec)

inzage_code(rec) := "INZAGE_NOT_ENTITLED" if {
	not inzage_entitled
} else := "INZAGE_HELD_FOR_SAFETY" if {
	cfg.inzage.held_for_safety[record_class(rec)]
	not rec.released_for_inzage
} else := "INZAGE_CLASS_NOT_ENTITLED" if {
	not inzage_classes[effective_class(rec)]
} else := "INZAGE_WITHHELD_BY_PROFESSIONAL" if {
	input.requester.kind == "ouder"
	cfg.inzage.withholdable[effective_class(rec)]
	rec.withhold_from_parents
}

inzage_records := {rec.id: rec | some rec in input.records}

inzage_shown := [id |
	some id in sort(object.keys(inzage_records))
	not inzage_code(inzage_records[id])
]

inzage_held_back := [{"record": id, "code": inzage_code(inzage_records[id])} |
	some id in sort(object.keys(inzage_records))
]

default inzage_reasons := []

inzage_reasons := ordered({["INZAGE_NOT_ENTITLED", ""]}) if not inzage_entitled

inzage := {
	"allow": inzage_entitled,
	"shown": inzage_shown,
	"held_back": inzage_held_back,
	"reasons": inzage_reasons,
}
