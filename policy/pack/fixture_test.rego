# Code generated from policy/testdata/rego-fixture.yaml by
# go test ./policy -run TestRegoFixture -update; DO NOT EDIT.
#
# The rules the Rego tests decide on (with data.schakel.rules as
# fixture.rules), in the shape the engine loads them, so that the tests
# test the logic of decision.rego and pass for every pack whose data loads.
package schakel.fixture

rules := {
	"categories": {
		"advies": {
			"description": "advies over belastbaarheid en terugkeer",
			"id": "advies",
			"special": false
		},
		"aggregaat": {
			"description": "tellingen van beslissingen, niets per kind",
			"id": "aggregaat",
			"special": false
		},
		"arrangement": {
			"description": "extra ondersteuning of arrangement",
			"id": "arrangement",
			"special": false
		},
		"bsn": {
			"description": "burgerservicenummer (alleen waar een wet het toestaat)",
			"id": "bsn",
			"special": false
		},
		"contact_melder": {
			"description": "contactgegevens van de melder",
			"id": "contact_melder",
			"special": false
		},
		"diagnose": {
			"description": "diagnoses",
			"id": "diagnose",
			"special": true
		},
		"gezinssituatie": {
			"description": "gezinsomstandigheden",
			"id": "gezinssituatie",
			"special": true
		},
		"gezondheid": {
			"description": "gezondheidsgegevens",
			"id": "gezondheid",
			"special": true
		},
		"identificatie": {
			"description": "naam, geboortedatum, school",
			"id": "identificatie",
			"special": false
		},
		"jeugdhulp_beschikking": {
			"description": "dat er een jeugdhulpbeschikking is, welke aanbieder, contactpersoon",
			"id": "jeugdhulp_beschikking",
			"special": true
		},
		"observaties": {
			"description": "observaties van gedrag",
			"id": "observaties",
			"special": true
		},
		"onderwijs": {
			"description": "inschrijving en schoolloopbaan",
			"id": "onderwijs",
			"special": false
		},
		"ontwikkeling": {
			"description": "ontwikkeling van het jonge kind",
			"id": "ontwikkeling",
			"special": false
		},
		"opp": {
			"description": "ontwikkelingsperspectiefplan",
			"id": "opp",
			"special": true
		},
		"terugkoppeling": {
			"description": "wat de hulp deed en met welk resultaat",
			"id": "terugkoppeling",
			"special": true
		},
		"tlv": {
			"description": "dat een toelaatbaarheidsverklaring is aangevraagd of afgegeven, niveau en periode",
			"id": "tlv",
			"special": false
		},
		"veiligheidssignalen": {
			"description": "signalen over de veiligheid van het kind",
			"id": "veiligheidssignalen",
			"special": true
		},
		"verzuim": {
			"description": "ongeoorloofd verzuim en wat de school deed",
			"id": "verzuim",
			"special": false
		},
		"verzuim_geoorloofd": {
			"description": "geoorloofd verzuim anders dan ziekte (verlof, schorsing), alleen data en uren",
			"id": "verzuim_geoorloofd",
			"special": false
		},
		"vve_indicatie": {
			"description": "dat er een VVE-indicatie is, het doel en het programma",
			"id": "vve_indicatie",
			"special": true
		},
		"ziekteverzuim": {
			"description": "ziekteverzuim",
			"id": "ziekteverzuim",
			"special": true
		}
	},
	"consent": {
		"attested_consent": false,
		"attested_notice_days": 7,
		"inform_other_parent": false,
		"parents_required": 1,
		"regimes": {
			"jeugdhulp": {
				"by_age": [
					{
						"givers": [
							"ouder"
						],
						"max_age": 11,
						"min_age": 0
					},
					{
						"givers": [
							"ouder",
							"jeugdige"
						],
						"max_age": 15,
						"min_age": 12
					},
					{
						"givers": [
							"jeugdige"
						],
						"max_age": null,
						"min_age": 16
					}
				]
			},
			"school": {
				"by_age": [
					{
						"givers": [
							"ouder"
						],
						"max_age": 15,
						"min_age": 0
					},
					{
						"givers": [
							"jeugdige"
						],
						"max_age": null,
						"min_age": 16
					}
				]
			}
		},
		"strict_regime": "jeugdhulp"
	},
	"consult": {
		"age_band": {
			"list": false,
			"values": {
				"0-3": true,
				"12-15": true,
				"16-17": true,
				"18-22": true,
				"4-7": true,
				"8-11": true
			}
		},
		"concerns": {
			"list": true,
			"values": {
				"emotioneel": true,
				"gedrag": true,
				"leren": true,
				"ontwikkeling": true,
				"thuissituatie": true,
				"veiligheid": true,
				"verzuim": true
			}
		},
		"question": {
			"list": false,
			"values": {
				"handelingsadvies": true,
				"is_een_melding_nodig": true,
				"wie_kan_een_rol_nemen": true
			}
		},
		"school_type": {
			"list": false,
			"values": {
				"geen": true,
				"kinderopvang": true,
				"mbo": true,
				"po": true,
				"so": true,
				"vo": true,
				"vso": true
			}
		}
	},
	"default_retention_days": 1825,
	"flows": {
		"A1": {
			"age_to": 150,
			"allowed": {
				"identificatie": true,
				"observaties": true,
				"opp": true,
				"verzuim": true
			},
			"basis": "toestemming",
			"categories": [
				"identificatie",
				"verzuim",
				"opp",
				"observaties"
			],
			"consent": "jeugdhulp",
			"consent_settings": {
				"jeugdhulp": {
					"attested_consent": true,
					"by_age": [
						{
							"age_to": 11,
							"givers": [
								"ouder"
							],
							"min_age": 0
						},
						{
							"age_to": 15,
							"givers": [
								"ouder",
								"jeugdige"
							],
							"min_age": 12
						},
						{
							"age_to": 150,
							"givers": [
								"jeugdige"
							],
							"min_age": 16
						}
					],
					"inform_other_parent": false,
					"parents_required": 2
				}
			},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"school_po",
					"school_vo",
					"school_mbo"
				],
				"roles": {}
			},
			"holder_school_obligations": [],
			"id": "A1",
			"inzage_class": "zorg",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true,
				"request": true
			},
			"never": [],
			"obligations": [
				"inform_subject",
				"record_in_pupil_file"
			],
			"purpose": "afstemming_hulp_onderwijs",
			"query": "release",
			"recipient": {
				"accepts": {
					"jeugdhulpverlener": true,
					"orthopedagoog": true,
					"schoolmaatschappelijk_werker": true,
					"wijkcoach": true
				},
				"org_types": [
					"zorgaanbieder",
					"gemeente"
				],
				"roles": {
					"jeugdhulpverlener": true,
					"orthopedagoog": true,
					"schoolmaatschappelijk_werker": true,
					"wijkcoach": true
				}
			},
			"request_checks": [
				"RELATION_REQUIRED"
			],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"own_pupil": true,
				"relation": true,
				"residence": true,
				"verzuim_melding": false
			},
			"residence": true,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "School deelt met jeugdhulp of wijkteam voor afstemming van hulp"
		},
		"A2": {
			"age_to": 150,
			"allowed": {
				"advies": true,
				"identificatie": true,
				"terugkoppeling": true
			},
			"basis": "toestemming",
			"categories": [
				"identificatie",
				"advies",
				"terugkoppeling"
			],
			"consent": "jeugdhulp",
			"consent_settings": {
				"jeugdhulp": {
					"attested_consent": false,
					"by_age": [
						{
							"age_to": 11,
							"givers": [
								"ouder"
							],
							"min_age": 0
						},
						{
							"age_to": 15,
							"givers": [
								"ouder",
								"jeugdige"
							],
							"min_age": 12
						},
						{
							"age_to": 150,
							"givers": [
								"jeugdige"
							],
							"min_age": 16
						}
					],
					"inform_other_parent": false,
					"parents_required": 2
				}
			},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"jeugdhulpverlener": true,
					"orthopedagoog": true,
					"schoolmaatschappelijk_werker": true,
					"wijkcoach": true
				},
				"org_types": [
					"zorgaanbieder",
					"gemeente"
				],
				"roles": {
					"jeugdhulpverlener": true,
					"orthopedagoog": true,
					"schoolmaatschappelijk_werker": true,
					"wijkcoach": true
				}
			},
			"holder_school_obligations": [],
			"id": "A2",
			"inzage_class": "zorg",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true,
				"request": true
			},
			"never": [
				"diagnose",
				"gezondheid",
				"gezinssituatie"
			],
			"obligations": [
				"inform_subject"
			],
			"purpose": "terugkoppeling_hulp",
			"query": "release",
			"recipient": {
				"accepts": {
					"intern_begeleider": true,
					"leerkracht": true,
					"mentor": true,
					"studieloopbaanbegeleider": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"school_po",
					"school_vo",
					"school_mbo"
				],
				"roles": {
					"intern_begeleider": true,
					"leerkracht": true,
					"mentor": true,
					"studieloopbaanbegeleider": true,
					"zorgcoordinator": true
				}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": true,
				"inzage": false,
				"justification": false,
				"own_pupil": false,
				"relation": false,
				"residence": true,
				"verzuim_melding": false
			},
			"residence": true,
			"retention_days": 1825,
			"subject_checks": [
				"NOT_ENROLLED"
			],
			"title": "Hulp of wijkteam koppelt terug aan de school"
		},
		"B1": {
			"age_to": 150,
			"allowed": {
				"arrangement": true,
				"identificatie": true
			},
			"basis": "toestemming",
			"categories": [
				"identificatie",
				"arrangement"
			],
			"consent": "school",
			"consent_settings": {
				"jeugdhulp": {
					"attested_consent": false,
					"by_age": [
						{
							"age_to": 11,
							"givers": [
								"ouder"
							],
							"min_age": 0
						},
						{
							"age_to": 15,
							"givers": [
								"ouder",
								"jeugdige"
							],
							"min_age": 12
						},
						{
							"age_to": 150,
							"givers": [
								"jeugdige"
							],
							"min_age": 16
						}
					],
					"inform_other_parent": false,
					"parents_required": 2
				},
				"school": {
					"attested_consent": false,
					"by_age": [
						{
							"age_to": 15,
							"givers": [
								"ouder"
							],
							"min_age": 0
						},
						{
							"age_to": 150,
							"givers": [
								"jeugdige"
							],
							"min_age": 16
						}
					],
					"inform_other_parent": true,
					"parents_required": 1
				}
			},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"school_po",
					"school_vo",
					"school_mbo"
				],
				"roles": {}
			},
			"holder_school_obligations": [],
			"id": "B1",
			"inzage_class": "onderwijs",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true
			},
			"never": [],
			"obligations": [
				"inform_subject"
			],
			"purpose": "afstemming_ondersteuning",
			"query": "release",
			"recipient": {
				"accepts": {
					"wijkcoach": true
				},
				"org_types": [
					"gemeente"
				],
				"roles": {
					"wijkcoach": true
				}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"own_pupil": true,
				"relation": false,
				"residence": true,
				"verzuim_melding": false
			},
			"residence": true,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "School meldt extra ondersteuning aan de wijkcoach"
		},
		"B2": {
			"age_to": 150,
			"allowed": {
				"identificatie": true,
				"jeugdhulp_beschikking": true
			},
			"basis": "toestemming",
			"categories": [
				"identificatie",
				"jeugdhulp_beschikking"
			],
			"consent": "jeugdhulp",
			"consent_settings": {
				"jeugdhulp": {
					"attested_consent": false,
					"by_age": [
						{
							"age_to": 11,
							"givers": [
								"ouder"
							],
							"min_age": 0
						},
						{
							"age_to": 15,
							"givers": [
								"ouder",
								"jeugdige"
							],
							"min_age": 12
						},
						{
							"age_to": 150,
							"givers": [
								"jeugdige"
							],
							"min_age": 16
						}
					],
					"inform_other_parent": false,
					"parents_required": 2
				}
			},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"gemeente"
				],
				"roles": {}
			},
			"holder_school_obligations": [],
			"id": "B2",
			"inzage_class": "zorg",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true,
				"request": true
			},
			"never": [
				"diagnose"
			],
			"obligations": [
				"inform_subject"
			],
			"purpose": "afstemming_ondersteuning",
			"query": "release",
			"recipient": {
				"accepts": {
					"intern_begeleider": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"school_po",
					"school_vo",
					"school_mbo"
				],
				"roles": {
					"intern_begeleider": true,
					"zorgcoordinator": true
				}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"own_pupil": false,
				"relation": false,
				"residence": true,
				"verzuim_melding": false
			},
			"residence": true,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "Gemeente meldt aan school dat er jeugdhulp is"
		},
		"C1": {
			"age_to": 150,
			"allowed": {
				"identificatie": true,
				"onderwijs": true,
				"verzuim": true
			},
			"basis": "wettelijke_plicht",
			"categories": [
				"identificatie",
				"onderwijs",
				"verzuim"
			],
			"consent": "none",
			"consent_settings": {},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"school_po",
					"school_vo",
					"school_mbo"
				],
				"roles": {}
			},
			"holder_school_obligations": [],
			"id": "C1",
			"inzage_class": "onderwijs",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true,
				"request": true
			},
			"never": [
				"ziekteverzuim",
				"gezondheid",
				"diagnose"
			],
			"obligations": [
				"inform_parents",
				"inform_subject"
			],
			"purpose": "handhaving_leerplicht",
			"query": "release",
			"recipient": {
				"accepts": {
					"leerplichtambtenaar": true
				},
				"org_types": [
					"gemeente"
				],
				"roles": {
					"leerplichtambtenaar": true
				}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"own_pupil": true,
				"relation": false,
				"residence": true,
				"verzuim_melding": true
			},
			"residence": true,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "School meldt ongeoorloofd verzuim aan de leerplichtambtenaar"
		},
		"C2": {
			"age_to": 150,
			"allowed": {
				"verzuim": true
			},
			"basis": "publieke_taak",
			"categories": [
				"verzuim"
			],
			"consent": "none",
			"consent_settings": {},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"leerplichtambtenaar": true
				},
				"org_types": [
					"gemeente"
				],
				"roles": {
					"leerplichtambtenaar": true
				}
			},
			"holder_school_obligations": [],
			"id": "C2",
			"inzage_class": "onderwijs",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true
			},
			"never": [],
			"obligations": [
				"inform_subject"
			],
			"purpose": "handhaving_leerplicht",
			"query": "release",
			"recipient": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"school_po",
					"school_vo",
					"school_mbo"
				],
				"roles": {}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"own_pupil": false,
				"relation": false,
				"residence": true,
				"verzuim_melding": false
			},
			"residence": true,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "Leerplichtambtenaar vraagt de school naar de aanpak van verzuim"
		},
		"D1": {
			"age_to": 150,
			"allowed": {
				"identificatie": true,
				"observaties": true,
				"ziekteverzuim": true
			},
			"basis": "toestemming",
			"categories": [
				"identificatie",
				"ziekteverzuim",
				"observaties"
			],
			"consent": "jeugdhulp",
			"consent_settings": {
				"jeugdhulp": {
					"attested_consent": false,
					"by_age": [
						{
							"age_to": 11,
							"givers": [
								"ouder"
							],
							"min_age": 0
						},
						{
							"age_to": 15,
							"givers": [
								"ouder",
								"jeugdige"
							],
							"min_age": 12
						},
						{
							"age_to": 150,
							"givers": [
								"jeugdige"
							],
							"min_age": 16
						}
					],
					"inform_other_parent": false,
					"parents_required": 2
				}
			},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"school_po",
					"school_vo",
					"school_mbo"
				],
				"roles": {}
			},
			"holder_school_obligations": [],
			"id": "D1",
			"inzage_class": "zorg",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true,
				"request": true
			},
			"never": [],
			"obligations": [
				"inform_subject"
			],
			"purpose": "medische_advisering_verzuim",
			"query": "release",
			"recipient": {
				"accepts": {
					"jeugdarts": true
				},
				"org_types": [
					"jgz"
				],
				"roles": {
					"jeugdarts": true
				}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"own_pupil": true,
				"relation": false,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "School vraagt de jeugdarts om advies bij ziekteverzuim (MAZL)"
		},
		"D2": {
			"age_to": 150,
			"allowed": {
				"advies": true
			},
			"basis": "toestemming",
			"categories": [
				"advies"
			],
			"consent": "jeugdhulp",
			"consent_settings": {
				"jeugdhulp": {
					"attested_consent": false,
					"by_age": [
						{
							"age_to": 11,
							"givers": [
								"ouder"
							],
							"min_age": 0
						},
						{
							"age_to": 15,
							"givers": [
								"ouder",
								"jeugdige"
							],
							"min_age": 12
						},
						{
							"age_to": 150,
							"givers": [
								"jeugdige"
							],
							"min_age": 16
						}
					],
					"inform_other_parent": false,
					"parents_required": 2
				}
			},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"jgz"
				],
				"roles": {}
			},
			"holder_school_obligations": [],
			"id": "D2",
			"inzage_class": "zorg",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true,
				"request": true
			},
			"never": [
				"gezondheid",
				"diagnose"
			],
			"obligations": [
				"inform_subject"
			],
			"purpose": "schoolparticipatie",
			"query": "release",
			"recipient": {
				"accepts": {
					"intern_begeleider": true,
					"mentor": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"school_po",
					"school_vo",
					"school_mbo"
				],
				"roles": {
					"intern_begeleider": true,
					"mentor": true,
					"zorgcoordinator": true
				}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"own_pupil": false,
				"relation": false,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "Jeugdarts geeft de school advies over belastbaarheid"
		},
		"D3": {
			"age_to": 150,
			"allowed": {
				"gezinssituatie": true,
				"gezondheid": true,
				"identificatie": true
			},
			"basis": "toestemming",
			"categories": [
				"identificatie",
				"gezondheid",
				"gezinssituatie"
			],
			"consent": "jeugdhulp",
			"consent_settings": {
				"jeugdhulp": {
					"attested_consent": false,
					"by_age": [
						{
							"age_to": 11,
							"givers": [
								"ouder"
							],
							"min_age": 0
						},
						{
							"age_to": 15,
							"givers": [
								"ouder",
								"jeugdige"
							],
							"min_age": 12
						},
						{
							"age_to": 150,
							"givers": [
								"jeugdige"
							],
							"min_age": 16
						}
					],
					"inform_other_parent": false,
					"parents_required": 2
				}
			},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"jgz"
				],
				"roles": {}
			},
			"holder_school_obligations": [],
			"id": "D3",
			"inzage_class": "zorg",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true,
				"request": true
			},
			"never": [],
			"obligations": [
				"inform_subject"
			],
			"purpose": "continuiteit_jgz",
			"query": "release",
			"recipient": {
				"accepts": {
					"jeugdarts": true,
					"jeugdverpleegkundige": true
				},
				"org_types": [
					"jgz"
				],
				"roles": {
					"jeugdarts": true,
					"jeugdverpleegkundige": true
				}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"own_pupil": false,
				"relation": false,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "JGZ draagt het dossier over aan een andere JGZ"
		},
		"D4": {
			"age_to": 150,
			"allowed": {
				"identificatie": true,
				"observaties": true,
				"onderwijs": true,
				"ontwikkeling": true
			},
			"basis": "toestemming",
			"categories": [
				"identificatie",
				"onderwijs",
				"observaties",
				"ontwikkeling"
			],
			"consent": "jeugdhulp",
			"consent_settings": {
				"jeugdhulp": {
					"attested_consent": false,
					"by_age": [
						{
							"age_to": 11,
							"givers": [
								"ouder"
							],
							"min_age": 0
						},
						{
							"age_to": 15,
							"givers": [
								"ouder",
								"jeugdige"
							],
							"min_age": 12
						},
						{
							"age_to": 150,
							"givers": [
								"jeugdige"
							],
							"min_age": 16
						}
					],
					"inform_other_parent": false,
					"parents_required": 2
				}
			},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"intern_begeleider": true,
					"leerkracht": true,
					"mentor": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"school_po",
					"school_vo",
					"school_mbo"
				],
				"roles": {
					"intern_begeleider": true,
					"leerkracht": true,
					"mentor": true,
					"zorgcoordinator": true
				}
			},
			"holder_school_obligations": [],
			"id": "D4",
			"inzage_class": "zorg",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true,
				"request": true
			},
			"never": [],
			"obligations": [
				"inform_subject"
			],
			"purpose": "afstemming_jgz_onderwijs",
			"query": "release",
			"recipient": {
				"accepts": {
					"jeugdarts": true,
					"jeugdverpleegkundige": true
				},
				"org_types": [
					"jgz"
				],
				"roles": {
					"jeugdarts": true,
					"jeugdverpleegkundige": true
				}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"own_pupil": true,
				"relation": false,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "School overlegt met de JGZ over gedrag en ontwikkeling"
		},
		"D5": {
			"age_to": 150,
			"allowed": {
				"advies": true,
				"ontwikkeling": true
			},
			"basis": "toestemming",
			"categories": [
				"advies",
				"ontwikkeling"
			],
			"consent": "jeugdhulp",
			"consent_settings": {
				"jeugdhulp": {
					"attested_consent": false,
					"by_age": [
						{
							"age_to": 11,
							"givers": [
								"ouder"
							],
							"min_age": 0
						},
						{
							"age_to": 15,
							"givers": [
								"ouder",
								"jeugdige"
							],
							"min_age": 12
						},
						{
							"age_to": 150,
							"givers": [
								"jeugdige"
							],
							"min_age": 16
						}
					],
					"inform_other_parent": false,
					"parents_required": 2
				}
			},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"jeugdarts": true,
					"jeugdverpleegkundige": true
				},
				"org_types": [
					"jgz"
				],
				"roles": {
					"jeugdarts": true,
					"jeugdverpleegkundige": true
				}
			},
			"holder_school_obligations": [],
			"id": "D5",
			"inzage_class": "zorg",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true,
				"request": true
			},
			"never": [
				"gezondheid",
				"diagnose",
				"gezinssituatie"
			],
			"obligations": [
				"inform_subject"
			],
			"purpose": "afstemming_jgz_onderwijs",
			"query": "release",
			"recipient": {
				"accepts": {
					"intern_begeleider": true,
					"leerkracht": true,
					"mentor": true,
					"studieloopbaanbegeleider": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"school_po",
					"school_vo",
					"school_mbo"
				],
				"roles": {
					"intern_begeleider": true,
					"leerkracht": true,
					"mentor": true,
					"studieloopbaanbegeleider": true,
					"zorgcoordinator": true
				}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": true,
				"inzage": false,
				"justification": false,
				"own_pupil": false,
				"relation": false,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 1825,
			"subject_checks": [
				"NOT_ENROLLED"
			],
			"title": "JGZ geeft de school advies over gedrag en ontwikkeling"
		},
		"D6": {
			"age_to": 150,
			"allowed": {
				"advies": true,
				"identificatie": true
			},
			"basis": "toestemming",
			"categories": [
				"identificatie",
				"advies"
			],
			"consent": "jeugdhulp",
			"consent_settings": {
				"jeugdhulp": {
					"attested_consent": false,
					"by_age": [
						{
							"age_to": 11,
							"givers": [
								"ouder"
							],
							"min_age": 0
						},
						{
							"age_to": 15,
							"givers": [
								"ouder",
								"jeugdige"
							],
							"min_age": 12
						},
						{
							"age_to": 150,
							"givers": [
								"jeugdige"
							],
							"min_age": 16
						}
					],
					"inform_other_parent": false,
					"parents_required": 2
				}
			},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"jeugdarts": true
				},
				"org_types": [
					"jgz"
				],
				"roles": {
					"jeugdarts": true
				}
			},
			"holder_school_obligations": [],
			"id": "D6",
			"inzage_class": "zorg",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true,
				"request": true
			},
			"never": [
				"gezondheid",
				"diagnose"
			],
			"obligations": [
				"inform_subject"
			],
			"purpose": "medische_advisering_verzuim",
			"query": "release",
			"recipient": {
				"accepts": {
					"leerplichtambtenaar": true
				},
				"org_types": [
					"gemeente"
				],
				"roles": {
					"leerplichtambtenaar": true
				}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"own_pupil": false,
				"relation": false,
				"residence": true,
				"verzuim_melding": false
			},
			"residence": true,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "Jeugdarts adviseert de leerplichtambtenaar (MAZL)"
		},
		"D7": {
			"age_to": 6,
			"allowed": {
				"identificatie": true,
				"ontwikkeling": true,
				"vve_indicatie": true
			},
			"basis": "toestemming",
			"categories": [
				"identificatie",
				"vve_indicatie",
				"ontwikkeling"
			],
			"consent": "jeugdhulp",
			"consent_settings": {
				"jeugdhulp": {
					"attested_consent": false,
					"by_age": [
						{
							"age_to": 11,
							"givers": [
								"ouder"
							],
							"min_age": 0
						},
						{
							"age_to": 15,
							"givers": [
								"ouder",
								"jeugdige"
							],
							"min_age": 12
						},
						{
							"age_to": 150,
							"givers": [
								"jeugdige"
							],
							"min_age": 16
						}
					],
					"inform_other_parent": false,
					"parents_required": 2
				}
			},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"jeugdarts": true,
					"jeugdverpleegkundige": true
				},
				"org_types": [
					"jgz"
				],
				"roles": {
					"jeugdarts": true,
					"jeugdverpleegkundige": true
				}
			},
			"holder_school_obligations": [],
			"id": "D7",
			"inzage_class": "zorg",
			"max_age": 6,
			"min_age": 0,
			"modes": {
				"notification": true,
				"request": true
			},
			"never": [],
			"obligations": [
				"inform_subject"
			],
			"purpose": "overdracht_jonge_kind",
			"query": "release",
			"recipient": {
				"accepts": {
					"intern_begeleider": true,
					"leerkracht": true,
					"pedagogisch_medewerker": true
				},
				"org_types": [
					"kinderopvang",
					"school_po"
				],
				"roles": {
					"intern_begeleider": true,
					"leerkracht": true,
					"pedagogisch_medewerker": true
				}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": true,
				"inzage": false,
				"justification": false,
				"own_pupil": false,
				"relation": false,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 1825,
			"subject_checks": [
				"NOT_ENROLLED"
			],
			"title": "JGZ draagt over aan kinderopvang of basisschool over het jonge kind"
		},
		"E1": {
			"age_to": 150,
			"allowed": {
				"identificatie": true,
				"observaties": true,
				"onderwijs": true,
				"opp": true,
				"verzuim": true
			},
			"basis": "wettelijke_plicht",
			"categories": [
				"identificatie",
				"onderwijs",
				"verzuim",
				"observaties",
				"opp"
			],
			"consent": "none",
			"consent_settings": {},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"school_po"
				],
				"roles": {}
			},
			"holder_school_obligations": [],
			"id": "E1",
			"inzage_class": "onderwijs",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true,
				"request": true
			},
			"never": [],
			"obligations": [
				"inform_subject"
			],
			"purpose": "overdracht_onderwijskundig_rapport",
			"query": "release",
			"recipient": {
				"accepts": {
					"mentor": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"school_vo"
				],
				"roles": {
					"mentor": true,
					"zorgcoordinator": true
				}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": true,
				"inzage": true,
				"justification": false,
				"own_pupil": true,
				"relation": false,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 1825,
			"subject_checks": [
				"NOT_ENROLLED",
				"INZAGE_REQUIRED"
			],
			"title": "Onderwijskundig rapport van basisschool naar voortgezet onderwijs"
		},
		"E2": {
			"age_to": 150,
			"allowed": {
				"identificatie": true,
				"observaties": true,
				"onderwijs": true,
				"opp": true,
				"verzuim": true
			},
			"basis": "wettelijke_plicht",
			"categories": [
				"identificatie",
				"onderwijs",
				"verzuim",
				"observaties",
				"opp"
			],
			"consent": "none",
			"consent_settings": {},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"school_vo"
				],
				"roles": {}
			},
			"holder_school_obligations": [],
			"id": "E2",
			"inzage_class": "onderwijs",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true,
				"request": true
			},
			"never": [],
			"obligations": [
				"inform_subject"
			],
			"purpose": "overdracht_onderwijskundig_rapport",
			"query": "release",
			"recipient": {
				"accepts": {
					"mentor": true,
					"studieloopbaanbegeleider": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"school_vo",
					"school_mbo"
				],
				"roles": {
					"mentor": true,
					"studieloopbaanbegeleider": true,
					"zorgcoordinator": true
				}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": true,
				"inzage": true,
				"justification": false,
				"own_pupil": true,
				"relation": false,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 1825,
			"subject_checks": [
				"NOT_ENROLLED",
				"INZAGE_REQUIRED"
			],
			"title": "Onderwijskundig rapport van voortgezet onderwijs naar vo of mbo"
		},
		"E3": {
			"age_to": 150,
			"allowed": {
				"gezinssituatie": true,
				"identificatie": true,
				"ontwikkeling": true
			},
			"basis": "toestemming",
			"categories": [
				"identificatie",
				"ontwikkeling",
				"gezinssituatie"
			],
			"consent": "school",
			"consent_settings": {
				"jeugdhulp": {
					"attested_consent": false,
					"by_age": [
						{
							"age_to": 11,
							"givers": [
								"ouder"
							],
							"min_age": 0
						},
						{
							"age_to": 15,
							"givers": [
								"ouder",
								"jeugdige"
							],
							"min_age": 12
						},
						{
							"age_to": 150,
							"givers": [
								"jeugdige"
							],
							"min_age": 16
						}
					],
					"inform_other_parent": false,
					"parents_required": 2
				},
				"school": {
					"attested_consent": false,
					"by_age": [
						{
							"age_to": 15,
							"givers": [
								"ouder"
							],
							"min_age": 0
						},
						{
							"age_to": 150,
							"givers": [
								"jeugdige"
							],
							"min_age": 16
						}
					],
					"inform_other_parent": true,
					"parents_required": 1
				}
			},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"kinderopvang"
				],
				"roles": {}
			},
			"holder_school_obligations": [],
			"id": "E3",
			"inzage_class": "onderwijs",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true,
				"request": true
			},
			"never": [],
			"obligations": [
				"inform_subject"
			],
			"purpose": "overdracht_voorschool",
			"query": "release",
			"recipient": {
				"accepts": {
					"intern_begeleider": true,
					"leerkracht": true
				},
				"org_types": [
					"school_po"
				],
				"roles": {
					"intern_begeleider": true,
					"leerkracht": true
				}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"own_pupil": true,
				"relation": false,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "Warme overdracht van kinderopvang naar basisschool"
		},
		"F1": {
			"age_to": 22,
			"allowed": {
				"bsn": true,
				"contact_melder": true,
				"identificatie": true
			},
			"basis": "wettelijke_plicht",
			"categories": [
				"identificatie",
				"bsn",
				"contact_melder"
			],
			"consent": "none",
			"consent_settings": {},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"any"
				],
				"roles": {}
			},
			"holder_school_obligations": [],
			"id": "F1",
			"inzage_class": "zorg",
			"max_age": 22,
			"min_age": 0,
			"modes": {
				"notification": true
			},
			"never": [],
			"obligations": [
				"inform_subject"
			],
			"purpose": "signalering_verwijsindex",
			"query": "release",
			"recipient": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"verwijsindex"
				],
				"roles": {}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"own_pupil": false,
				"relation": false,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "Signaal aan de verwijsindex"
		},
		"G1": {
			"age_to": 150,
			"allowed": {
				"gezinssituatie": true,
				"identificatie": true,
				"observaties": true,
				"veiligheidssignalen": true
			},
			"basis": "meldrecht",
			"categories": [
				"identificatie",
				"gezinssituatie",
				"veiligheidssignalen",
				"observaties"
			],
			"consent": "none",
			"consent_settings": {},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"any"
				],
				"roles": {}
			},
			"holder_school_obligations": [],
			"id": "G1",
			"inzage_class": "veiligheid",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true
			},
			"never": [],
			"obligations": [
				"inform_subject_when_safe"
			],
			"purpose": "melding_huiselijk_geweld",
			"query": "release",
			"recipient": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"veilig_thuis"
				],
				"roles": {}
			},
			"request_checks": [
				"JUSTIFICATION_REQUIRED"
			],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": true,
				"own_pupil": false,
				"relation": false,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 7300,
			"subject_checks": [],
			"title": "Melding bij Veilig Thuis"
		},
		"G2": {
			"age_to": 150,
			"allowed": {
				"gezinssituatie": true,
				"identificatie": true,
				"observaties": true,
				"veiligheidssignalen": true
			},
			"basis": "meldrecht",
			"categories": [
				"identificatie",
				"gezinssituatie",
				"veiligheidssignalen",
				"observaties"
			],
			"consent": "none",
			"consent_settings": {},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"any"
				],
				"roles": {}
			},
			"holder_school_obligations": [],
			"id": "G2",
			"inzage_class": "veiligheid",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"request": true
			},
			"never": [],
			"obligations": [
				"inform_subject_when_safe"
			],
			"purpose": "onderzoek_veilig_thuis",
			"query": "release",
			"recipient": {
				"accepts": {
					"veilig_thuis_medewerker": true
				},
				"org_types": [
					"veilig_thuis"
				],
				"roles": {
					"veilig_thuis_medewerker": true
				}
			},
			"request_checks": [
				"JUSTIFICATION_REQUIRED"
			],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": true,
				"own_pupil": false,
				"relation": false,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 7300,
			"subject_checks": [],
			"title": "Veilig Thuis vraagt informatie voor onderzoek"
		},
		"G3": {
			"age_to": 150,
			"allowed": {
				"identificatie": true,
				"veiligheidssignalen": true
			},
			"basis": "conflict_van_plichten",
			"categories": [
				"identificatie",
				"veiligheidssignalen"
			],
			"consent": "none",
			"consent_settings": {},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"any"
				],
				"roles": {}
			},
			"holder_school_obligations": [],
			"id": "G3",
			"inzage_class": "veiligheid",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true
			},
			"never": [],
			"obligations": [
				"inform_subject_when_safe",
				"review_break_glass"
			],
			"purpose": "acuut_gevaar",
			"query": "release",
			"recipient": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"any"
				],
				"roles": {}
			},
			"request_checks": [
				"JUSTIFICATION_REQUIRED",
				"BEROEPSGEHEIM_REQUIRED"
			],
			"requires": {
				"beroepsgeheim": true,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": true,
				"own_pupil": false,
				"relation": false,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 7300,
			"subject_checks": [],
			"title": "Doorbreking van het beroepsgeheim bij acuut gevaar"
		},
		"G4": {
			"age_to": 150,
			"allowed": {
				"gezinssituatie": true,
				"identificatie": true,
				"jeugdhulp_beschikking": true,
				"veiligheidssignalen": true
			},
			"basis": "wettelijke_plicht",
			"categories": [
				"identificatie",
				"gezinssituatie",
				"veiligheidssignalen",
				"jeugdhulp_beschikking"
			],
			"consent": "none",
			"consent_settings": {},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"any"
				],
				"roles": {}
			},
			"holder_school_obligations": [],
			"id": "G4",
			"inzage_class": "veiligheid",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true,
				"request": true
			},
			"never": [],
			"obligations": [
				"inform_subject_when_safe"
			],
			"purpose": "jeugdbescherming",
			"query": "release",
			"recipient": {
				"accepts": {
					"gezinsvoogd": true
				},
				"org_types": [
					"gecertificeerde_instelling"
				],
				"roles": {
					"gezinsvoogd": true
				}
			},
			"request_checks": [
				"CASE_REFERENCE_REQUIRED"
			],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": true,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"own_pupil": false,
				"relation": false,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 7300,
			"subject_checks": [],
			"title": "Informatie aan de gezinsvoogd"
		},
		"H1": {
			"age_to": 150,
			"allowed": {
				"advies": true,
				"diagnose": true,
				"gezinssituatie": true,
				"gezondheid": true,
				"identificatie": true,
				"jeugdhulp_beschikking": true,
				"observaties": true,
				"terugkoppeling": true
			},
			"basis": "toestemming",
			"categories": [
				"identificatie",
				"jeugdhulp_beschikking",
				"gezinssituatie",
				"observaties",
				"gezondheid",
				"diagnose",
				"advies",
				"terugkoppeling"
			],
			"consent": "jeugdhulp",
			"consent_settings": {
				"jeugdhulp": {
					"attested_consent": false,
					"by_age": [
						{
							"age_to": 11,
							"givers": [
								"ouder"
							],
							"min_age": 0
						},
						{
							"age_to": 15,
							"givers": [
								"ouder",
								"jeugdige"
							],
							"min_age": 12
						},
						{
							"age_to": 150,
							"givers": [
								"jeugdige"
							],
							"min_age": 16
						}
					],
					"inform_other_parent": false,
					"parents_required": 2
				}
			},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"jeugdhulpverlener": true,
					"orthopedagoog": true
				},
				"org_types": [
					"zorgaanbieder"
				],
				"roles": {
					"jeugdhulpverlener": true,
					"orthopedagoog": true
				}
			},
			"holder_school_obligations": [],
			"id": "H1",
			"inzage_class": "zorg",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true,
				"request": true
			},
			"never": [],
			"obligations": [
				"inform_subject"
			],
			"purpose": "overdracht_jeugdhulp",
			"query": "release",
			"recipient": {
				"accepts": {
					"jeugdhulpverlener": true,
					"orthopedagoog": true
				},
				"org_types": [
					"zorgaanbieder"
				],
				"roles": {
					"jeugdhulpverlener": true,
					"orthopedagoog": true
				}
			},
			"request_checks": [
				"RELATION_REQUIRED"
			],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"own_pupil": false,
				"relation": true,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "Warme overdracht tussen jeugdhulpaanbieders"
		},
		"H2": {
			"age_to": 150,
			"allowed": {
				"advies": true,
				"gezinssituatie": true,
				"identificatie": true,
				"jeugdhulp_beschikking": true,
				"observaties": true
			},
			"basis": "toestemming",
			"categories": [
				"identificatie",
				"jeugdhulp_beschikking",
				"gezinssituatie",
				"observaties",
				"advies"
			],
			"consent": "jeugdhulp",
			"consent_settings": {
				"jeugdhulp": {
					"attested_consent": false,
					"by_age": [
						{
							"age_to": 11,
							"givers": [
								"ouder"
							],
							"min_age": 0
						},
						{
							"age_to": 15,
							"givers": [
								"ouder",
								"jeugdige"
							],
							"min_age": 12
						},
						{
							"age_to": 150,
							"givers": [
								"jeugdige"
							],
							"min_age": 16
						}
					],
					"inform_other_parent": false,
					"parents_required": 2
				}
			},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"wijkcoach": true
				},
				"org_types": [
					"gemeente"
				],
				"roles": {
					"wijkcoach": true
				}
			},
			"holder_school_obligations": [],
			"id": "H2",
			"inzage_class": "zorg",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true,
				"request": true
			},
			"never": [],
			"obligations": [
				"inform_subject"
			],
			"purpose": "overdracht_jeugdhulp",
			"query": "release",
			"recipient": {
				"accepts": {
					"jeugdhulpverlener": true
				},
				"org_types": [
					"zorgaanbieder"
				],
				"roles": {
					"jeugdhulpverlener": true
				}
			},
			"request_checks": [
				"RELATION_REQUIRED"
			],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"own_pupil": false,
				"relation": true,
				"residence": true,
				"verzuim_melding": false
			},
			"residence": true,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "Wijkteam draagt over aan een jeugdhulpaanbieder"
		},
		"H3": {
			"age_to": 150,
			"allowed": {
				"advies": true,
				"identificatie": true,
				"jeugdhulp_beschikking": true,
				"terugkoppeling": true
			},
			"basis": "toestemming",
			"categories": [
				"identificatie",
				"jeugdhulp_beschikking",
				"terugkoppeling",
				"advies"
			],
			"consent": "jeugdhulp",
			"consent_settings": {
				"jeugdhulp": {
					"attested_consent": false,
					"by_age": [
						{
							"age_to": 11,
							"givers": [
								"ouder"
							],
							"min_age": 0
						},
						{
							"age_to": 15,
							"givers": [
								"ouder",
								"jeugdige"
							],
							"min_age": 12
						},
						{
							"age_to": 150,
							"givers": [
								"jeugdige"
							],
							"min_age": 16
						}
					],
					"inform_other_parent": false,
					"parents_required": 2
				}
			},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"jeugdhulpverlener": true
				},
				"org_types": [
					"zorgaanbieder"
				],
				"roles": {
					"jeugdhulpverlener": true
				}
			},
			"holder_school_obligations": [],
			"id": "H3",
			"inzage_class": "zorg",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true,
				"request": true
			},
			"never": [
				"diagnose",
				"gezondheid"
			],
			"obligations": [
				"inform_subject"
			],
			"purpose": "overdracht_jeugdhulp",
			"query": "release",
			"recipient": {
				"accepts": {
					"wijkcoach": true
				},
				"org_types": [
					"gemeente"
				],
				"roles": {
					"wijkcoach": true
				}
			},
			"request_checks": [
				"RELATION_REQUIRED"
			],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"own_pupil": false,
				"relation": true,
				"residence": true,
				"verzuim_melding": false
			},
			"residence": true,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "Jeugdhulpaanbieder schaalt af naar het wijkteam"
		},
		"K1": {
			"age_to": 150,
			"allowed": {
				"advies": true,
				"arrangement": true,
				"gezinssituatie": true,
				"identificatie": true,
				"jeugdhulp_beschikking": true,
				"observaties": true,
				"onderwijs": true,
				"ontwikkeling": true,
				"opp": true,
				"terugkoppeling": true,
				"verzuim": true,
				"verzuim_geoorloofd": true
			},
			"basis": "toestemming",
			"categories": [
				"identificatie",
				"onderwijs",
				"verzuim",
				"verzuim_geoorloofd",
				"opp",
				"observaties",
				"arrangement",
				"advies",
				"terugkoppeling",
				"ontwikkeling",
				"gezinssituatie",
				"jeugdhulp_beschikking"
			],
			"consent": "jeugdhulp",
			"consent_settings": {
				"jeugdhulp": {
					"attested_consent": false,
					"by_age": [
						{
							"age_to": 11,
							"givers": [
								"ouder"
							],
							"min_age": 0
						},
						{
							"age_to": 15,
							"givers": [
								"ouder",
								"jeugdige"
							],
							"min_age": 12
						},
						{
							"age_to": 150,
							"givers": [
								"jeugdige"
							],
							"min_age": 16
						}
					],
					"inform_other_parent": false,
					"parents_required": 2
				}
			},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"school_po",
					"school_vo",
					"school_mbo",
					"kinderopvang",
					"zorgaanbieder",
					"jgz",
					"gemeente",
					"samenwerkingsverband"
				],
				"roles": {}
			},
			"holder_school_obligations": [
				"record_in_pupil_file"
			],
			"id": "K1",
			"inzage_class": "zorg",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true,
				"request": true
			},
			"never": [
				"diagnose",
				"gezondheid",
				"ziekteverzuim",
				"veiligheidssignalen",
				"bsn"
			],
			"obligations": [
				"inform_subject"
			],
			"purpose": "afstemming_ipt",
			"query": "release",
			"recipient": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"school_po",
					"school_vo",
					"school_mbo",
					"kinderopvang",
					"zorgaanbieder",
					"jgz",
					"gemeente",
					"samenwerkingsverband"
				],
				"roles": {}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": true,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"own_pupil": true,
				"relation": false,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "Uitwisseling binnen het interprofessionele team rond een kind"
		},
		"M1": {
			"age_to": 150,
			"allowed": {
				"aggregaat": true
			},
			"basis": "geen_persoonsgegevens",
			"categories": [
				"aggregaat"
			],
			"consent": "none",
			"consent_settings": {},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"any"
				],
				"roles": {}
			},
			"holder_school_obligations": [],
			"id": "M1",
			"inzage_class": "zorg",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true
			},
			"never": [],
			"obligations": [],
			"purpose": "monitoring_samenwerking",
			"query": "monitoring",
			"recipient": {
				"accepts": {
					"onderzoeker": true
				},
				"org_types": [
					"kennispunt"
				],
				"roles": {
					"onderzoeker": true
				}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"own_pupil": false,
				"relation": false,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "Tellingen voor de regionale monitoring"
		},
		"N1": {
			"age_to": 150,
			"allowed": {},
			"basis": "geen_persoonsgegevens",
			"categories": [],
			"consent": "none",
			"consent_settings": {},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"commissie_tlv": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
					"ondersteuningsadviseur": true,
					"onderzoeker": true,
					"orthopedagoog": true,
					"pedagogisch_medewerker": true,
					"schoolmaatschappelijk_werker": true,
					"studieloopbaanbegeleider": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"any"
				],
				"roles": {}
			},
			"holder_school_obligations": [],
			"id": "N1",
			"inzage_class": "zorg",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true
			},
			"never": [],
			"obligations": [],
			"purpose": "anoniem_consult",
			"query": "consult",
			"recipient": {
				"accepts": {
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"ondersteuningsadviseur": true,
					"orthopedagoog": true,
					"schoolmaatschappelijk_werker": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true
				},
				"org_types": [
					"any"
				],
				"roles": {
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"ondersteuningsadviseur": true,
					"orthopedagoog": true,
					"schoolmaatschappelijk_werker": true,
					"veilig_thuis_medewerker": true,
					"wijkcoach": true
				}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"own_pupil": false,
				"relation": false,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "Anoniem consult"
		},
		"S1": {
			"age_to": 150,
			"allowed": {
				"arrangement": true,
				"identificatie": true,
				"observaties": true,
				"onderwijs": true,
				"opp": true
			},
			"basis": "publieke_taak",
			"categories": [
				"identificatie",
				"onderwijs",
				"opp",
				"observaties",
				"arrangement"
			],
			"consent": "none",
			"consent_settings": {},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"intern_begeleider": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"school_po",
					"school_vo",
					"school_mbo"
				],
				"roles": {
					"intern_begeleider": true,
					"zorgcoordinator": true
				}
			},
			"holder_school_obligations": [],
			"id": "S1",
			"inzage_class": "onderwijs",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true
			},
			"never": [
				"diagnose",
				"gezondheid"
			],
			"obligations": [
				"inform_subject",
				"record_in_pupil_file"
			],
			"purpose": "aanvraag_tlv",
			"query": "release",
			"recipient": {
				"accepts": {
					"commissie_tlv": true,
					"ondersteuningsadviseur": true,
					"orthopedagoog": true
				},
				"org_types": [
					"samenwerkingsverband"
				],
				"roles": {
					"commissie_tlv": true,
					"ondersteuningsadviseur": true,
					"orthopedagoog": true
				}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": false,
				"inzage": true,
				"justification": false,
				"own_pupil": true,
				"relation": false,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 1825,
			"subject_checks": [
				"INZAGE_REQUIRED"
			],
			"title": "School vraagt een toelaatbaarheidsverklaring of extra ondersteuning aan"
		},
		"S2": {
			"age_to": 150,
			"allowed": {
				"advies": true,
				"identificatie": true,
				"tlv": true
			},
			"basis": "publieke_taak",
			"categories": [
				"identificatie",
				"tlv",
				"advies"
			],
			"consent": "none",
			"consent_settings": {},
			"designated_gemeente": false,
			"holder": {
				"accepts": {
					"commissie_tlv": true,
					"ondersteuningsadviseur": true
				},
				"org_types": [
					"samenwerkingsverband"
				],
				"roles": {
					"commissie_tlv": true,
					"ondersteuningsadviseur": true
				}
			},
			"holder_school_obligations": [],
			"id": "S2",
			"inzage_class": "onderwijs",
			"max_age": null,
			"min_age": 0,
			"modes": {
				"notification": true
			},
			"never": [],
			"obligations": [
				"inform_subject"
			],
			"purpose": "aanvraag_tlv",
			"query": "release",
			"recipient": {
				"accepts": {
					"intern_begeleider": true,
					"zorgcoordinator": true
				},
				"org_types": [
					"school_po",
					"school_vo",
					"school_mbo"
				],
				"roles": {
					"intern_begeleider": true,
					"zorgcoordinator": true
				}
			},
			"request_checks": [],
			"requires": {
				"beroepsgeheim": false,
				"case": false,
				"case_reference": false,
				"enrolment": true,
				"inzage": false,
				"justification": false,
				"own_pupil": false,
				"relation": false,
				"residence": false,
				"verzuim_melding": false
			},
			"residence": false,
			"retention_days": 1825,
			"subject_checks": [
				"NOT_ENROLLED"
			],
			"title": "Samenwerkingsverband meldt de beslissing over de TLV aan de school"
		}
	},
	"inzage": {
		"default_class": "zorg",
		"held_for_safety": {
			"veiligheid": true
		},
		"released_as": "zorg",
		"requesters": [
			{
				"by_age": [
					{
						"age_to": 15,
						"classes": [
							"onderwijs",
							"zorg"
						],
						"min_age": 0
					},
					{
						"age_to": 150,
						"classes": [],
						"min_age": 16
					}
				],
				"gezag": true,
				"kind": "ouder"
			},
			{
				"by_age": [
					{
						"age_to": 150,
						"classes": [],
						"min_age": 0
					}
				],
				"gezag": false,
				"kind": "ouder"
			},
			{
				"by_age": [
					{
						"age_to": 11,
						"classes": [],
						"min_age": 0
					},
					{
						"age_to": 15,
						"classes": [
							"zorg"
						],
						"min_age": 12
					},
					{
						"age_to": 150,
						"classes": [
							"onderwijs",
							"zorg",
							"veiligheid"
						],
						"min_age": 16
					}
				],
				"gezag": null,
				"kind": "jeugdige"
			}
		],
		"withholdable": {
			"zorg": true
		}
	},
	"messages": {
		"AGE_OUT_OF_SCOPE": "Deze gegevensstroom geldt niet voor een kind van deze leeftijd.",
		"ATTESTED_CONSENT_PENDING": "Deze bijzondere gegevens gaan pas mee als de verstrekker de toestemming zelf heeft aangekondigd en de termijn voor bezwaar voorbij is: %s.",
		"BEROEPSGEHEIM_REQUIRED": "Alleen een professional met beroepsgeheim mag het beroepsgeheim doorbreken.",
		"CASE_NOT_OPEN": "Er is geen geopende casus voor deze uitwisseling.",
		"CASE_REFERENCE_REQUIRED": "Voor deze gegevensstroom is een zaak- of maatregelnummer (case_reference) verplicht.",
		"CATEGORY_NOT_CONSENTED": "Voor deze gegevens is geen toestemming gegeven: %s.",
		"CATEGORY_NOT_IN_FLOW": "Deze gegevens horen niet bij deze gegevensstroom: %s.",
		"CONSENT_EXPIRED": "De toestemming van de %s is verlopen.",
		"CONSENT_MISSING": "De toestemming van de %s ontbreekt.",
		"CONSENT_WITHDRAWN": "De toestemming van de %s is ingetrokken.",
		"CONSULT_IDENTIFYING": "Een anoniem consult bevat alleen leeftijdsgroep, soort school, zorgen en vraag uit de vaste lijsten; dit consult bevat meer.",
		"INZAGE_CLASS_NOT_ENTITLED": "Dit soort beslissing is bij deze leeftijd niet voor deze aanvrager bestemd.",
		"INZAGE_HELD_FOR_SAFETY": "Deze beslissing wordt om veiligheidsredenen nog niet getoond.",
		"INZAGE_NOT_ENTITLED": "Deze aanvrager heeft geen recht op inzage in de beslissingen over dit kind.",
		"INZAGE_REQUIRED": "De ouders hebben het onderwijskundig rapport nog niet kunnen inzien.",
		"INZAGE_WITHHELD_BY_PROFESSIONAL": "De professional houdt deze beslissing voor de ouders achter.",
		"JUSTIFICATION_REQUIRED": "Voor deze gegevensstroom is een schriftelijke onderbouwing verplicht.",
		"MODE_NOT_ALLOWED": "Deze gegevensstroom staat deze manier van uitwisselen (vraag of melding) niet toe.",
		"MONITORING_DIMENSION_NOT_ALLOWED": "De telling bevat een kenmerk of waarde buiten de vaste set van de monitoring.",
		"MONITORING_FLOW_EXCLUDED": "Veiligheidsmeldingen en jeugdbescherming (G-stromen) worden nooit geteld.",
		"NOT_A_MEMBER": "De %s is geen huidig lid van de casus.",
		"NOT_ENROLLED": "Het kind is nog niet ingeschreven bij de ontvangende school.",
		"NOT_ENROLLED_AT_HOLDER": "De verstrekker deelt alleen gegevens over een kind dat bij hem ingeschreven staat.",
		"NOT_REGIEHOUDER": "Alleen de huidige regiehouder van de casus mag dit overzicht zien.",
		"NOT_RESIDENT": "Deze gegevensstroom geldt alleen voor de gemeente waar het kind woont.",
		"NO_MATCHING_FLOW": "Er is geen gegevensstroom voor dit doel tussen deze soorten organisaties.",
		"RELATION_REQUIRED": "De ontvanger heeft geen directe hulprelatie met het kind verklaard.",
		"ROLE_NOT_ALLOWED": "De rol %s mag in deze gegevensstroom niet optreden als %s.",
		"UNKNOWN_PURPOSE": "Het doel \"%s\" staat niet in de lijst van toegestane doelen.",
		"VERZUIM_MELDING_REQUIRED": "Een vraag van leerplicht moet verwijzen naar een openstaande verzuimmelding van deze school.",
		"VERZUIM_THRESHOLD_NOT_MET": "Er is geen openstaande verzuimmelding en de wettelijke drempel voor een verzuimmelding is niet bereikt."
	},
	"monitoring": {
		"dimensions": [
			"flow",
			"purpose",
			"outcome",
			"reason",
			"counterpart_org_type",
			"school_oin",
			"month"
		],
		"excluded_flows": {
			"G1": true,
			"G2": true,
			"G3": true,
			"G4": true
		},
		"reasons": {
			"": true,
			"AGE_OUT_OF_SCOPE": true,
			"ATTESTED_CONSENT_PENDING": true,
			"BEROEPSGEHEIM_REQUIRED": true,
			"CASE_NOT_OPEN": true,
			"CASE_REFERENCE_REQUIRED": true,
			"CATEGORY_NOT_CONSENTED": true,
			"CATEGORY_NOT_IN_FLOW": true,
			"CONSENT_EXPIRED": true,
			"CONSENT_MISSING": true,
			"CONSENT_WITHDRAWN": true,
			"CONSULT_IDENTIFYING": true,
			"INZAGE_CLASS_NOT_ENTITLED": true,
			"INZAGE_HELD_FOR_SAFETY": true,
			"INZAGE_NOT_ENTITLED": true,
			"INZAGE_REQUIRED": true,
			"INZAGE_WITHHELD_BY_PROFESSIONAL": true,
			"JUSTIFICATION_REQUIRED": true,
			"MODE_NOT_ALLOWED": true,
			"MONITORING_DIMENSION_NOT_ALLOWED": true,
			"MONITORING_FLOW_EXCLUDED": true,
			"NOT_A_MEMBER": true,
			"NOT_ENROLLED": true,
			"NOT_ENROLLED_AT_HOLDER": true,
			"NOT_REGIEHOUDER": true,
			"NOT_RESIDENT": true,
			"NO_MATCHING_FLOW": true,
			"RELATION_REQUIRED": true,
			"ROLE_NOT_ALLOWED": true,
			"STATEMENT_INVALID": true,
			"SUBJECT_UNKNOWN": true,
			"UNKNOWN_PURPOSE": true,
			"VERZUIM_MELDING_REQUIRED": true,
			"VERZUIM_THRESHOLD_NOT_MET": true
		},
		"row_keys": {
			"count": true,
			"counterpart_org_type": true,
			"flow": true,
			"month": true,
			"outcome": true,
			"purpose": true,
			"reason": true,
			"school_oin": true
		},
		"small_cell": 10
	},
	"org_types": {
		"gecertificeerde_instelling": {
			"care": false,
			"description": "gecertificeerde instelling (jeugdbescherming)",
			"id": "gecertificeerde_instelling",
			"residence": false,
			"roll": false,
			"school": false
		},
		"gemeente": {
			"care": false,
			"description": "gemeente (wijkteam, leerplicht)",
			"id": "gemeente",
			"residence": true,
			"roll": false,
			"school": false
		},
		"jgz": {
			"care": true,
			"description": "jeugdgezondheidszorg (GGD)",
			"id": "jgz",
			"residence": false,
			"roll": false,
			"school": false
		},
		"kennispunt": {
			"care": false,
			"description": "regionaal kennispunt (monitoring)",
			"id": "kennispunt",
			"residence": false,
			"roll": false,
			"school": false
		},
		"kinderopvang": {
			"care": false,
			"description": "kinderopvang of voorschool",
			"id": "kinderopvang",
			"residence": false,
			"roll": true,
			"school": false
		},
		"samenwerkingsverband": {
			"care": false,
			"description": "samenwerkingsverband passend onderwijs",
			"id": "samenwerkingsverband",
			"residence": false,
			"roll": false,
			"school": false
		},
		"school_mbo": {
			"care": false,
			"description": "mbo-instelling",
			"id": "school_mbo",
			"residence": false,
			"roll": true,
			"school": true
		},
		"school_po": {
			"care": false,
			"description": "basisschool",
			"id": "school_po",
			"residence": false,
			"roll": true,
			"school": true
		},
		"school_vo": {
			"care": false,
			"description": "school voor voortgezet onderwijs",
			"id": "school_vo",
			"residence": false,
			"roll": true,
			"school": true
		},
		"veilig_thuis": {
			"care": false,
			"description": "Veilig Thuis",
			"id": "veilig_thuis",
			"residence": false,
			"roll": false,
			"school": false
		},
		"verwijsindex": {
			"care": false,
			"description": "verwijsindex risicojongeren",
			"id": "verwijsindex",
			"residence": false,
			"roll": false,
			"school": false
		},
		"zorgaanbieder": {
			"care": true,
			"description": "jeugdhulpaanbieder",
			"id": "zorgaanbieder",
			"residence": false,
			"roll": false,
			"school": false
		}
	},
	"purposes": {
		"aanvraag_tlv": {
			"description": "Aanvraag van een toelaatbaarheidsverklaring of extra ondersteuning (S1, S2)",
			"id": "aanvraag_tlv"
		},
		"acuut_gevaar": {
			"description": "Acuut gevaar voor het kind, doorbreking beroepsgeheim (G3)",
			"id": "acuut_gevaar"
		},
		"afstemming_hulp_onderwijs": {
			"description": "Afstemming tussen hulp en onderwijs (A1)",
			"id": "afstemming_hulp_onderwijs"
		},
		"afstemming_ipt": {
			"description": "Afstemming in het interprofessionele team rond een kind (K1)",
			"id": "afstemming_ipt"
		},
		"afstemming_jgz_onderwijs": {
			"description": "Afstemming tussen JGZ en onderwijs over gedrag en ontwikkeling (D4, D5)",
			"id": "afstemming_jgz_onderwijs"
		},
		"afstemming_ondersteuning": {
			"description": "Afstemming van extra ondersteuning (B1, B2)",
			"id": "afstemming_ondersteuning"
		},
		"anoniem_consult": {
			"description": "Consultatie zonder naam (N1)",
			"id": "anoniem_consult"
		},
		"continuiteit_jgz": {
			"description": "Continuiteit van jeugdgezondheidszorg bij verhuizing (D3)",
			"id": "continuiteit_jgz"
		},
		"handhaving_leerplicht": {
			"description": "Handhaving van de Leerplichtwet (C1, C2)",
			"id": "handhaving_leerplicht"
		},
		"jeugdbescherming": {
			"description": "Uitvoering van een kinderbeschermingsmaatregel (G4)",
			"id": "jeugdbescherming"
		},
		"medische_advisering_verzuim": {
			"description": "Medische advisering bij ziekteverzuim, MAZL (D1)",
			"id": "medische_advisering_verzuim"
		},
		"melding_huiselijk_geweld": {
			"description": "Melding bij Veilig Thuis volgens de meldcode (G1)",
			"id": "melding_huiselijk_geweld"
		},
		"monitoring_samenwerking": {
			"description": "Monitoring van de samenwerking met tellingen (M1)",
			"id": "monitoring_samenwerking"
		},
		"onderzoek_veilig_thuis": {
			"description": "Onderzoek door Veilig Thuis (G2)",
			"id": "onderzoek_veilig_thuis"
		},
		"overdracht_jeugdhulp": {
			"description": "Overdracht tussen jeugdhulp en wijkteam, op- en afschalen (H1, H2, H3)",
			"id": "overdracht_jeugdhulp"
		},
		"overdracht_jonge_kind": {
			"description": "Overdracht over het jonge kind, zoals de VVE-indicatie (D7)",
			"id": "overdracht_jonge_kind"
		},
		"overdracht_onderwijskundig_rapport": {
			"description": "Overdracht van het onderwijskundig rapport (E1, E2)",
			"id": "overdracht_onderwijskundig_rapport"
		},
		"overdracht_voorschool": {
			"description": "Warme overdracht van kinderopvang naar basisschool (E3)",
			"id": "overdracht_voorschool"
		},
		"schoolparticipatie": {
			"description": "Advies over belastbaarheid en terugkeer naar school (D2)",
			"id": "schoolparticipatie"
		},
		"signalering_verwijsindex": {
			"description": "Signaal aan de verwijsindex (F1)",
			"id": "signalering_verwijsindex"
		},
		"terugkoppeling_hulp": {
			"description": "Terugkoppeling en handelingsadvies van hulp aan school (A2)",
			"id": "terugkoppeling_hulp"
		}
	},
	"regie": {
		"fields": [
			"member",
			"org_type",
			"role",
			"categories",
			"at",
			"consent_id"
		],
		"flow": "K1"
	},
	"roles": {
		"administratie": {
			"beroepsgeheim": false,
			"id": "administratie",
			"org_types": [
				"school_po",
				"school_vo",
				"school_mbo"
			]
		},
		"commissie_tlv": {
			"beroepsgeheim": false,
			"id": "commissie_tlv",
			"org_types": [
				"samenwerkingsverband"
			]
		},
		"gezinsvoogd": {
			"beroepsgeheim": true,
			"id": "gezinsvoogd",
			"org_types": [
				"gecertificeerde_instelling"
			]
		},
		"intern_begeleider": {
			"beroepsgeheim": false,
			"id": "intern_begeleider",
			"org_types": [
				"school_po"
			]
		},
		"jeugdarts": {
			"beroepsgeheim": true,
			"id": "jeugdarts",
			"org_types": [
				"jgz"
			]
		},
		"jeugdhulpverlener": {
			"beroepsgeheim": true,
			"id": "jeugdhulpverlener",
			"org_types": [
				"zorgaanbieder",
				"gemeente"
			]
		},
		"jeugdverpleegkundige": {
			"beroepsgeheim": true,
			"id": "jeugdverpleegkundige",
			"org_types": [
				"jgz"
			]
		},
		"leerkracht": {
			"beroepsgeheim": false,
			"id": "leerkracht",
			"org_types": [
				"school_po",
				"school_vo",
				"school_mbo"
			]
		},
		"leerplichtambtenaar": {
			"beroepsgeheim": false,
			"id": "leerplichtambtenaar",
			"org_types": [
				"gemeente"
			]
		},
		"mentor": {
			"beroepsgeheim": false,
			"id": "mentor",
			"org_types": [
				"school_po",
				"school_vo",
				"school_mbo"
			]
		},
		"ondersteuningsadviseur": {
			"beroepsgeheim": false,
			"id": "ondersteuningsadviseur",
			"org_types": [
				"samenwerkingsverband"
			]
		},
		"onderzoeker": {
			"beroepsgeheim": false,
			"id": "onderzoeker",
			"org_types": [
				"kennispunt"
			]
		},
		"orthopedagoog": {
			"beroepsgeheim": true,
			"id": "orthopedagoog",
			"org_types": [
				"school_po",
				"school_vo",
				"school_mbo",
				"samenwerkingsverband",
				"zorgaanbieder",
				"gemeente"
			]
		},
		"pedagogisch_medewerker": {
			"beroepsgeheim": false,
			"id": "pedagogisch_medewerker",
			"org_types": [
				"kinderopvang"
			]
		},
		"schoolmaatschappelijk_werker": {
			"beroepsgeheim": true,
			"id": "schoolmaatschappelijk_werker",
			"org_types": [
				"zorgaanbieder",
				"gemeente"
			]
		},
		"studieloopbaanbegeleider": {
			"beroepsgeheim": false,
			"id": "studieloopbaanbegeleider",
			"org_types": [
				"school_mbo"
			]
		},
		"veilig_thuis_medewerker": {
			"beroepsgeheim": true,
			"id": "veilig_thuis_medewerker",
			"org_types": [
				"veilig_thuis"
			]
		},
		"wijkcoach": {
			"beroepsgeheim": true,
			"id": "wijkcoach",
			"org_types": [
				"gemeente"
			]
		},
		"zorgcoordinator": {
			"beroepsgeheim": false,
			"id": "zorgcoordinator",
			"org_types": [
				"school_vo"
			]
		}
	},
	"routes": {
		"aanvraag_tlv": {
			"samenwerkingsverband": {
				"school_mbo": "S2",
				"school_po": "S2",
				"school_vo": "S2"
			},
			"school_mbo": {
				"samenwerkingsverband": "S1"
			},
			"school_po": {
				"samenwerkingsverband": "S1"
			},
			"school_vo": {
				"samenwerkingsverband": "S1"
			}
		},
		"acuut_gevaar": {
			"gecertificeerde_instelling": {
				"gecertificeerde_instelling": "G3",
				"gemeente": "G3",
				"jgz": "G3",
				"kennispunt": "G3",
				"kinderopvang": "G3",
				"samenwerkingsverband": "G3",
				"school_mbo": "G3",
				"school_po": "G3",
				"school_vo": "G3",
				"veilig_thuis": "G3",
				"verwijsindex": "G3",
				"zorgaanbieder": "G3"
			},
			"gemeente": {
				"gecertificeerde_instelling": "G3",
				"gemeente": "G3",
				"jgz": "G3",
				"kennispunt": "G3",
				"kinderopvang": "G3",
				"samenwerkingsverband": "G3",
				"school_mbo": "G3",
				"school_po": "G3",
				"school_vo": "G3",
				"veilig_thuis": "G3",
				"verwijsindex": "G3",
				"zorgaanbieder": "G3"
			},
			"jgz": {
				"gecertificeerde_instelling": "G3",
				"gemeente": "G3",
				"jgz": "G3",
				"kennispunt": "G3",
				"kinderopvang": "G3",
				"samenwerkingsverband": "G3",
				"school_mbo": "G3",
				"school_po": "G3",
				"school_vo": "G3",
				"veilig_thuis": "G3",
				"verwijsindex": "G3",
				"zorgaanbieder": "G3"
			},
			"kennispunt": {
				"gecertificeerde_instelling": "G3",
				"gemeente": "G3",
				"jgz": "G3",
				"kennispunt": "G3",
				"kinderopvang": "G3",
				"samenwerkingsverband": "G3",
				"school_mbo": "G3",
				"school_po": "G3",
				"school_vo": "G3",
				"veilig_thuis": "G3",
				"verwijsindex": "G3",
				"zorgaanbieder": "G3"
			},
			"kinderopvang": {
				"gecertificeerde_instelling": "G3",
				"gemeente": "G3",
				"jgz": "G3",
				"kennispunt": "G3",
				"kinderopvang": "G3",
				"samenwerkingsverband": "G3",
				"school_mbo": "G3",
				"school_po": "G3",
				"school_vo": "G3",
				"veilig_thuis": "G3",
				"verwijsindex": "G3",
				"zorgaanbieder": "G3"
			},
			"samenwerkingsverband": {
				"gecertificeerde_instelling": "G3",
				"gemeente": "G3",
				"jgz": "G3",
				"kennispunt": "G3",
				"kinderopvang": "G3",
				"samenwerkingsverband": "G3",
				"school_mbo": "G3",
				"school_po": "G3",
				"school_vo": "G3",
				"veilig_thuis": "G3",
				"verwijsindex": "G3",
				"zorgaanbieder": "G3"
			},
			"school_mbo": {
				"gecertificeerde_instelling": "G3",
				"gemeente": "G3",
				"jgz": "G3",
				"kennispunt": "G3",
				"kinderopvang": "G3",
				"samenwerkingsverband": "G3",
				"school_mbo": "G3",
				"school_po": "G3",
				"school_vo": "G3",
				"veilig_thuis": "G3",
				"verwijsindex": "G3",
				"zorgaanbieder": "G3"
			},
			"school_po": {
				"gecertificeerde_instelling": "G3",
				"gemeente": "G3",
				"jgz": "G3",
				"kennispunt": "G3",
				"kinderopvang": "G3",
				"samenwerkingsverband": "G3",
				"school_mbo": "G3",
				"school_po": "G3",
				"school_vo": "G3",
				"veilig_thuis": "G3",
				"verwijsindex": "G3",
				"zorgaanbieder": "G3"
			},
			"school_vo": {
				"gecertificeerde_instelling": "G3",
				"gemeente": "G3",
				"jgz": "G3",
				"kennispunt": "G3",
				"kinderopvang": "G3",
				"samenwerkingsverband": "G3",
				"school_mbo": "G3",
				"school_po": "G3",
				"school_vo": "G3",
				"veilig_thuis": "G3",
				"verwijsindex": "G3",
				"zorgaanbieder": "G3"
			},
			"veilig_thuis": {
				"gecertificeerde_instelling": "G3",
				"gemeente": "G3",
				"jgz": "G3",
				"kennispunt": "G3",
				"kinderopvang": "G3",
				"samenwerkingsverband": "G3",
				"school_mbo": "G3",
				"school_po": "G3",
				"school_vo": "G3",
				"veilig_thuis": "G3",
				"verwijsindex": "G3",
				"zorgaanbieder": "G3"
			},
			"verwijsindex": {
				"gecertificeerde_instelling": "G3",
				"gemeente": "G3",
				"jgz": "G3",
				"kennispunt": "G3",
				"kinderopvang": "G3",
				"samenwerkingsverband": "G3",
				"school_mbo": "G3",
				"school_po": "G3",
				"school_vo": "G3",
				"veilig_thuis": "G3",
				"verwijsindex": "G3",
				"zorgaanbieder": "G3"
			},
			"zorgaanbieder": {
				"gecertificeerde_instelling": "G3",
				"gemeente": "G3",
				"jgz": "G3",
				"kennispunt": "G3",
				"kinderopvang": "G3",
				"samenwerkingsverband": "G3",
				"school_mbo": "G3",
				"school_po": "G3",
				"school_vo": "G3",
				"veilig_thuis": "G3",
				"verwijsindex": "G3",
				"zorgaanbieder": "G3"
			}
		},
		"afstemming_hulp_onderwijs": {
			"school_mbo": {
				"gemeente": "A1",
				"zorgaanbieder": "A1"
			},
			"school_po": {
				"gemeente": "A1",
				"zorgaanbieder": "A1"
			},
			"school_vo": {
				"gemeente": "A1",
				"zorgaanbieder": "A1"
			}
		},
		"afstemming_ipt": {
			"gemeente": {
				"gemeente": "K1",
				"jgz": "K1",
				"kinderopvang": "K1",
				"samenwerkingsverband": "K1",
				"school_mbo": "K1",
				"school_po": "K1",
				"school_vo": "K1",
				"zorgaanbieder": "K1"
			},
			"jgz": {
				"gemeente": "K1",
				"jgz": "K1",
				"kinderopvang": "K1",
				"samenwerkingsverband": "K1",
				"school_mbo": "K1",
				"school_po": "K1",
				"school_vo": "K1",
				"zorgaanbieder": "K1"
			},
			"kinderopvang": {
				"gemeente": "K1",
				"jgz": "K1",
				"kinderopvang": "K1",
				"samenwerkingsverband": "K1",
				"school_mbo": "K1",
				"school_po": "K1",
				"school_vo": "K1",
				"zorgaanbieder": "K1"
			},
			"samenwerkingsverband": {
				"gemeente": "K1",
				"jgz": "K1",
				"kinderopvang": "K1",
				"samenwerkingsverband": "K1",
				"school_mbo": "K1",
				"school_po": "K1",
				"school_vo": "K1",
				"zorgaanbieder": "K1"
			},
			"school_mbo": {
				"gemeente": "K1",
				"jgz": "K1",
				"kinderopvang": "K1",
				"samenwerkingsverband": "K1",
				"school_mbo": "K1",
				"school_po": "K1",
				"school_vo": "K1",
				"zorgaanbieder": "K1"
			},
			"school_po": {
				"gemeente": "K1",
				"jgz": "K1",
				"kinderopvang": "K1",
				"samenwerkingsverband": "K1",
				"school_mbo": "K1",
				"school_po": "K1",
				"school_vo": "K1",
				"zorgaanbieder": "K1"
			},
			"school_vo": {
				"gemeente": "K1",
				"jgz": "K1",
				"kinderopvang": "K1",
				"samenwerkingsverband": "K1",
				"school_mbo": "K1",
				"school_po": "K1",
				"school_vo": "K1",
				"zorgaanbieder": "K1"
			},
			"zorgaanbieder": {
				"gemeente": "K1",
				"jgz": "K1",
				"kinderopvang": "K1",
				"samenwerkingsverband": "K1",
				"school_mbo": "K1",
				"school_po": "K1",
				"school_vo": "K1",
				"zorgaanbieder": "K1"
			}
		},
		"afstemming_jgz_onderwijs": {
			"jgz": {
				"school_mbo": "D5",
				"school_po": "D5",
				"school_vo": "D5"
			},
			"school_mbo": {
				"jgz": "D4"
			},
			"school_po": {
				"jgz": "D4"
			},
			"school_vo": {
				"jgz": "D4"
			}
		},
		"afstemming_ondersteuning": {
			"gemeente": {
				"school_mbo": "B2",
				"school_po": "B2",
				"school_vo": "B2"
			},
			"school_mbo": {
				"gemeente": "B1"
			},
			"school_po": {
				"gemeente": "B1"
			},
			"school_vo": {
				"gemeente": "B1"
			}
		},
		"anoniem_consult": {
			"gecertificeerde_instelling": {
				"gecertificeerde_instelling": "N1",
				"gemeente": "N1",
				"jgz": "N1",
				"kennispunt": "N1",
				"kinderopvang": "N1",
				"samenwerkingsverband": "N1",
				"school_mbo": "N1",
				"school_po": "N1",
				"school_vo": "N1",
				"veilig_thuis": "N1",
				"verwijsindex": "N1",
				"zorgaanbieder": "N1"
			},
			"gemeente": {
				"gecertificeerde_instelling": "N1",
				"gemeente": "N1",
				"jgz": "N1",
				"kennispunt": "N1",
				"kinderopvang": "N1",
				"samenwerkingsverband": "N1",
				"school_mbo": "N1",
				"school_po": "N1",
				"school_vo": "N1",
				"veilig_thuis": "N1",
				"verwijsindex": "N1",
				"zorgaanbieder": "N1"
			},
			"jgz": {
				"gecertificeerde_instelling": "N1",
				"gemeente": "N1",
				"jgz": "N1",
				"kennispunt": "N1",
				"kinderopvang": "N1",
				"samenwerkingsverband": "N1",
				"school_mbo": "N1",
				"school_po": "N1",
				"school_vo": "N1",
				"veilig_thuis": "N1",
				"verwijsindex": "N1",
				"zorgaanbieder": "N1"
			},
			"kennispunt": {
				"gecertificeerde_instelling": "N1",
				"gemeente": "N1",
				"jgz": "N1",
				"kennispunt": "N1",
				"kinderopvang": "N1",
				"samenwerkingsverband": "N1",
				"school_mbo": "N1",
				"school_po": "N1",
				"school_vo": "N1",
				"veilig_thuis": "N1",
				"verwijsindex": "N1",
				"zorgaanbieder": "N1"
			},
			"kinderopvang": {
				"gecertificeerde_instelling": "N1",
				"gemeente": "N1",
				"jgz": "N1",
				"kennispunt": "N1",
				"kinderopvang": "N1",
				"samenwerkingsverband": "N1",
				"school_mbo": "N1",
				"school_po": "N1",
				"school_vo": "N1",
				"veilig_thuis": "N1",
				"verwijsindex": "N1",
				"zorgaanbieder": "N1"
			},
			"samenwerkingsverband": {
				"gecertificeerde_instelling": "N1",
				"gemeente": "N1",
				"jgz": "N1",
				"kennispunt": "N1",
				"kinderopvang": "N1",
				"samenwerkingsverband": "N1",
				"school_mbo": "N1",
				"school_po": "N1",
				"school_vo": "N1",
				"veilig_thuis": "N1",
				"verwijsindex": "N1",
				"zorgaanbieder": "N1"
			},
			"school_mbo": {
				"gecertificeerde_instelling": "N1",
				"gemeente": "N1",
				"jgz": "N1",
				"kennispunt": "N1",
				"kinderopvang": "N1",
				"samenwerkingsverband": "N1",
				"school_mbo": "N1",
				"school_po": "N1",
				"school_vo": "N1",
				"veilig_thuis": "N1",
				"verwijsindex": "N1",
				"zorgaanbieder": "N1"
			},
			"school_po": {
				"gecertificeerde_instelling": "N1",
				"gemeente": "N1",
				"jgz": "N1",
				"kennispunt": "N1",
				"kinderopvang": "N1",
				"samenwerkingsverband": "N1",
				"school_mbo": "N1",
				"school_po": "N1",
				"school_vo": "N1",
				"veilig_thuis": "N1",
				"verwijsindex": "N1",
				"zorgaanbieder": "N1"
			},
			"school_vo": {
				"gecertificeerde_instelling": "N1",
				"gemeente": "N1",
				"jgz": "N1",
				"kennispunt": "N1",
				"kinderopvang": "N1",
				"samenwerkingsverband": "N1",
				"school_mbo": "N1",
				"school_po": "N1",
				"school_vo": "N1",
				"veilig_thuis": "N1",
				"verwijsindex": "N1",
				"zorgaanbieder": "N1"
			},
			"veilig_thuis": {
				"gecertificeerde_instelling": "N1",
				"gemeente": "N1",
				"jgz": "N1",
				"kennispunt": "N1",
				"kinderopvang": "N1",
				"samenwerkingsverband": "N1",
				"school_mbo": "N1",
				"school_po": "N1",
				"school_vo": "N1",
				"veilig_thuis": "N1",
				"verwijsindex": "N1",
				"zorgaanbieder": "N1"
			},
			"verwijsindex": {
				"gecertificeerde_instelling": "N1",
				"gemeente": "N1",
				"jgz": "N1",
				"kennispunt": "N1",
				"kinderopvang": "N1",
				"samenwerkingsverband": "N1",
				"school_mbo": "N1",
				"school_po": "N1",
				"school_vo": "N1",
				"veilig_thuis": "N1",
				"verwijsindex": "N1",
				"zorgaanbieder": "N1"
			},
			"zorgaanbieder": {
				"gecertificeerde_instelling": "N1",
				"gemeente": "N1",
				"jgz": "N1",
				"kennispunt": "N1",
				"kinderopvang": "N1",
				"samenwerkingsverband": "N1",
				"school_mbo": "N1",
				"school_po": "N1",
				"school_vo": "N1",
				"veilig_thuis": "N1",
				"verwijsindex": "N1",
				"zorgaanbieder": "N1"
			}
		},
		"continuiteit_jgz": {
			"jgz": {
				"jgz": "D3"
			}
		},
		"handhaving_leerplicht": {
			"gemeente": {
				"school_mbo": "C2",
				"school_po": "C2",
				"school_vo": "C2"
			},
			"school_mbo": {
				"gemeente": "C1"
			},
			"school_po": {
				"gemeente": "C1"
			},
			"school_vo": {
				"gemeente": "C1"
			}
		},
		"jeugdbescherming": {
			"gecertificeerde_instelling": {
				"gecertificeerde_instelling": "G4"
			},
			"gemeente": {
				"gecertificeerde_instelling": "G4"
			},
			"jgz": {
				"gecertificeerde_instelling": "G4"
			},
			"kennispunt": {
				"gecertificeerde_instelling": "G4"
			},
			"kinderopvang": {
				"gecertificeerde_instelling": "G4"
			},
			"samenwerkingsverband": {
				"gecertificeerde_instelling": "G4"
			},
			"school_mbo": {
				"gecertificeerde_instelling": "G4"
			},
			"school_po": {
				"gecertificeerde_instelling": "G4"
			},
			"school_vo": {
				"gecertificeerde_instelling": "G4"
			},
			"veilig_thuis": {
				"gecertificeerde_instelling": "G4"
			},
			"verwijsindex": {
				"gecertificeerde_instelling": "G4"
			},
			"zorgaanbieder": {
				"gecertificeerde_instelling": "G4"
			}
		},
		"medische_advisering_verzuim": {
			"jgz": {
				"gemeente": "D6"
			},
			"school_mbo": {
				"jgz": "D1"
			},
			"school_po": {
				"jgz": "D1"
			},
			"school_vo": {
				"jgz": "D1"
			}
		},
		"melding_huiselijk_geweld": {
			"gecertificeerde_instelling": {
				"veilig_thuis": "G1"
			},
			"gemeente": {
				"veilig_thuis": "G1"
			},
			"jgz": {
				"veilig_thuis": "G1"
			},
			"kennispunt": {
				"veilig_thuis": "G1"
			},
			"kinderopvang": {
				"veilig_thuis": "G1"
			},
			"samenwerkingsverband": {
				"veilig_thuis": "G1"
			},
			"school_mbo": {
				"veilig_thuis": "G1"
			},
			"school_po": {
				"veilig_thuis": "G1"
			},
			"school_vo": {
				"veilig_thuis": "G1"
			},
			"veilig_thuis": {
				"veilig_thuis": "G1"
			},
			"verwijsindex": {
				"veilig_thuis": "G1"
			},
			"zorgaanbieder": {
				"veilig_thuis": "G1"
			}
		},
		"monitoring_samenwerking": {
			"gecertificeerde_instelling": {
				"kennispunt": "M1"
			},
			"gemeente": {
				"kennispunt": "M1"
			},
			"jgz": {
				"kennispunt": "M1"
			},
			"kennispunt": {
				"kennispunt": "M1"
			},
			"kinderopvang": {
				"kennispunt": "M1"
			},
			"samenwerkingsverband": {
				"kennispunt": "M1"
			},
			"school_mbo": {
				"kennispunt": "M1"
			},
			"school_po": {
				"kennispunt": "M1"
			},
			"school_vo": {
				"kennispunt": "M1"
			},
			"veilig_thuis": {
				"kennispunt": "M1"
			},
			"verwijsindex": {
				"kennispunt": "M1"
			},
			"zorgaanbieder": {
				"kennispunt": "M1"
			}
		},
		"onderzoek_veilig_thuis": {
			"gecertificeerde_instelling": {
				"veilig_thuis": "G2"
			},
			"gemeente": {
				"veilig_thuis": "G2"
			},
			"jgz": {
				"veilig_thuis": "G2"
			},
			"kennispunt": {
				"veilig_thuis": "G2"
			},
			"kinderopvang": {
				"veilig_thuis": "G2"
			},
			"samenwerkingsverband": {
				"veilig_thuis": "G2"
			},
			"school_mbo": {
				"veilig_thuis": "G2"
			},
			"school_po": {
				"veilig_thuis": "G2"
			},
			"school_vo": {
				"veilig_thuis": "G2"
			},
			"veilig_thuis": {
				"veilig_thuis": "G2"
			},
			"verwijsindex": {
				"veilig_thuis": "G2"
			},
			"zorgaanbieder": {
				"veilig_thuis": "G2"
			}
		},
		"overdracht_jeugdhulp": {
			"gemeente": {
				"zorgaanbieder": "H2"
			},
			"zorgaanbieder": {
				"gemeente": "H3",
				"zorgaanbieder": "H1"
			}
		},
		"overdracht_jonge_kind": {
			"jgz": {
				"kinderopvang": "D7",
				"school_po": "D7"
			}
		},
		"overdracht_onderwijskundig_rapport": {
			"school_po": {
				"school_vo": "E1"
			},
			"school_vo": {
				"school_mbo": "E2",
				"school_vo": "E2"
			}
		},
		"overdracht_voorschool": {
			"kinderopvang": {
				"school_po": "E3"
			}
		},
		"schoolparticipatie": {
			"jgz": {
				"school_mbo": "D2",
				"school_po": "D2",
				"school_vo": "D2"
			}
		},
		"signalering_verwijsindex": {
			"gecertificeerde_instelling": {
				"verwijsindex": "F1"
			},
			"gemeente": {
				"verwijsindex": "F1"
			},
			"jgz": {
				"verwijsindex": "F1"
			},
			"kennispunt": {
				"verwijsindex": "F1"
			},
			"kinderopvang": {
				"verwijsindex": "F1"
			},
			"samenwerkingsverband": {
				"verwijsindex": "F1"
			},
			"school_mbo": {
				"verwijsindex": "F1"
			},
			"school_po": {
				"verwijsindex": "F1"
			},
			"school_vo": {
				"verwijsindex": "F1"
			},
			"veilig_thuis": {
				"verwijsindex": "F1"
			},
			"verwijsindex": {
				"verwijsindex": "F1"
			},
			"zorgaanbieder": {
				"verwijsindex": "F1"
			}
		},
		"terugkoppeling_hulp": {
			"gemeente": {
				"school_mbo": "A2",
				"school_po": "A2",
				"school_vo": "A2"
			},
			"zorgaanbieder": {
				"school_mbo": "A2",
				"school_po": "A2",
				"school_vo": "A2"
			}
		}
	},
	"verzuim_threshold_hours": 16
}
