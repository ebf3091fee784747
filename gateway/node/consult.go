package node

import "github.com/schakel/schakel/policy"

// Engine returns the active policy engine (the consult and monitoring
// questions ask it directly).
func (p *Policy) Engine() *policy.Engine { return p.active.Load().engine }
