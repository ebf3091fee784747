# Tests of the default pack: every reason code of POLICY-CONTRACT.md, every
# consent-regime age boundary of RULES.md ("Whose consent counts": 11/12 and
# 15/16 in both regimes), the obligations and the decision's shape.
#
# They run inside `go test ./policy/` (TestRegoTests, with OPA's tester) and
# with the opa command line, given the rules as the engine loads them:
#
#   go run ./cmd/schakel policy data > /tmp/schakel-data.json
#   go tool -modfile=tools/go.mod opa test policy/pack /tmp/schakel-data.json
#
# (`opa test policy/pack` alone loads data.yaml at the root of data, not in
# the engine's shape under data.schakel.rules, and the tests fail.)
#
# Times in the input are nanoseconds since the Unix epoch, as the engine
# passes them (see decision.rego).
package schakel.decision_test

import data.schakel.decision

holder_oin := "00000001000000000001"

recipient_oin := "00000001000000000002"

now := time.parse_rfc3339_ns("2026-11-22T10:00:00Z")

day := ((24 * 60) * 60) * 1000000000

# consent(id, given_by, purpose, categories): live, for the recipient.
consent(id, by, purpose, cats) := {
	"id": id, "given_by": by, "recipient_oin": recipient_oin, "purpose": purpose,
	"categories": cats, "given_at": now - (30 * day), "valid_until": null, "withdrawn_at": null,
}

party(org, role) := {"oin": holder_oin, "org_type": org, "role": role, "relation": false}

recipient(org, role) := {"oin": recipient_oin, "org_type": org, "role": role, "relation": false}

