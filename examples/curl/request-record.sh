#!/bin/sh
# Jeugdzorg Twente's dossier system asks Bas's basisschool (OBS De Esch), through its own
# Schakel node, for a child's record: JSON over HTTPS on the node's local
# listener, with the organisation's local client certificate.
#
# Defaults fit `make demo` (the jeugdzorg node, the child Bas de Vries);
# override with the environment:
#   SCHAKEL_URL   the node's local listener   (https://127.0.0.1:18112)
#   SCHAKEL_CERT  client certificate (PEM)     (demo/run/zorg/client/<OIN>.pem)
#   SCHAKEL_KEY   its key                      (demo/run/zorg/client/<OIN>.key)
#   SCHAKEL_CA    CA of the node's certificate (demo/run/federation-ca/ca.pem)
#   HOLDER_OIN    the basisschool's OIN; BSN the child's BSN
set -eu
DEMO=${DEMO:-demo/run}
OIN=00000001000000000002
SCHAKEL_URL=${SCHAKEL_URL:-https://127.0.0.1:18112}
SCHAKEL_CERT=${SCHAKEL_CERT:-$DEMO/zorg/client/$OIN.pem}
SCHAKEL_KEY=${SCHAKEL_KEY:-$DEMO/zorg/client/$OIN.key}
SCHAKEL_CA=${SCHAKEL_CA:-$DEMO/federation-ca/ca.pem}
HOLDER_OIN=${HOLDER_OIN:-00000001000000000004}
BSN=${BSN:-999990196}

# What may this node ask for? The active pack's vocabulary (purposes,
# flows, roles, categories, reason texts) and its revision.
curl --fail-with-body --silent --show-error \
  --cert "$SCHAKEL_CERT" --key "$SCHAKEL_KEY" --cacert "$SCHAKEL_CA" \
  "$SCHAKEL_URL/v1/vocabulary" >/dev/null

# Ask the basisschool for Bas's record for flow A1 (the decision and, when
# allowed, the released categories only).
curl --fail-with-body --silent --show-error \
  --cert "$SCHAKEL_CERT" --key "$SCHAKEL_KEY" --cacert "$SCHAKEL_CA" \
  -H 'Content-Type: application/json' \
  -H "X-Request-Id: curl-example-$$" \
  --data @- "$SCHAKEL_URL/v1/record-requests" <<JSON
{
  "holder_oin": "$HOLDER_OIN",
  "purpose": "afstemming_hulp_onderwijs",
  "bsn": "$BSN",
  "categories": ["identificatie", "verzuim", "opp"],
  "role": "jeugdhulpverlener",
  "relation": true
}
JSON
echo
