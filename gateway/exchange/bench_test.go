package exchange

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"path/filepath"
	"testing"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/release"
	"github.com/schakel/schakel/gateway/source"
)

// BenchmarkMinimiseAndSign is the holder's work on one released response
// after the decision: keep only the released categories of the fetched
// record, digest it, and sign the receipt over the checkpoint (ECDSA P-256,
// the organisation key type of the dev PKI).
func BenchmarkMinimiseAndSign(b *testing.B) {
	ctx := context.Background()
	src, err := source.OpenSQLite(filepath.Join(b.TempDir(), "source.db"), source.DefaultFixture, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	kids, err := source.Children(source.DefaultFixture)
	if err != nil || len(kids) == 0 {
		b.Fatal("no fixture children", err)
	}
	all := []string{"identificatie", "onderwijs", "verzuim", "opp", "gezondheid", "observaties"}
	full, err := src.Record(ctx, kids[0].BSN, all)
	if err != nil {
		b.Fatal(err)
	}
	released := []string{"identificatie", "verzuim", "opp"}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	checkpoint := []byte("schakel.audit/00000001000000000001\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— schakel.audit/00000001000000000001 sig\n")
	b.ReportAllocs()
	for b.Loop() {
		rec := source.Project(full, released)
		digest, err := release.PayloadDigest(rec)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := audit.SignReceipt(key, release.NewID(), digest, checkpoint); err != nil {
			b.Fatal(err)
		}
	}
}