# req builds a complete, normalised input; over is laid on top (objects merge
# key by key, arrays are replaced).
req(purpose, h, r, cats, over) := object.union(
	{
		"purpose": purpose, "flow": "", "holder": h, "recipient": r,
		"subject": {"age": 10, "enrolled_at_recipient": false, "parents_had_inzage": false},
		"categories": cats, "consents": [], "justification": "", "now": now,
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
	["identificatie", "arrangement"], over,
)

b1_ouder := consent("c-ouder", "ouder", "afstemming_ondersteuning", ["identificatie", "arrangement"])

b1_kind := consent("c-kind", "jeugdige", "afstemming_ondersteuning", ["identificatie", "arrangement"])

codes(d) := [r.code | some r in d.reasons]

withheld_code(d, cat) := [w.code | some w in d.withheld; w.category == cat][0]

# --- the contract's own example ---------------------------------------------

test_contract_example if {
	d := decision.decision with input as a1({
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
	d := decision.decision with input as a1({"purpose": "marketing", "consents": [a1_ouder]})
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
	d := decision.decision with input as a1({"holder": {"org_type": "gemeente"}, "consents": [a1_ouder]})
	d.allow == false
	d.flow == null
	d.basis == null
	codes(d) == ["NO_MATCHING_FLOW"]
}

test_no_matching_flow_explicit_flow_differs if {
	# flow names B1, but the purpose and org types are A1's.
	d := decision.decision with input as a1({"flow": "B1", "consents": [a1_ouder]})
	d.flow == null
	codes(d) == ["NO_MATCHING_FLOW"]
}

test_no_matching_flow_unknown_flow_id if {
	d := decision.decision with input as a1({"flow": "Z9", "consents": [a1_ouder]})
	codes(d) == ["NO_MATCHING_FLOW"]
}

test_unknown_org_type_is_not_any if {
	# G1 accepts "any" holder: every known org type, not an invented one.
	d := decision.decision with input as g1({"holder": {"org_type": "bakkerij"}})
	codes(d) == ["NO_MATCHING_FLOW"]
	ok := decision.decision with input as g1({})
	ok.allow == true
}

# --- ROLE_NOT_ALLOWED -------------------------------------------------------

test_role_not_allowed_recipient if {
	d := decision.decision with input as a1({"recipient": {"role": "leerkracht"}, "consents": [a1_ouder]})
	d.allow == false
	d.flow == "A1"
	d.basis == "toestemming"
	codes(d) == ["ROLE_NOT_ALLOWED"]
	contains(d.reasons[0].message, "leerkracht")
	withheld_code(d, "opp") == "ROLE_NOT_ALLOWED"
}

test_role_not_allowed_empty_role_where_roles_listed if {
	d := decision.decision with input as a1({"recipient": {"role": ""}, "consents": [a1_ouder]})
	codes(d) == ["ROLE_NOT_ALLOWED"]
}

test_role_not_allowed_unknown_role_on_open_side if {
	# A1 lists no holder roles: any known role or none passes, an unknown one not.
	d := decision.decision with input as a1({"holder": {"role": "conciërge"}, "consents": [a1_ouder]})
	codes(d) == ["ROLE_NOT_ALLOWED"]
	none := decision.decision with input as a1({"holder": {"role": ""}, "consents": [a1_ouder]})
	none.allow == true
}

test_role_not_allowed_holder_c2 if {
	# C2: on the gemeente side only the leerplichtambtenaar acts.
	d := decision.decision with input as c2({"holder": {"role": "wijkcoach"}})
	codes(d) == ["ROLE_NOT_ALLOWED"]
}

# --- RELATION_REQUIRED (need-to-know) ---------------------------------------

test_relation_required if {
	d := decision.decision with input as a1({"recipient": {"relation": false}, "consents": [a1_ouder]})
	d.allow == false
	codes(d) == ["RELATION_REQUIRED"]
}

# --- consent: CONSENT_MISSING, _WITHDRAWN, _EXPIRED --------------------------

test_consent_missing_names_the_giver if {
	d := decision.decision with input as a1({})
	d.allow == false
	codes(d) == ["CONSENT_MISSING"]
	contains(d.reasons[0].message, "ouder")
	withheld_code(d, "verzuim") == "CONSENT_MISSING"
}

test_consent_for_other_recipient_does_not_count if {
	d := decision.decision with input as a1({"consents": [object.union(a1_ouder, {"recipient_oin": "00000001000000000099"})]})
	codes(d) == ["CONSENT_MISSING"]
}

test_consent_for_other_purpose_does_not_count if {
	d := decision.decision with input as a1({"consents": [object.union(a1_ouder, {"purpose": "afstemming_ondersteuning"})]})
	codes(d) == ["CONSENT_MISSING"]
}

test_consent_given_in_future_does_not_count if {
	d := decision.decision with input as a1({"consents": [object.union(a1_ouder, {"given_at": now + day})]})
	codes(d) == ["CONSENT_MISSING"]
}

test_consent_withdrawn if {
	d := decision.decision with input as a1({"consents": [object.union(a1_ouder, {"withdrawn_at": now - day})]})
	d.allow == false
	codes(d) == ["CONSENT_WITHDRAWN"]
}

test_consent_withdrawn_at_now_counts_as_withdrawn if {
	d := decision.decision with input as a1({"consents": [object.union(a1_ouder, {"withdrawn_at": now})]})
	codes(d) == ["CONSENT_WITHDRAWN"]
}

test_consent_withdrawn_later_still_holds if {
	d := decision.decision with input as a1({"consents": [object.union(a1_ouder, {"withdrawn_at": now + day})]})
	d.allow == true
}

test_consent_expired if {
	d := decision.decision with input as a1({"consents": [object.union(a1_ouder, {"valid_until": now - day})]})
	d.allow == false
	codes(d) == ["CONSENT_EXPIRED"]
}

test_consent_valid_until_later_holds if {
	d := decision.decision with input as a1({"consents": [object.union(a1_ouder, {"valid_until": now + day})]})
	d.allow == true
	d.consents_used == ["c-ouder"]
}

test_second_live_consent_overrides_withdrawn_one if {
	d := decision.decision with input as a1({"consents": [
		object.union(a1_ouder, {"id": "old", "withdrawn_at": now - day}),
		object.union(a1_ouder, {"id": "new"}),
	]})
	d.allow == true
	d.consents_used == ["new"]
}

test_both_parents_required_when_configured if {
	one := decision.decision with input as a1({"consents": [a1_ouder]})
		with data.schakel.rules.consent.parents_required as 2
	codes(one) == ["CONSENT_MISSING"]
	two := decision.decision with input as a1({"consents": [a1_ouder, object.union(a1_ouder, {"id": "c-ouder2"})]})
		with data.schakel.rules.consent.parents_required as 2
	two.allow == true
	two.consents_used == ["c-ouder", "c-ouder2"]
}

# --- CATEGORY_NOT_IN_FLOW, CATEGORY_NOT_CONSENTED (minimaal) -----------------

test_category_not_in_flow_b2_diagnose if {
	d := decision.decision with input as b2({"categories": ["identificatie", "jeugdhulp_beschikking", "diagnose"]})
	d.allow == true
	d.categories == ["identificatie", "jeugdhulp_beschikking"]
	d.withheld == [{"category": "diagnose", "code": "CATEGORY_NOT_IN_FLOW"}]
	d.reasons == []
}

test_category_not_in_flow_only_is_deny if {
	d := decision.decision with input as b2({"categories": ["diagnose", "schoenmaat"]})
	d.allow == false
	d.flow == "B2"
	codes(d) == ["CATEGORY_NOT_IN_FLOW"]
	contains(d.reasons[0].message, "diagnose")
	withheld_code(d, "schoenmaat") == "CATEGORY_NOT_IN_FLOW"
}

test_category_not_consented if {
	d := decision.decision with input as a1({"consents": [object.union(a1_ouder, {"categories": ["verzuim"]})]})
	d.allow == true
	d.categories == ["verzuim"]
	d.withheld == [{"category": "opp", "code": "CATEGORY_NOT_CONSENTED"}]
}

test_category_not_consented_only_is_deny if {
	d := decision.decision with input as a1({"categories": ["opp"], "consents": [object.union(a1_ouder, {"categories": ["verzuim"]})]})
	d.allow == false
	codes(d) == ["CATEGORY_NOT_CONSENTED"]
}

test_category_needs_every_required_giver if {
	# 14 years, jeugdhulp regime: the child consented to verzuim only.
	d := decision.decision with input as a1({"subject": {"age": 14}, "consents": [a1_ouder, object.union(a1_kind, {"categories": ["verzuim"]})]})
	d.allow == true
	d.categories == ["verzuim"]
	withheld_code(d, "opp") == "CATEGORY_NOT_CONSENTED"
}

# --- JUSTIFICATION_REQUIRED (G1, G2, G3) -------------------------------------

g1(over) := req(
	"melding_huiselijk_geweld", party("school_po", "intern_begeleider"), recipient("veilig_thuis", ""),
	["identificatie", "veiligheidssignalen"], object.union({"justification": "Meldcode stap 5: afweging vastgelegd."}, over),
)

test_justification_required_g1 if {
	d := decision.decision with input as g1({"justification": ""})
	d.allow == false
	codes(d) == ["JUSTIFICATION_REQUIRED"]
	blank := decision.decision with input as g1({"justification": "   "})
	codes(blank) == ["JUSTIFICATION_REQUIRED"]
}

test_g1_allowed_without_consent if {
	d := decision.decision with input as g1({})
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
	d := decision.decision with input as e1({})
	d.allow == true
	d.flow == "E1"
	d.basis == "wettelijke_plicht"
}

test_not_enrolled if {
	d := decision.decision with input as e1({"subject": {"enrolled_at_recipient": false}})
	codes(d) == ["NOT_ENROLLED"]
}

test_inzage_required if {
	d := decision.decision with input as e1({"subject": {"parents_had_inzage": false}})
	codes(d) == ["INZAGE_REQUIRED"]
}

test_not_enrolled_and_no_inzage_both_reported_in_order if {
	d := decision.decision with input as e1({"subject": {"enrolled_at_recipient": false, "parents_had_inzage": false}})
	codes(d) == ["NOT_ENROLLED", "INZAGE_REQUIRED"]
}

# --- BEROEPSGEHEIM_REQUIRED (G3 break-glass) ---------------------------------

g3(over) := req(
	"acuut_gevaar", party("zorgaanbieder", "jeugdhulpverlener"), recipient("school_vo", "mentor"),
	["identificatie", "veiligheidssignalen"], object.union({"justification": "Acuut gevaar: kind dreigt mishandeld te worden."}, over),
)

test_g3_break_glass_by_secrecy_holder if {
	d := decision.decision with input as g3({})
	d.allow == true
	d.basis == "conflict_van_plichten"
	d.obligations == ["inform_subject_when_safe", "review_break_glass"]
}

test_beroepsgeheim_required if {
	d := decision.decision with input as g3({"holder": {"org_type": "school_vo", "role": "mentor"}})
	codes(d) == ["BEROEPSGEHEIM_REQUIRED"]
	none := decision.decision with input as g3({"holder": {"role": ""}})
	codes(none) == ["BEROEPSGEHEIM_REQUIRED"]
}

test_g3_needs_justification_too if {
	d := decision.decision with input as g3({"justification": ""})
	codes(d) == ["JUSTIFICATION_REQUIRED"]
}

# --- AGE_OUT_OF_SCOPE (F1: under 23) ----------------------------------------

f1(over) := req(
	"signalering_verwijsindex", party("school_vo", "zorgcoordinator"), recipient("verwijsindex", ""),
	["identificatie", "bsn", "contact_melder"], over,
)

test_f1_age_22_in_scope if {
	d := decision.decision with input as f1({"subject": {"age": 22}})
	d.allow == true
	d.categories == ["bsn", "contact_melder", "identificatie"]
}

test_age_out_of_scope_23 if {
	d := decision.decision with input as f1({"subject": {"age": 23}})
	d.allow == false
	codes(d) == ["AGE_OUT_OF_SCOPE"]
	contains(d.reasons[0].message, "23")
}

# --- consent regimes at the age boundaries -----------------------------------
# jeugdhulp: under 12 ouder; 12 to 15 ouder and jeugdige; 16+ jeugdige.

test_jeugdhulp_11_ouder_suffices if {
	d := decision.decision with input as a1({"subject": {"age": 11}, "consents": [a1_ouder]})
	d.allow == true
	d.consents_used == ["c-ouder"]
}

test_jeugdhulp_11_jeugdige_alone_is_not_enough if {
	d := decision.decision with input as a1({"subject": {"age": 11}, "consents": [a1_kind]})
	codes(d) == ["CONSENT_MISSING"]
	contains(d.reasons[0].message, "ouder")
}

test_jeugdhulp_12_ouder_alone_is_not_enough if {
	d := decision.decision with input as a1({"subject": {"age": 12}, "consents": [a1_ouder]})
	d.allow == false
	codes(d) == ["CONSENT_MISSING"]
	contains(d.reasons[0].message, "jeugdige")
}

test_jeugdhulp_12_ouder_and_jeugdige if {
	d := decision.decision with input as a1({"subject": {"age": 12}, "consents": [a1_ouder, a1_kind]})
	d.allow == true
	d.consents_used == ["c-kind", "c-ouder"]
}

test_jeugdhulp_15_jeugdige_alone_is_not_enough if {
	d := decision.decision with input as a1({"subject": {"age": 15}, "consents": [a1_kind]})
	codes(d) == ["CONSENT_MISSING"]
	contains(d.reasons[0].message, "ouder")
}

test_jeugdhulp_15_both_missing_two_reasons if {
	d := decision.decision with input as a1({"subject": {"age": 15}})
	codes(d) == ["CONSENT_MISSING", "CONSENT_MISSING"]
}

test_jeugdhulp_16_jeugdige_alone if {
	d := decision.decision with input as a1({"subject": {"age": 16}, "consents": [a1_kind]})
	d.allow == true
	d.consents_used == ["c-kind"]
}

test_jeugdhulp_16_ouder_alone_is_not_enough if {
	d := decision.decision with input as a1({"subject": {"age": 16}, "consents": [a1_ouder]})
	codes(d) == ["CONSENT_MISSING"]
	contains(d.reasons[0].message, "jeugdige")
}

test_jeugdhulp_16_parent_withdrawal_does_not_matter if {
	d := decision.decision with input as a1({"subject": {"age": 16}, "consents": [a1_kind, object.union(a1_ouder, {"withdrawn_at": now - day})]})
	d.allow == true
	d.consents_used == ["c-kind"]
}

# school: under 16 ouder; 16+ jeugdige (B1).

test_school_11_ouder if {
	d := decision.decision with input as b1({"subject": {"age": 11}, "consents": [b1_ouder]})
	d.allow == true
	d.flow == "B1"
}

test_school_12_ouder_alone_suffices if {
	d := decision.decision with input as b1({"subject": {"age": 12}, "consents": [b1_ouder]})
	d.allow == true
	d.consents_used == ["c-ouder"]
}

test_school_12_jeugdige_alone_is_not_enough if {
	d := decision.decision with input as b1({"subject": {"age": 12}, "consents": [b1_kind]})
	codes(d) == ["CONSENT_MISSING"]
	contains(d.reasons[0].message, "ouder")
}

test_school_15_ouder_alone_suffices if {
	d := decision.decision with input as b1({"subject": {"age": 15}, "consents": [b1_ouder]})
	d.allow == true
}

test_school_16_jeugdige_alone if {
	d := decision.decision with input as b1({"subject": {"age": 16}, "consents": [b1_kind]})
	d.allow == true
	d.consents_used == ["c-kind"]
}

test_school_16_ouder_alone_is_not_enough if {
	d := decision.decision with input as b1({"subject": {"age": 16}, "consents": [b1_ouder]})
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
	d := decision.decision with input as e3({"consents": [e3_ouder]})
	d.allow == true
}

test_special_category_uses_jeugdhulp_regime if {
	d := decision.decision with input as e3({"categories": ["identificatie", "gezinssituatie"], "consents": [e3_ouder]})
	codes(d) == ["CONSENT_MISSING"]
	contains(d.reasons[0].message, "jeugdige")
}

test_e3_without_consent_nothing_moves if {
	d := decision.decision with input as e3({"subject": {"age": 4}})
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
	["identificatie", "verzuim", "ziekteverzuim"], object.union({"subject": {"age": 14}}, over),
)

c2(over) := req(
	"handhaving_leerplicht", party("gemeente", "leerplichtambtenaar"), recipient("school_vo", "administratie"),
	["verzuim"], over,
)

test_c1_without_consent_informs_parents if {
	d := decision.decision with input as c1({})
	d.allow == true
	d.basis == "wettelijke_plicht"
	d.categories == ["identificatie", "verzuim"]
	d.withheld == [{"category": "ziekteverzuim", "code": "CATEGORY_NOT_IN_FLOW"}]
	d.obligations == ["inform_parents", "inform_subject"]
	d.retention_days == 1825
	d.consents_used == []
}

test_c2_publieke_taak if {
	d := decision.decision with input as c2({})
	d.allow == true
	d.basis == "publieke_taak"
	d.obligations == ["inform_subject"]
}

test_obligations_per_flow if {
	# POLICY-CONTRACT.md: inform_subject on every release except the G flows
	# (inform_subject_when_safe); inform_parents on C1; record_in_pupil_file
	# on A1; review_break_glass on G3.
	expected := {
		"A1": ["inform_subject", "record_in_pupil_file"],
		"B1": ["inform_subject"], "B2": ["inform_subject"],
		"C1": ["inform_parents", "inform_subject"], "C2": ["inform_subject"],
		"D1": ["inform_subject"], "D2": ["inform_subject"], "D3": ["inform_subject"],
		"E1": ["inform_subject"], "E2": ["inform_subject"], "E3": ["inform_subject"],
		"F1": ["inform_subject"],
		"G1": ["inform_subject_when_safe"], "G2": ["inform_subject_when_safe"],
		"G3": ["inform_subject_when_safe", "review_break_glass"], "G4": ["inform_subject_when_safe"],
	}
	{id | some id, _ in data.schakel.rules.flows} == {id | some id, _ in expected}
	every id, want in expected {
		sort(data.schakel.rules.flows[id].obligations) == want
	}
}

test_deny_has_no_obligations if {
	d := decision.decision with input as a1({})
	d.obligations == []
	d.consents_used == []
	d.categories == []
	d.retention_days == 1825
}

test_empty_category_list_is_a_deny_with_reason if {
	d := decision.decision with input as c1({"categories": []})
	d.allow == false
	codes(d) == ["CATEGORY_NOT_IN_FLOW"]
}
