package outbound

import (
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"

	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/internal/testpki"
)

// TestConnectionsAreReplacedAfterMaxAge: the pool hands out a new
// connection (so a new handshake, with the server's certificate verified
// again) once the old one is older than MaxAge, and closes the old one after
// the grace.
func TestConnectionsAreReplacedAfterMaxAge(t *testing.T) {
	ca := testpki.New(t)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	pl := New(Config{Cert: ca.Issue(t, "00000001000000000001", "School").TLS, Anchors: ca.Pool(),
		MaxAge: time.Minute, MaxAgeGrace: 50 * time.Millisecond, Now: clock})
	defer pl.Close()
	p := identity.Peer{OIN: "00000001000000000002", Address: "127.0.0.1:1"}
	c1, err := pl.Conn(p)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := pl.Conn(p); again != c1 {
		t.Fatal("a young connection was not reused")
	}
	mu.Lock()
	now = now.Add(61 * time.Second)
	mu.Unlock()
	c2, err := pl.Conn(p)
	if err != nil {
		t.Fatal(err)
	}
	if c2 == c1 {
		t.Fatal("a connection older than MaxAge was reused")
	}
	deadline := time.Now().Add(5 * time.Second)
	for c1.(*grpc.ClientConn).GetState() != connectivity.Shutdown {
		if time.Now().After(deadline) {
			t.Fatal("the replaced connection was not closed after the grace")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if c2.(*grpc.ClientConn).GetState() == connectivity.Shutdown {
		t.Error("the new connection was closed")
	}
}
