package policy

import "github.com/open-policy-agent/opa/v1/ast"

// OPAInput returns the input exactly as the engine hands it to the Rego
// (every time as nanoseconds since the Unix epoch), so another OPA can be
// asked the same question.
func (in *Input) OPAInput() ast.Value { return in.value() }
