package crashtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/schakel/schakel/internal/testnode"
)

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// schakelBin builds cmd/schakel once per test binary.
func schakelBin(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("process-level test: builds the schakel binary and runs node processes (skipped with -short)")
	}
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "schakel-crashtest-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "schakel")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/schakel/schakel/cmd/schakel")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// proc is a running `schakel serve` process.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  *testnode.SyncBuffer
	done chan struct{}
	err  error
}

// serve starts `schakel serve --config cfg`; its log goes to logs.
func serve(t *testing.T, bin, name, cfg string, logs *testnode.SyncBuffer) *proc {
	t.Helper()
	p := &proc{name: name, log: logs, done: make(chan struct{})}
	p.cmd = exec.Command(bin, "serve", "--config", cfg)
	p.cmd.Stdout, p.cmd.Stderr = logs, logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill(t) })
	return p
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill(_ *testing.T) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM (graceful shutdown) and waits.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Errorf("%s did not stop on SIGTERM; killing", p.name)
		p.kill(t)
	}
}

// waitServing waits until the node's local listener reports SERVING.
func waitServing(t *testing.T, p *proc, conn *grpc.ClientConn) {
	t.Helper()
	hc := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("%s exited: %v\n%s", p.name, p.err, p.log.String())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		resp, err := hc.Check(ctx, &healthpb.HealthCheckRequest{})
		cancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s not serving after 30s\n%s", p.name, p.log.String())
}

// schakel runs a schakel subcommand and returns its exit code and output.
func schakel(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("schakel %v: %v", args, err)
	}
	return code, out.String(), errOut.String()
}
