# Tests of the pack's logic (decision.rego): every reason code of
# POLICY-CONTRACT.md (version 3), every consent-regime age boundary of
# RULES.md ("Whose consent counts": 11/12 and 15/16 in both regimes), mode,
# residence, attested consents, two parents, the precheck, the obligations
# and the decision's shape.
#
# They decide on their own fixture rules (data.schakel.fixture.rules, a
# frozen copy of the default rules in fixture_test.rego), never on the
# pack's data.yaml: they pass for every pack whose data loads, so a privacy
# officer who changes data.yaml is never stopped by them. The default
# pack's own decisions are tested by the scenario files.
#
# They run inside `go test ./policy/` (TestRegoTests, with OPA's tester),
# inside `schakel policy test`, and with the opa command line alone (they
# need no data: every test brings its rules):
#
#   go tool -modfile=tools/go.mod opa test policy/pack
#
# Times in the input are nanoseconds since the Unix epoch, as the engine
# passes them (see decision.rego).
package schakel.decision_test

import data.schakel.decision
import data.schakel.fixture

rules := fixture.rules

holder_oin := "00000001000000000001"

recipient_oin := "00000001000000000002"

now := time.parse_rfc3339_ns("2026-11-22T10:00:00Z")

day := ((24 * 60) * 60) * 1000000000

# consent(id, given_by, purpose, categories): live, for the recipient.
consent(id, by, purpose, cats) := {
	"id": id, "given_by": by, "giver": concat("-", ["p", id]), "held_by": "holder",
	"recipient_oin": recipient_oin, "purpose": purpose,
	"categories": cats, "given_at": now - (30 * day), "valid_until": null, "withdrawn_at": null,
	"holder_oin": "", "announced_at": null, "case_id": "", "grants": [],
}

# woongemeente is the child's municipality in every input; a gemeente party
# is that municipality unless a test says otherwise.
woongemeente := "GM0153"

gemeente_of(org) := woongemeente if org == "gemeente"

else := ""

party(org, role) := {"oin": holder_oin, "org_type": org, "role": role, "relation": false, "gemeente": gemeente_of(org), "designated_gemeente": ""}

recipient(org, role) := {"oin": recipient_oin, "org_type": org, "role": role, "relation": false, "gemeente": gemeente_of(org), "designated_gemeente": ""}

notification := {"mode": "notification"}

# req builds a complete, normalised input; over is laid on top (objects merge
# key by key, arrays are replaced).
req(purpose, h, r, cats, over) := object.union(
	{
		"purpose": purpose, "flow": "", "mode": "request", "holder": h, "recipient": r,
		"subject": {
			"age": 10, "enrolled_at_recipient": false, "parents_had_inzage": false, "gemeente": woongemeente,
			# one parent with gezag, so that the version-2 tests keep their
			# meaning; the tests of "Two parents" set 2
			"enrolled_at_holder": true, "parents_with_gezag": 1,
			"unauthorised_absence_hours_4w": 0, "open_verzuim_meldingen": [],
		},
		"categories": cats, "consents": [], "justification": "", "case_reference": "", "case": null, "now": now,
	},
	over,
)

a1(over) := req(
	"afstemming_hulp_onderwijs", party("school_vo", "zorgcoordinator"),
	object.union(recipient("zorgaanbieder", "jeugdhulpverlener"), {"relation": true}),
	["verzuim", "opp"], over,
)

a1_ouder := consent("c-ouder", "ouder", "afstemming_hulp_onderwijs", ["verzuim", "opp"])

a1_kind := consent("c-kind", "jeugdige", "afstemming_hulp_onderwijs", ["verzuim", "opp"])

b1(over) := req(
	"afstemming_ondersteuning", party("school_po", "intern_begeleider"), recipient("gemeente", "wijkcoach"),
	["identificatie", "arrangement"], object.union(notification, over),
)

b1_ouder := consent("c-ouder", "ouder", "afstemming_ondersteuning", ["identificatie", "arrangement"])

b1_kind := consent("c-kind", "jeugdige", "afstemming_ondersteuning", ["identificatie", "arrangement"])

codes(d) := [r.code | some r in d.reasons]

withheld_code(d, cat) := [w.code | some w in d.withheld; w.category == cat][0]

# --- the contract's own example ---------------------------------------------

test_contract_example if {
	d := decision.decision with data.schakel.rules as rules with input as a1({
		"flow": "A1",
		"subject": {"age": 11},
		"categories": ["verzuim", "opp", "gezondheid"],
		"consents": [object.union(a1_ouder, {"id": "c-1", "valid_until": time.parse_rfc3339_ns("2027-09-01T00:00:00Z")})],
	})
	d == {
		"allow": true, "flow": "A1", "basis": "toestemming",
		"categories": ["opp", "verzuim"],
		"withheld": [{"category": "gezondheid", "code": "CATEGORY_NOT_IN_FLOW"}],
		"reasons": [], "obligations": ["inform_subject", "record_in_pupil_file"],
		"consents_used": ["c-1"], "retention_days": 1825,
	}
}

# --- UNKNOWN_PURPOSE, NO_MATCHING_FLOW: flow and basis null -----------------

