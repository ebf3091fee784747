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
		"ziekteverzuim": {
			"description": "ziekteverzuim",
			"id": "ziekteverzuim",
			"special": true
		}
	},
	"consent": {
		"attested_consent": false,
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
					"parents_required": 1
				}
			},
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
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
			"id": "A1",
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
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"relation": true,
				"residence": true
			},
			"residence": true,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "School deelt met jeugdhulp of wijkteam voor afstemming van hulp"
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
					"parents_required": 1
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
					"parents_required": 1
				}
			},
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
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
			"id": "B1",
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
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"relation": false,
				"residence": true
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
					"parents_required": 1
				}
			},
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
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
			"id": "B2",
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
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"relation": false,
				"residence": true
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
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
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
			"id": "C1",
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
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"relation": false,
				"residence": true
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
			"id": "C2",
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
			"recipient": {
				"accepts": {
					"": true,
					"administratie": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
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
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"relation": false,
				"residence": true
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
					"parents_required": 1
				}
			},
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
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
			"id": "D1",
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
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"relation": false,
				"residence": false
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
					"parents_required": 1
				}
			},
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
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
			"id": "D2",
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
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"relation": false,
				"residence": false
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
					"parents_required": 1
				}
			},
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
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
			"id": "D3",
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
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"relation": false,
				"residence": false
			},
			"residence": false,
			"retention_days": 1825,
			"subject_checks": [],
			"title": "JGZ draagt het dossier over aan een andere JGZ"
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
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
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
			"id": "E1",
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
				"case_reference": false,
				"enrolment": true,
				"inzage": true,
				"justification": false,
				"relation": false,
				"residence": false
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
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
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
			"id": "E2",
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
				"case_reference": false,
				"enrolment": true,
				"inzage": true,
				"justification": false,
				"relation": false,
				"residence": false
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
					"parents_required": 1
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
					"parents_required": 1
				}
			},
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
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
			"id": "E3",
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
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"relation": false,
				"residence": false
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
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
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
			"id": "F1",
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
			"recipient": {
				"accepts": {
					"": true,
					"administratie": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
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
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"relation": false,
				"residence": false
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
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
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
			"id": "G1",
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
			"recipient": {
				"accepts": {
					"": true,
					"administratie": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
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
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": true,
				"relation": false,
				"residence": false
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
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
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
			"id": "G2",
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
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": true,
				"relation": false,
				"residence": false
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
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
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
			"id": "G3",
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
			"recipient": {
				"accepts": {
					"": true,
					"administratie": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
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
				"case_reference": false,
				"enrolment": false,
				"inzage": false,
				"justification": true,
				"relation": false,
				"residence": false
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
			"holder": {
				"accepts": {
					"": true,
					"administratie": true,
					"gezinsvoogd": true,
					"intern_begeleider": true,
					"jeugdarts": true,
					"jeugdhulpverlener": true,
					"jeugdverpleegkundige": true,
					"leerkracht": true,
					"leerplichtambtenaar": true,
					"mentor": true,
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
			"id": "G4",
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
				"case_reference": true,
				"enrolment": false,
				"inzage": false,
				"justification": false,
				"relation": false,
				"residence": false
			},
			"residence": false,
			"retention_days": 7300,
			"subject_checks": [],
			"title": "Informatie aan de gezinsvoogd"
		}
	},
	"messages": {
		"AGE_OUT_OF_SCOPE": "Deze gegevensstroom geldt niet voor een kind van deze leeftijd.",
		"BEROEPSGEHEIM_REQUIRED": "Alleen een professional met beroepsgeheim mag het beroepsgeheim doorbreken.",
		"CASE_REFERENCE_REQUIRED": "Voor deze gegevensstroom is een zaak- of maatregelnummer (case_reference) verplicht.",
		"CATEGORY_NOT_CONSENTED": "Voor deze gegevens is geen toestemming gegeven: %s.",
		"CATEGORY_NOT_IN_FLOW": "Deze gegevens horen niet bij deze gegevensstroom: %s.",
		"CONSENT_EXPIRED": "De toestemming van de %s is verlopen.",
		"CONSENT_MISSING": "De toestemming van de %s ontbreekt.",
		"CONSENT_WITHDRAWN": "De toestemming van de %s is ingetrokken.",
		"INZAGE_REQUIRED": "De ouders hebben het onderwijskundig rapport nog niet kunnen inzien.",
		"JUSTIFICATION_REQUIRED": "Voor deze gegevensstroom is een schriftelijke onderbouwing verplicht.",
		"MODE_NOT_ALLOWED": "Deze gegevensstroom staat deze manier van uitwisselen (vraag of melding) niet toe.",
		"NOT_ENROLLED": "Het kind is nog niet ingeschreven bij de ontvangende school.",
		"NOT_RESIDENT": "Deze gegevensstroom geldt alleen voor de gemeente waar het kind woont.",
		"NO_MATCHING_FLOW": "Er is geen gegevensstroom voor dit doel tussen deze soorten organisaties.",
		"RELATION_REQUIRED": "De ontvanger heeft geen directe hulprelatie met het kind verklaard.",
		"ROLE_NOT_ALLOWED": "De rol %s mag in deze gegevensstroom niet optreden als %s.",
		"UNKNOWN_PURPOSE": "Het doel \"%s\" staat niet in de lijst van toegestane doelen."
	},
	"org_types": {
		"gecertificeerde_instelling": {
			"care": false,
			"description": "gecertificeerde instelling (jeugdbescherming)",
			"id": "gecertificeerde_instelling",
			"residence": false
		},
		"gemeente": {
			"care": false,
			"description": "gemeente (wijkteam, leerplicht)",
			"id": "gemeente",
			"residence": true
		},
		"jgz": {
			"care": true,
			"description": "jeugdgezondheidszorg (GGD)",
			"id": "jgz",
			"residence": false
		},
		"kinderopvang": {
			"care": false,
			"description": "kinderopvang of voorschool",
			"id": "kinderopvang",
			"residence": false
		},
		"school_mbo": {
			"care": false,
			"description": "mbo-instelling",
			"id": "school_mbo",
			"residence": false
		},
		"school_po": {
			"care": false,
			"description": "basisschool",
			"id": "school_po",
			"residence": false
		},
		"school_vo": {
			"care": false,
			"description": "school voor voortgezet onderwijs",
			"id": "school_vo",
			"residence": false
		},
		"veilig_thuis": {
			"care": false,
			"description": "Veilig Thuis",
			"id": "veilig_thuis",
			"residence": false
		},
		"verwijsindex": {
			"care": false,
			"description": "verwijsindex risicojongeren",
			"id": "verwijsindex",
			"residence": false
		},
		"zorgaanbieder": {
			"care": true,
			"description": "jeugdhulpaanbieder",
			"id": "zorgaanbieder",
			"residence": false
		}
	},
	"purposes": {
		"acuut_gevaar": {
			"description": "Acuut gevaar voor het kind, doorbreking beroepsgeheim (G3)",
			"id": "acuut_gevaar"
		},
		"afstemming_hulp_onderwijs": {
			"description": "Afstemming tussen hulp en onderwijs (A1)",
			"id": "afstemming_hulp_onderwijs"
		},
		"afstemming_ondersteuning": {
			"description": "Afstemming van extra ondersteuning (B1, B2)",
			"id": "afstemming_ondersteuning"
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
		"onderzoek_veilig_thuis": {
			"description": "Onderzoek door Veilig Thuis (G2)",
			"id": "onderzoek_veilig_thuis"
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
		}
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
		"orthopedagoog": {
			"beroepsgeheim": true,
			"id": "orthopedagoog",
			"org_types": [
				"school_po",
				"school_vo",
				"school_mbo",
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
		"acuut_gevaar": {
			"gecertificeerde_instelling": {
				"gecertificeerde_instelling": "G3",
				"gemeente": "G3",
				"jgz": "G3",
				"kinderopvang": "G3",
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
				"kinderopvang": "G3",
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
				"kinderopvang": "G3",
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
				"kinderopvang": "G3",
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
				"kinderopvang": "G3",
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
				"kinderopvang": "G3",
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
				"kinderopvang": "G3",
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
				"kinderopvang": "G3",
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
				"kinderopvang": "G3",
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
				"kinderopvang": "G3",
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
			"kinderopvang": {
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
			"kinderopvang": {
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
			"kinderopvang": {
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
			"kinderopvang": {
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
		}
	}
}
