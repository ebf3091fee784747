package main

import "fmt"

const policyUsage = `usage: schakel policy <eval|test|explain|data|build|keygen|sign|verify|diff|status> [flags]`

// runPolicy dispatches the policy subcommands.
func runPolicy(args []string, s stdio) int {
	if len(args) == 0 {
		fmt.Fprintln(s.err, policyUsage)
		return 2
	}
	switch args[0] {
	// Each subcommand lives in its own file: policy_eval.go (eval, test,
	// explain, data), policy_sign.go (build, keygen, sign, verify),
	// policy_diff.go (diff), policy_status.go (status).
	case "eval":
		return cmdPolicyEval(args[1:], s)
	case "test":
		return cmdPolicyTest(args[1:], s)
	case "explain":
		return cmdPolicyExplain(args[1:], s)
	case "data":
		return cmdPolicyData(args[1:], s)
	case "build":
		return cmdPolicyBuild(args[1:], s)
	case "keygen":
		return cmdPolicyKeygen(args[1:], s)
	case "sign":
		return cmdPolicySign(args[1:], s)
	case "verify":
		return cmdPolicyVerify(args[1:], s)
	case "diff":
		return cmdPolicyDiff(args[1:], s)
	case "status":
		return cmdPolicyStatus(args[1:], s)
	}
	fmt.Fprintf(s.err, "schakel policy: unknown subcommand %q\n%s\n", args[0], policyUsage)
	return 2
}