test_unknown_purpose if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"purpose": "marketing", "consents": [a1_ouder]})
	d.allow == false
	d.flow == null
	d.basis == null
	codes(d) == ["UNKNOWN_PURPOSE"]
	contains(d.reasons[0].message, "marketing")
	d.categories == []
	withheld_code(d, "verzuim") == "UNKNOWN_PURPOSE"
	d.obligations == []
	d.consents_used == []
}

test_no_matching_flow_org_types if {
	# A1's purpose, but the holder is a gemeente: no flow between these org types.
	d := decision.decision with data.schakel.rules as rules with input as a1({"holder": {"org_type": "gemeente"}, "consents": [a1_ouder]})
	d.allow == false
	d.flow == null
	d.basis == null
	codes(d) == ["NO_MATCHING_FLOW"]
}

test_no_matching_flow_explicit_flow_differs if {
	# flow names B1, but the purpose and org types are A1's.
	d := decision.decision with data.schakel.rules as rules with input as a1({"flow": "B1", "consents": [a1_ouder]})
	d.flow == null
	codes(d) == ["NO_MATCHING_FLOW"]
}

test_no_matching_flow_unknown_flow_id if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"flow": "Z9", "consents": [a1_ouder]})
	codes(d) == ["NO_MATCHING_FLOW"]
}

test_unknown_org_type_is_not_any if {
	# G1 accepts "any" holder: every known org type, not an invented one.
	d := decision.decision with data.schakel.rules as rules with input as g1({"holder": {"org_type": "bakkerij"}})
	codes(d) == ["NO_MATCHING_FLOW"]
	ok := decision.decision with data.schakel.rules as rules with input as g1({})
	ok.allow == true
}

# --- ROLE_NOT_ALLOWED -------------------------------------------------------

test_role_not_allowed_recipient if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"recipient": {"role": "leerkracht"}, "consents": [a1_ouder]})
	d.allow == false
	d.flow == "A1"
	d.basis == "toestemming"
	codes(d) == ["ROLE_NOT_ALLOWED"]
	contains(d.reasons[0].message, "leerkracht")
	withheld_code(d, "opp") == "ROLE_NOT_ALLOWED"
}

test_role_not_allowed_empty_role_where_roles_listed if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"recipient": {"role": ""}, "consents": [a1_ouder]})
	codes(d) == ["ROLE_NOT_ALLOWED"]
}

test_role_not_allowed_unknown_role_on_open_side if {
	# A1 lists no holder roles: any known role or none passes, an unknown one not.
	d := decision.decision with data.schakel.rules as rules with input as a1({"holder": {"role": "conciërge"}, "consents": [a1_ouder]})
	codes(d) == ["ROLE_NOT_ALLOWED"]
	none := decision.decision with data.schakel.rules as rules with input as a1({"holder": {"role": ""}, "consents": [a1_ouder]})
	none.allow == true
}

test_role_not_allowed_holder_c2 if {
	# C2: on the gemeente side only the leerplichtambtenaar acts.
	d := decision.decision with data.schakel.rules as rules with input as c2({"holder": {"role": "wijkcoach"}})
	codes(d) == ["ROLE_NOT_ALLOWED"]
}

# --- RELATION_REQUIRED (need-to-know) ---------------------------------------

test_relation_required if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"recipient": {"relation": false}, "consents": [a1_ouder]})
	d.allow == false
	codes(d) == ["RELATION_REQUIRED"]
}

# --- consent: CONSENT_MISSING, _WITHDRAWN, _EXPIRED --------------------------

test_consent_missing_names_the_giver if {
	d := decision.decision with data.schakel.rules as rules with input as a1({})
	d.allow == false
	codes(d) == ["CONSENT_MISSING"]
	contains(d.reasons[0].message, "ouder")
	withheld_code(d, "verzuim") == "CONSENT_MISSING"
}

test_consent_for_other_recipient_does_not_count if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"consents": [object.union(a1_ouder, {"recipient_oin": "00000001000000000099"})]})
	codes(d) == ["CONSENT_MISSING"]
}

test_consent_for_other_purpose_does_not_count if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"consents": [object.union(a1_ouder, {"purpose": "afstemming_ondersteuning"})]})
	codes(d) == ["CONSENT_MISSING"]
}

test_consent_given_in_future_does_not_count if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"consents": [object.union(a1_ouder, {"given_at": now + day})]})
	codes(d) == ["CONSENT_MISSING"]
}

test_consent_withdrawn if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"consents": [object.union(a1_ouder, {"withdrawn_at": now - day})]})
	d.allow == false
	codes(d) == ["CONSENT_WITHDRAWN"]
}

test_consent_withdrawn_at_now_counts_as_withdrawn if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"consents": [object.union(a1_ouder, {"withdrawn_at": now})]})
	codes(d) == ["CONSENT_WITHDRAWN"]
}

test_consent_withdrawn_later_still_holds if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"consents": [object.union(a1_ouder, {"withdrawn_at": now + day})]})
	d.allow == true
}

