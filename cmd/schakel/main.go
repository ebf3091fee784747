// Command schakel is the Schakel gateway node and its tooling: one binary with
// subcommands. This file only wires: the command tables below dispatch to
// the subcommand files; cli.go holds the pattern they all follow.
package main

import (
	"io"
	"os"
)

// stdio carries the standard streams, so subcommands can be tested without a
// process.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// Each group's subcommands live in their own files: policy_eval.go (eval,
// test, explain, data), policy_sign.go (build, keygen, sign, verify),
// policy_diff.go (diff), policy_status.go (status), audit.go, certs.go,
// notify.go, serve.go, console.go.
var (
	policyGroup = &group{name: "schakel policy", cmds: []command{
		{name: "eval", summary: "one decision as JSON (--input FILE|-)", run: cmdPolicyEval},
		{name: "test", summary: "run the pack's Rego tests and scenarios", run: cmdPolicyTest},
		{name: "explain", summary: "one decision explained in Dutch (--input FILE|-)", run: cmdPolicyExplain},
		{name: "data", summary: "the rules as the pack's Rego reads them", run: cmdPolicyData},
		{name: "build", summary: "the deterministic archive of a pack folder", run: cmdPolicyBuild},
		{name: "keygen", summary: "a signing key pair (NAME.key, NAME.pub)", run: cmdPolicyKeygen},
		{name: "sign", summary: "a detached signature of an archive", run: cmdPolicySign},
		{name: "verify", summary: "check an archive as a node would: signatures, key expiry, pack, tests", run: cmdPolicyVerify},
		{name: "diff", summary: "what changes from pack OLD to pack NEW, in Dutch", run: cmdPolicyDiff},
		{name: "status", summary: "the pack a node runs and the last one it refused", run: cmdPolicyStatus},
		{name: "install", summary: "put a signed archive and its signatures in place on this node, atomically", run: cmdPolicyInstall},
		{name: "export", summary: "the pack a node runs (or the built-in one) as an editable folder", run: cmdPolicyExport},
	}}
	auditGroup = &group{name: "schakel audit", footer: auditFooter, cmds: []command{
		{name: "verify", summary: "recompute the Merkle tree and check every record, checkpoint and receipt", run: runAuditVerify},
		{name: "inzage", summary: "every record about one child, oldest first (--bsn)", run: runAuditInzage},
		{name: "receipts", summary: "the holders' signed receipts this node stored as recipient", run: runAuditReceipts},
		{name: "export", summary: "the records as JSON lines (Logboek Dataverwerkingen)", run: runAuditExport},
		{name: "prune", summary: "delete the details of records whose retention expired", run: runAuditPrune},
		{name: "witness", summary: "the peers' audit logs as this node witnessed them; exit 1 if one was inconsistent", run: runAuditWitness},
	}}
	certsGroup = &group{name: "schakel certs", footer: certsFooter, cmds: []command{
		{name: "init", summary: "create a development federation CA (DIR/ca.pem, DIR/ca.key)", run: runCertsInit},
		{name: "issue", summary: "issue an organisation certificate (OUT/<OIN>.pem, OUT/<OIN>.key)", run: runCertsIssue},
	}}
	notifyGroup = &group{name: "schakel notify", cmds: []command{
		{name: "status", summary: "the node's outgoing notifications and their attempts", run: cmdNotifyStatus},
	}}
	rootGroup = &group{name: "schakel", cmds: []command{
		{name: "serve", summary: "run a gateway node (--config FILE)", run: cmdServe},
		{name: "validate-config", summary: "check a node configuration (--config FILE)", run: cmdValidateConfig},
		{name: "policy", summary: "eval, test, explain, data, build, keygen, sign, verify, diff, status, install, export", sub: policyGroup},
		{name: "audit", summary: "verify, inzage, receipts, export, prune, witness", sub: auditGroup},
		{name: "certs", summary: "init, issue (development PKI)", sub: certsGroup},
		{name: "notify", summary: "status", sub: notifyGroup},
		{name: "source", summary: "check (a school's LVS export)", sub: sourceGroup},
		{name: "monitor", summary: "export, report (regional monitoring, M1)", sub: monitorGroup},
		{name: "directory", summary: "build, sign, verify, diff (signed peer directory)", sub: directoryGroup},
		{name: "console", summary: "login (a new one-time link to the web console)", sub: consoleGroup},
		{name: "backup", summary: "an online copy of the node's stores and secret (--config FILE --out DIR)", run: cmdBackup},
		{name: "restore", summary: "put a backup back into an empty data folder (--config FILE --from DIR)", run: cmdRestore},
		{name: "allow-downgrade", summary: "let a stopped node go back to an older policy pack or peer directory (audited)", run: cmdAllowDowngrade},
		{name: "version", summary: "version, commit and policy contract version [--json]", run: cmdVersion},
	}}
)

func main() {
	os.Exit(run(os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}))
}

// run dispatches a command line; it returns the process exit code.
func run(args []string, s stdio) int { return rootGroup.run(args, s) }

// runAudit and runCerts dispatch one group (the tests call them).
func runAudit(args []string, s stdio) int { return auditGroup.run(args, s) }
func runCerts(args []string, s stdio) int { return certsGroup.run(args, s) }
