package policy

import "github.com/open-policy-agent/opa/v1/ast"

// OPAData returns the pack's data document as the engine's store holds it
// (the rules under schakel.rules), for running the same pack in another OPA
// (the benchmark's `opa run --server`). The caller must not modify it.
func (p *Pack) OPAData() map[string]any { return p.opaData }

// OPAInput returns the input exactly as the engine hands it to the Rego
// (every time as nanoseconds since the Unix epoch), so another OPA can be
// asked the same question.
func (in *Input) OPAInput() ast.Value { return in.value() }