test_consent_expired if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"consents": [object.union(a1_ouder, {"valid_until": now - day})]})
	d.allow == false
	codes(d) == ["CONSENT_EXPIRED"]
}

test_consent_valid_until_later_holds if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"consents": [object.union(a1_ouder, {"valid_until": now + day})]})
	d.allow == true
	d.consents_used == ["c-ouder"]
}

test_second_live_consent_overrides_withdrawn_one if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"consents": [
		object.union(a1_ouder, {"id": "old", "withdrawn_at": now - day}),
		object.union(a1_ouder, {"id": "new"}),
	]})
	d.allow == true
	d.consents_used == ["new"]
}

test_both_parents_required_when_configured if {
	one := decision.decision with data.schakel.rules as two_parents("A1", "jeugdhulp") with input as a1({"subject": {"parents_with_gezag": 2}, "consents": [a1_ouder]})
	codes(one) == ["CONSENT_MISSING"]
	two := decision.decision with data.schakel.rules as two_parents("A1", "jeugdhulp") with input as a1({"subject": {"parents_with_gezag": 2}, "consents": [a1_ouder, object.union(a1_ouder, {"id": "c-ouder2", "giver": "p-2"})]})
	two.allow == true
	two.consents_used == ["c-ouder", "c-ouder2"]
}

# two_parents(flow, regime): the fixture with parents_required 2 on one flow.
two_parents(f, regime) := json.patch(rules, [{
	"op": "replace",
	"path": sprintf("/flows/%s/consent_settings/%s/parents_required", [f, regime]),
	"value": 2,
}])

# --- CATEGORY_NOT_IN_FLOW, CATEGORY_NOT_CONSENTED (minimaal) -----------------

test_category_not_in_flow_b2_diagnose if {
	d := decision.decision with data.schakel.rules as rules with input as b2({"categories": ["identificatie", "jeugdhulp_beschikking", "diagnose"]})
	d.allow == true
	d.categories == ["identificatie", "jeugdhulp_beschikking"]
	d.withheld == [{"category": "diagnose", "code": "CATEGORY_NOT_IN_FLOW"}]
	d.reasons == []
}

test_category_not_in_flow_only_is_deny if {
	d := decision.decision with data.schakel.rules as rules with input as b2({"categories": ["diagnose", "schoenmaat"]})
	d.allow == false
	d.flow == "B2"
	codes(d) == ["CATEGORY_NOT_IN_FLOW"]
	contains(d.reasons[0].message, "diagnose")
	withheld_code(d, "schoenmaat") == "CATEGORY_NOT_IN_FLOW"
}

test_category_not_consented if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"consents": [object.union(a1_ouder, {"categories": ["verzuim"]})]})
	d.allow == true
	d.categories == ["verzuim"]
	d.withheld == [{"category": "opp", "code": "CATEGORY_NOT_CONSENTED"}]
}

test_category_not_consented_only_is_deny if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"categories": ["opp"], "consents": [object.union(a1_ouder, {"categories": ["verzuim"]})]})
	d.allow == false
	codes(d) == ["CATEGORY_NOT_CONSENTED"]
}

test_category_needs_every_required_giver if {
	# 14 years, jeugdhulp regime: the child consented to verzuim only.
	d := decision.decision with data.schakel.rules as rules with input as a1({"subject": {"age": 14}, "consents": [a1_ouder, object.union(a1_kind, {"categories": ["verzuim"]})]})
	d.allow == true
	d.categories == ["verzuim"]
	withheld_code(d, "opp") == "CATEGORY_NOT_CONSENTED"
}

# --- JUSTIFICATION_REQUIRED (G1, G2, G3) -------------------------------------

g1(over) := req(
	"melding_huiselijk_geweld", party("school_po", "intern_begeleider"), recipient("veilig_thuis", ""),
	["identificatie", "veiligheidssignalen"], object.union({"mode": "notification", "justification": "Meldcode stap 5: afweging vastgelegd."}, over),
)

test_justification_required_g1 if {
	d := decision.decision with data.schakel.rules as rules with input as g1({"justification": ""})
	d.allow == false
	codes(d) == ["JUSTIFICATION_REQUIRED"]
	blank := decision.decision with data.schakel.rules as rules with input as g1({"justification": "   "})
	codes(blank) == ["JUSTIFICATION_REQUIRED"]
}

test_g1_allowed_without_consent if {
	d := decision.decision with data.schakel.rules as rules with input as g1({})
	d.allow == true
	d.basis == "meldrecht"
	d.obligations == ["inform_subject_when_safe"]
}

# --- NOT_ENROLLED, INZAGE_REQUIRED (E1, E2) ----------------------------------

e1(over) := req(
	"overdracht_onderwijskundig_rapport", party("school_po", "intern_begeleider"), recipient("school_vo", "zorgcoordinator"),
	["identificatie", "onderwijs", "opp"], object.union({"subject": {"age": 12, "enrolled_at_recipient": true, "parents_had_inzage": true}}, over),
)

test_e1_allowed_after_enrolment_and_inzage if {
	d := decision.decision with data.schakel.rules as rules with input as e1({})
	d.allow == true
	d.flow == "E1"
	d.basis == "wettelijke_plicht"
}

