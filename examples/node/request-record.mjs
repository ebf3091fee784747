// @ts-check
// Jeugdzorg Twente's dossier system asks Bas's basisschool (OBS De Esch), through its own
// Schakel node, for a child's record: JSON over HTTPS on the node's local
// listener with the organisation's local client certificate. Node.js
// standard library only (no npm install). Environment as in
// examples/curl/request-record.sh; defaults fit `make demo`.
//
//   node examples/node/request-record.mjs
import { readFileSync } from "node:fs";
import { request } from "node:https";

const demo = process.env.DEMO ?? "demo/run";
const oin = "00000001000000000002";
const url = new URL(process.env.SCHAKEL_URL ?? "https://127.0.0.1:18112");
const tls = {
  cert: readFileSync(process.env.SCHAKEL_CERT ?? `${demo}/zorg/client/${oin}.pem`),
  key: readFileSync(process.env.SCHAKEL_KEY ?? `${demo}/zorg/client/${oin}.key`),
  ca: readFileSync(process.env.SCHAKEL_CA ?? `${demo}/federation-ca/ca.pem`),
  minVersion: /** @type {const} */ ("TLSv1.3"),
};

/**
 * Calls one local API method. Resolves with the JSON answer; rejects with
 * an Error carrying the HTTP status, the gRPC code and the ErrorInfo reason
 * (the same reasons as over gRPC, e.g. UNKNOWN_PEER, INVALID_REQUEST).
 * @param {"GET"|"POST"} method
 * @param {string} path
 * @param {object} [body]
 * @returns {Promise<any>}
 */
function call(method, path, body) {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, url),
      {
        method,
        ...tls,
        headers: data === undefined ? {} : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => {
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            return reject(new Error(`HTTP ${res.statusCode}: not JSON: ${text.slice(0, 200)}`));
          }
          if (res.statusCode !== 200) {
            const info = (json.details ?? []).find((d) => d["@type"] === "type.googleapis.com/google.rpc.ErrorInfo");
            const err = new Error(`HTTP ${res.statusCode}: ${json.message} (${info?.reason ?? "no reason"})`);
            Object.assign(err, { status: res.statusCode, code: json.code, reason: info?.reason });
            return reject(err);
          }
          resolve(json);
        });
      },
    );
    req.on("error", reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

// Read the vocabulary instead of copying ids out of the pack: they change
// with the pack, and the node reports the revision it decides with.
const vocabulary = await call("GET", "/v1/vocabulary");
const flow = vocabulary.flows.find((f) => f.id === "A1");
if (!flow) throw new Error(`pack ${vocabulary.revision} has no flow A1`);

const answer = await call("POST", "/v1/record-requests", {
  holder_oin: process.env.HOLDER_OIN ?? "00000001000000000004",
  purpose: flow.purpose,
  bsn: process.env.BSN ?? "999990196",
  categories: ["identificatie", "verzuim", "opp"].filter((c) => flow.categories.includes(c)),
  role: "jeugdhulpverlener",
  relation: true,
});

const d = answer.decision;
console.log(JSON.stringify({
  pack: vocabulary.revision,
  allow: d.allow,
  flow: d.flow,
  released: d.categories,
  withheld: d.withheld,
  reasons: d.reasons.map((r) => `${r.code}: ${r.message}`),
  record: answer.record,
}, null, 2));
