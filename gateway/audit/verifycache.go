package audit

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"sync"
	"sync/atomic"
)

// verified remembers signatures that verified, so the same (key, message,
// signature) is checked by the curve arithmetic once: a recipient verifies a
// holder's checkpoint and receipt when the response arrives and again when it
// stores the receipt, and every record of one group-commit batch carries the
// same signed checkpoint. A verification is a pure function of the three
// inputs and the cache key is a SHA-256 over all three, so a hit can only be
// a triple that verified before; failures are never cached.
var verified = &sigCache{m: make(map[[32]byte]struct{})}

// maxVerified bounds the cache; it is emptied when full.
const maxVerified = 8192

type sigCache struct {
	mu sync.Mutex
	m  map[[32]byte]struct{}
	// checks counts the verifications actually computed (for tests).
	checks atomic.Int64
}

func sigKey(pub crypto.PublicKey, msg, sig []byte) ([32]byte, bool) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return [32]byte{}, false
	}
	h := sha256.New()
	for _, part := range [][]byte{der, msg, sig} {
		var n [8]byte
		for i, l := 0, uint64(len(part)); i < 8; i++ {
			n[i] = byte(l >> (8 * i))
		}
		h.Write(n[:]) // length-prefixed: no ambiguity between the parts
		h.Write(part)
	}
	var k [32]byte
	h.Sum(k[:0])
	return k, true
}

// verifyCached is verifyBytes with the cache of good signatures.
func verifyCached(pub crypto.PublicKey, msg, sig []byte, verify func(crypto.PublicKey, []byte, []byte) bool) bool {
	k, ok := sigKey(pub, msg, sig)
	if ok {
		verified.mu.Lock()
		_, hit := verified.m[k]
		verified.mu.Unlock()
		if hit {
			return true
		}
	}
	verified.checks.Add(1)
	if !verify(pub, msg, sig) {
		return false
	}
	if ok {
		verified.mu.Lock()
		if len(verified.m) >= maxVerified {
			clear(verified.m)
		}
		verified.m[k] = struct{}{}
		verified.mu.Unlock()
	}
	return true
}