test_not_enrolled if {
	d := decision.decision with data.schakel.rules as rules with input as e1({"subject": {"enrolled_at_recipient": false}})
	codes(d) == ["NOT_ENROLLED"]
}

test_inzage_required if {
	d := decision.decision with data.schakel.rules as rules with input as e1({"subject": {"parents_had_inzage": false}})
	codes(d) == ["INZAGE_REQUIRED"]
}

test_not_enrolled_and_no_inzage_both_reported_in_order if {
	d := decision.decision with data.schakel.rules as rules with input as e1({"subject": {"enrolled_at_recipient": false, "parents_had_inzage": false}})
	codes(d) == ["NOT_ENROLLED", "INZAGE_REQUIRED"]
}

# --- BEROEPSGEHEIM_REQUIRED (G3 break-glass) ---------------------------------

g3(over) := req(
	"acuut_gevaar", party("zorgaanbieder", "jeugdhulpverlener"), recipient("school_vo", "mentor"),
	["identificatie", "veiligheidssignalen"], object.union({"mode": "notification", "justification": "Acuut gevaar: kind dreigt mishandeld te worden."}, over),
)

test_g3_break_glass_by_secrecy_holder if {
	d := decision.decision with data.schakel.rules as rules with input as g3({})
	d.allow == true
	d.basis == "conflict_van_plichten"
	d.obligations == ["inform_subject_when_safe", "review_break_glass"]
}

test_beroepsgeheim_required if {
	d := decision.decision with data.schakel.rules as rules with input as g3({"holder": {"org_type": "school_vo", "role": "mentor"}})
	codes(d) == ["BEROEPSGEHEIM_REQUIRED"]
	none := decision.decision with data.schakel.rules as rules with input as g3({"holder": {"role": ""}})
	codes(none) == ["BEROEPSGEHEIM_REQUIRED"]
}

test_g3_needs_justification_too if {
	d := decision.decision with data.schakel.rules as rules with input as g3({"justification": ""})
	codes(d) == ["JUSTIFICATION_REQUIRED"]
}

# --- AGE_OUT_OF_SCOPE (F1: under 23) ----------------------------------------

f1(over) := req(
	"signalering_verwijsindex", party("school_vo", "zorgcoordinator"), recipient("verwijsindex", ""),
	["identificatie", "bsn", "contact_melder"], object.union(notification, over),
)

test_f1_age_22_in_scope if {
	d := decision.decision with data.schakel.rules as rules with input as f1({"subject": {"age": 22}})
	d.allow == true
	d.categories == ["bsn", "contact_melder", "identificatie"]
}

test_age_out_of_scope_23 if {
	d := decision.decision with data.schakel.rules as rules with input as f1({"subject": {"age": 23}})
	d.allow == false
	codes(d) == ["AGE_OUT_OF_SCOPE"]

	# The message goes to the peer: it never names the holder's facts
	# (POLICY-CONTRACT.md "Decision": no age, date, municipality or name).
	not contains(d.reasons[0].message, "23")
}

# --- consent regimes at the age boundaries -----------------------------------
# jeugdhulp: under 12 ouder; 12 to 15 ouder and jeugdige; 16+ jeugdige.

test_jeugdhulp_11_ouder_suffices if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"subject": {"age": 11}, "consents": [a1_ouder]})
	d.allow == true
	d.consents_used == ["c-ouder"]
}

test_jeugdhulp_11_jeugdige_alone_is_not_enough if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"subject": {"age": 11}, "consents": [a1_kind]})
	codes(d) == ["CONSENT_MISSING"]
	contains(d.reasons[0].message, "ouder")
}

test_jeugdhulp_12_ouder_alone_is_not_enough if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"subject": {"age": 12}, "consents": [a1_ouder]})
	d.allow == false
	codes(d) == ["CONSENT_MISSING"]
	contains(d.reasons[0].message, "jeugdige")
}

test_jeugdhulp_12_ouder_and_jeugdige if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"subject": {"age": 12}, "consents": [a1_ouder, a1_kind]})
	d.allow == true
	d.consents_used == ["c-kind", "c-ouder"]
}

test_jeugdhulp_15_jeugdige_alone_is_not_enough if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"subject": {"age": 15}, "consents": [a1_kind]})
	codes(d) == ["CONSENT_MISSING"]
	contains(d.reasons[0].message, "ouder")
}

test_jeugdhulp_15_both_missing_two_reasons if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"subject": {"age": 15}})
	codes(d) == ["CONSENT_MISSING", "CONSENT_MISSING"]
}

test_jeugdhulp_16_jeugdige_alone if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"subject": {"age": 16}, "consents": [a1_kind]})
	d.allow == true
	d.consents_used == ["c-kind"]
}

test_jeugdhulp_16_ouder_alone_is_not_enough if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"subject": {"age": 16}, "consents": [a1_ouder]})
	codes(d) == ["CONSENT_MISSING"]
	contains(d.reasons[0].message, "jeugdige")
}

test_jeugdhulp_16_parent_withdrawal_does_not_matter if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"subject": {"age": 16}, "consents": [a1_kind, object.union(a1_ouder, {"withdrawn_at": now - day})]})
	d.allow == true
	d.consents_used == ["c-kind"]
}

# school: under 16 ouder; 16+ jeugdige (B1).

test_school_11_ouder if {
	d := decision.decision with data.schakel.rules as rules with input as b1({"subject": {"age": 11}, "consents": [b1_ouder]})
	d.allow == true
	d.flow == "B1"
}

test_school_12_ouder_alone_suffices if {
	d := decision.decision with data.schakel.rules as rules with input as b1({"subject": {"age": 12}, "consents": [b1_ouder]})
	d.allow == true
	d.consents_used == ["c-ouder"]
}

test_school_12_jeugdige_alone_is_not_enough if {
	d := decision.decision with data.schakel.rules as rules with input as b1({"subject": {"age": 12}, "consents": [b1_kind]})
	codes(d) == ["CONSENT_MISSING"]
	contains(d.reasons[0].message, "ouder")
}

test_school_15_ouder_alone_suffices if {
	d := decision.decision with data.schakel.rules as rules with input as b1({"subject": {"age": 15}, "consents": [b1_ouder]})
	d.allow == true
}

test_school_16_jeugdige_alone if {
	d := decision.decision with data.schakel.rules as rules with input as b1({"subject": {"age": 16}, "consents": [b1_kind]})
	d.allow == true
	d.consents_used == ["c-kind"]
}

test_school_16_ouder_alone_is_not_enough if {
	d := decision.decision with data.schakel.rules as rules with input as b1({"subject": {"age": 16}, "consents": [b1_ouder]})
	codes(d) == ["CONSENT_MISSING"]
	contains(d.reasons[0].message, "jeugdige")
}

# The stricter regime wins for special categories (E3 is a school-regime
# flow; gezinssituatie is special).

e3(over) := req(
	"overdracht_voorschool", party("kinderopvang", "pedagogisch_medewerker"), recipient("school_po", "leerkracht"),
	["identificatie", "ontwikkeling"], object.union({"subject": {"age": 13}}, over),
)

e3_ouder := consent("c-ouder", "ouder", "overdracht_voorschool", ["identificatie", "ontwikkeling", "gezinssituatie"])

test_school_regime_without_special_category if {
	d := decision.decision with data.schakel.rules as rules with input as e3({"consents": [e3_ouder]})
	d.allow == true
}

test_special_category_uses_jeugdhulp_regime if {
	d := decision.decision with data.schakel.rules as rules with input as e3({"categories": ["identificatie", "gezinssituatie"], "consents": [e3_ouder]})
	codes(d) == ["CONSENT_MISSING"]
	contains(d.reasons[0].message, "jeugdige")
}

test_e3_without_consent_nothing_moves if {
	d := decision.decision with data.schakel.rules as rules with input as e3({"subject": {"age": 4}})
	d.allow == false
	codes(d) == ["CONSENT_MISSING"]
}

# --- obligations and retention (informeren, retention) -----------------------

b2(over) := req(
	"afstemming_ondersteuning", party("gemeente", "wijkcoach"), recipient("school_vo", "zorgcoordinator"),
	["identificatie", "jeugdhulp_beschikking"],
	object.union({"consents": [consent("c-ouder", "ouder", "afstemming_ondersteuning", ["identificatie", "jeugdhulp_beschikking", "diagnose"])]}, over),
)

c1(over) := req(
	"handhaving_leerplicht", party("school_vo", "administratie"), recipient("gemeente", "leerplichtambtenaar"),
	["identificatie", "verzuim", "ziekteverzuim"],
	# an open melding of this school, named by leerplicht (RULES.md "Verzuim")
	object.union({"subject": {"age": 14, "open_verzuim_meldingen": ["M-1"]}, "case_reference": "M-1"}, over),
)

c2(over) := req(
	"handhaving_leerplicht", party("gemeente", "leerplichtambtenaar"), recipient("school_vo", "administratie"),
	["verzuim"], object.union(notification, over),
)

test_c1_without_consent_informs_parents if {
	d := decision.decision with data.schakel.rules as rules with input as c1({})
	d.allow == true
	d.basis == "wettelijke_plicht"
	d.categories == ["identificatie", "verzuim"]
	d.withheld == [{"category": "ziekteverzuim", "code": "CATEGORY_NOT_IN_FLOW"}]
	d.obligations == ["inform_parents", "inform_subject"]
	d.retention_days == 1825
	d.consents_used == []
}

test_c2_publieke_taak if {
	d := decision.decision with data.schakel.rules as rules with input as c2({})
	d.allow == true
	d.basis == "publieke_taak"
	d.obligations == ["inform_subject"]
}

test_obligations_per_flow if {
	# POLICY-CONTRACT.md: inform_subject on every release except the G flows
	# (inform_subject_when_safe), none on N1 and M1; inform_parents on C1;
	# record_in_pupil_file on A1 and S1 (and K1 for a school holder, see
	# holder_school_obligations); review_break_glass on G3.
	expected := {
		"A1": ["inform_subject", "record_in_pupil_file"], "A2": ["inform_subject"],
		"B1": ["inform_subject"], "B2": ["inform_subject"],
		"C1": ["inform_parents", "inform_subject"], "C2": ["inform_subject"],
		"D1": ["inform_subject"], "D2": ["inform_subject"], "D3": ["inform_subject"],
		"D4": ["inform_subject"], "D5": ["inform_subject"], "D6": ["inform_subject"], "D7": ["inform_subject"],
		"E1": ["inform_subject"], "E2": ["inform_subject"], "E3": ["inform_subject"],
		"F1": ["inform_subject"],
		"H1": ["inform_subject"], "H2": ["inform_subject"], "H3": ["inform_subject"],
		"K1": ["inform_subject"], "M1": [], "N1": [],
		"S1": ["inform_subject", "record_in_pupil_file"], "S2": ["inform_subject"],
		"G1": ["inform_subject_when_safe"], "G2": ["inform_subject_when_safe"],
		"G3": ["inform_subject_when_safe", "review_break_glass"], "G4": ["inform_subject_when_safe"],
	}
	{id | some id, _ in rules.flows} == {id | some id, _ in expected}
	every id, want in expected {
		sort(rules.flows[id].obligations) == want
	}
}

test_deny_has_no_obligations if {
	d := decision.decision with data.schakel.rules as rules with input as a1({})
	d.obligations == []
	d.consents_used == []
	d.categories == []
	d.retention_days == 1825
}

test_empty_category_list_is_a_deny_with_reason if {
	d := decision.decision with data.schakel.rules as rules with input as c1({"categories": []})
	d.allow == false
	codes(d) == ["CATEGORY_NOT_IN_FLOW"]
}

# --- contract version 2: mode (RULES.md "Flows", mode column) ---------------

g2(over) := req(
	"onderzoek_veilig_thuis", party("school_vo", "zorgcoordinator"), recipient("veilig_thuis", "veilig_thuis_medewerker"),
	["identificatie", "veiligheidssignalen"], object.union({"justification": "Onderzoek na melding."}, over),
)

g4(over) := req(
	"jeugdbescherming", party("school_vo", "zorgcoordinator"), recipient("gecertificeerde_instelling", "gezinsvoogd"),
	["identificatie", "gezinssituatie"], object.union({"case_reference": "OTS-2026-0042"}, over),
)

test_notification_flow_cannot_be_pulled if {
	d := decision.decision with data.schakel.rules as rules with input as b1({"mode": "request", "consents": [b1_ouder]})
	d.allow == false
	codes(d) == ["MODE_NOT_ALLOWED"]
	withheld_code(d, "arrangement") == "MODE_NOT_ALLOWED"
	ok := decision.decision with data.schakel.rules as rules with input as b1({"consents": [b1_ouder]})
	ok.allow == true
}

test_g1_cannot_be_pulled_by_veilig_thuis if {
	d := decision.decision with data.schakel.rules as rules with input as g1({"mode": "request", "recipient": {"role": ""}})
	codes(d) == ["MODE_NOT_ALLOWED"]
}

test_request_flow_cannot_be_pushed if {
	d := decision.decision with data.schakel.rules as rules with input as g2({"mode": "notification"})
	codes(d) == ["MODE_NOT_ALLOWED"]
	ok := decision.decision with data.schakel.rules as rules with input as g2({})
	ok.allow == true
}

test_flow_with_both_modes_allows_either if {
	req := decision.decision with data.schakel.rules as rules with input as a1({"consents": [a1_ouder], "subject": {"age": 11}})
	req.allow == true
	push := decision.decision with data.schakel.rules as rules with input as a1({"mode": "notification", "consents": [a1_ouder], "subject": {"age": 11}})
	push.allow == true
}

test_mode_before_role_in_order if {
	d := decision.decision with data.schakel.rules as rules with input as b1({"mode": "request", "recipient": {"role": "mentor"}})
	# Only the "pre" checks: the child's checks are not reached
	# (POLICY-CONTRACT.md "Readings fixed" 1).
	codes(d) == ["MODE_NOT_ALLOWED", "ROLE_NOT_ALLOWED"]
	withheld_code(d, "identificatie") == "MODE_NOT_ALLOWED"
}

# --- residence (RULES.md "Residence") ------------------------------------------

test_c1_woongemeente_allowed if {
	d := decision.decision with data.schakel.rules as rules with input as c1({})
	d.allow == true
}

test_c1_other_gemeente_not_resident if {
	d := decision.decision with data.schakel.rules as rules with input as c1({"recipient": {"gemeente": "GM0163"}})
	d.allow == false
	codes(d) == ["NOT_RESIDENT"]
	withheld_code(d, "verzuim") == "NOT_RESIDENT"

	# Neither code appears in the message.
	not contains(d.reasons[0].message, "GM0153")
	not contains(d.reasons[0].message, "GM0163")
}

test_residence_unknown_fails if {
	child := decision.decision with data.schakel.rules as rules with input as c1({"subject": {"gemeente": ""}})
	codes(child) == ["NOT_RESIDENT"]
	peer := decision.decision with data.schakel.rules as rules with input as c1({"subject": {"gemeente": ""}, "recipient": {"gemeente": ""}})
	codes(peer) == ["NOT_RESIDENT"]
	gm := decision.decision with data.schakel.rules as rules with input as c1({"recipient": {"gemeente": ""}})
	codes(gm) == ["NOT_RESIDENT"]
}

test_residence_holder_side_c2 if {
	ok := decision.decision with data.schakel.rules as rules with input as c2({})
	ok.allow == true
	d := decision.decision with data.schakel.rules as rules with input as c2({"holder": {"gemeente": "GM0163"}})
	codes(d) == ["NOT_RESIDENT"]
}

test_residence_a1_only_for_a_gemeente_recipient if {
	# To a zorgaanbieder the check does not apply, even without a code.
	zorg := decision.decision with data.schakel.rules as rules with input as a1({"subject": {"age": 11, "gemeente": ""}, "consents": [a1_ouder]})
	zorg.allow == true
	wijk := decision.decision with data.schakel.rules as rules with input as a1({
		"subject": {"age": 11},
		"recipient": {"org_type": "gemeente", "role": "wijkcoach", "gemeente": "GM0163"},
		"consents": [a1_ouder],
	})
	codes(wijk) == ["NOT_RESIDENT"]
}

test_residence_before_consent_in_order if {
	d := decision.decision with data.schakel.rules as rules with input as b1({"recipient": {"gemeente": "GM0163"}})
	codes(d) == ["NOT_RESIDENT", "CONSENT_MISSING"]
}

# --- case reference (G4) ---------------------------------------------------------

test_g4_needs_case_reference if {
	ok := decision.decision with data.schakel.rules as rules with input as g4({})
	ok.allow == true
	empty := decision.decision with data.schakel.rules as rules with input as g4({"case_reference": ""})
	codes(empty) == ["CASE_REFERENCE_REQUIRED"]
	blank := decision.decision with data.schakel.rules as rules with input as g4({"case_reference": " \t "})
	codes(blank) == ["CASE_REFERENCE_REQUIRED"]
}

test_case_reference_after_justification_in_order if {
	d := decision.decision with data.schakel.rules as json.patch(rules, [{"op": "add", "path": "/flows/G4/request_checks", "value": ["JUSTIFICATION_REQUIRED", "CASE_REFERENCE_REQUIRED"]}])
		with input as g4({"case_reference": "", "recipient": {"role": "mentor"}})
	codes(d) == ["ROLE_NOT_ALLOWED", "JUSTIFICATION_REQUIRED", "CASE_REFERENCE_REQUIRED"]
}

# --- consents the recipient holds (RULES.md) -----------------------------------

# attested(c): the consent as the requester attests it, naming this holder
# and announced by the holder 8 days ago (past the 7-day notice).
attested(c) := object.union(c, {"held_by": "recipient", "holder_oin": holder_oin, "announced_at": now - (8 * day)})

test_attested_consent_counts_on_a1_in_request_mode if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"subject": {"age": 11}, "consents": [attested(a1_ouder)]})
	d.allow == true
	d.consents_used == ["c-ouder"]
}

test_attested_consent_ignored_in_notification_mode if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"mode": "notification", "subject": {"age": 11}, "consents": [attested(a1_ouder)]})
	codes(d) == ["CONSENT_MISSING"]
}

test_attested_consent_for_another_recipient_ignored if {
	d := decision.decision with data.schakel.rules as rules with input as a1({"subject": {"age": 11}, "consents": [object.union(attested(a1_ouder), {"recipient_oin": "00000001000000000009"})]})
	codes(d) == ["CONSENT_MISSING"]
}

test_attested_consent_ignored_where_flow_does_not_accept if {
	# D1 does not accept attested consents in the fixture.
	d1 := req(
		"medische_advisering_verzuim", party("school_vo", "zorgcoordinator"), recipient("jgz", "jeugdarts"),
		["identificatie"], {"consents": [attested(consent("c-ouder", "ouder", "medische_advisering_verzuim", ["identificatie"]))]},
	)
	d := decision.decision with data.schakel.rules as rules with input as d1
	codes(d) == ["CONSENT_MISSING"]
	held := decision.decision with data.schakel.rules as rules with input as object.union(d1, {"consents": [consent("c-ouder", "ouder", "medische_advisering_verzuim", ["identificatie"])]})
	held.allow == true
}

test_withdrawn_attested_consent_ignored_like_absent if {
	# An attested consent in notification mode is as if absent: not even
	# its withdrawal is reported.
	d := decision.decision with data.schakel.rules as rules with input as a1({"mode": "notification", "subject": {"age": 11}, "consents": [object.union(attested(a1_ouder), {"withdrawn_at": now - day})]})
	codes(d) == ["CONSENT_MISSING"]
}

# --- two parents (RULES.md "Two parents") ---------------------------------------

test_two_parents_need_two_different_givers if {
	r := two_parents("A1", "jeugdhulp")
	second := object.union(a1_ouder, {"id": "c-ouder2", "giver": "p-2"})
	same := decision.decision with data.schakel.rules as r with input as a1({"subject": {"parents_with_gezag": 2}, "consents": [a1_ouder, object.union(second, {"giver": a1_ouder.giver})]})
	codes(same) == ["CONSENT_MISSING"]
	contains(same.reasons[0].message, "tweede ouder")
	empty := decision.decision with data.schakel.rules as r with input as a1({"subject": {"parents_with_gezag": 2}, "consents": [object.union(a1_ouder, {"giver": ""}), object.union(second, {"giver": ""})]})
	codes(empty) == ["CONSENT_MISSING"]
	half := decision.decision with data.schakel.rules as r with input as a1({"subject": {"parents_with_gezag": 2}, "consents": [a1_ouder, object.union(second, {"giver": ""})]})
	codes(half) == ["CONSENT_MISSING"]
	two := decision.decision with data.schakel.rules as r with input as a1({"subject": {"parents_with_gezag": 2}, "consents": [a1_ouder, second]})
	two.allow == true
}

test_two_parents_none_found_says_ouders if {
	d := decision.decision with data.schakel.rules as two_parents("A1", "jeugdhulp") with input as a1({"subject": {"parents_with_gezag": 2}, "consents": []})
	codes(d) == ["CONSENT_MISSING"]
	contains(d.reasons[0].message, "ouders")
}

test_two_parents_on_one_flow_leaves_others if {
	# Both parents on B1 only: under the fixture B1 decides on one parent.
	r := two_parents("B1", "school")
	b := decision.decision with data.schakel.rules as r with input as b1({"subject": {"parents_with_gezag": 2}, "consents": [b1_ouder]})
	codes(b) == ["CONSENT_MISSING"]
	a := decision.decision with data.schakel.rules as rules with input as b1({"subject": {"parents_with_gezag": 2}, "consents": [b1_ouder]})
	a.allow == true
}

test_two_parents_category_needs_both if {
	r := two_parents("A1", "jeugdhulp")
	second := object.union(a1_ouder, {"id": "c-ouder2", "giver": "p-2", "categories": ["verzuim"]})
	d := decision.decision with data.schakel.rules as r with input as a1({"subject": {"parents_with_gezag": 2}, "consents": [a1_ouder, second]})
	d.allow == true
	d.categories == ["verzuim"]
	withheld_code(d, "opp") == "CATEGORY_NOT_CONSENTED"
}

test_consent_count_for_explain if {
	n := decision.consent_count with data.schakel.rules as two_parents("A1", "jeugdhulp")
		with input as a1({"subject": {"age": 11, "parents_with_gezag": 2}, "consents": [a1_ouder]})
	n == {"ouder": {"needed": 2, "found": 1}}
}

# --- precheck (RULES.md "What the holder checks before it looks at the child") --

test_precheck_allows_a_good_request_without_the_child if {
	# No consents, no subject facts: the precheck does not look at them.
	p := decision.precheck with data.schakel.rules as rules with input as a1({"subject": {"age": 0, "gemeente": ""}})
	p.allow == true
	p.categories == []
	p.reasons == []
	p.flow == "A1"
}

test_precheck_refuses_unknown_purpose if {
	p := decision.precheck with data.schakel.rules as rules with input as a1({"purpose": "marketing"})
	p.allow == false
	codes(p) == ["UNKNOWN_PURPOSE"]
	p.flow == null
	withheld_code(p, "opp") == "UNKNOWN_PURPOSE"
}

test_precheck_refuses_request_faults_in_order if {
	p := decision.precheck with data.schakel.rules as rules with input as b1({"mode": "request", "recipient": {"role": ""}})
	codes(p) == ["MODE_NOT_ALLOWED", "ROLE_NOT_ALLOWED"]
	g := decision.precheck with data.schakel.rules as rules with input as g4({"case_reference": ""})
	codes(g) == ["CASE_REFERENCE_REQUIRED"]
	r := decision.precheck with data.schakel.rules as rules with input as a1({"recipient": {"relation": false}})
	codes(r) == ["RELATION_REQUIRED"]
	j := decision.precheck with data.schakel.rules as rules with input as g1({"justification": ""})
	codes(j) == ["JUSTIFICATION_REQUIRED"]
}

test_precheck_ignores_child_facts if {
	# Residence, age, consent and enrolment need the child: not prechecked.
	c := decision.precheck with data.schakel.rules as rules with input as c1({"recipient": {"gemeente": "GM0163"}})
	c.allow == true
	f := decision.precheck with data.schakel.rules as rules with input as f1({"subject": {"age": 40}})
	f.allow == true
	e := decision.precheck with data.schakel.rules as rules with input as e1({"subject": {"enrolled_at_recipient": false}})
	e.allow == true
}

test_precheck_reasons_lead_the_decision if {
	x := b1({"mode": "request", "recipient": {"role": "", "gemeente": "GM0163"}})
	p := decision.precheck with data.schakel.rules as rules with input as x
	d := decision.decision with data.schakel.rules as rules with input as x
	# A failing "pre" check is all the decision reports (residence and
	# consent also fail here, but need the child).
	codes(p) == ["MODE_NOT_ALLOWED", "ROLE_NOT_ALLOWED"]
	codes(d) == codes(p)
	d.withheld == p.withheld
}
