package main

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc/status"

	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

const consoleLoginUsage = `usage: schakel console login --config FILE --cert CLIENT.pem --key CLIENT.key [--user NAME]

Asks the running node for a new one-time login link to its web console
(single use, valid ten minutes) and prints it: for when the link the node
wrote to its log at start has expired or was used. --user names a console
user from console.users (default: beheerder, the start-up link's user).

The client certificate is one of the organisation's local CA, as its own
systems use, listed in local.clients. It must hold every permission of the
console user: a link never grants more than the client asking for it has.
Whoever can read the printed link can log in with it until it is used.
`

var consoleGroup = &group{name: "schakel console", cmds: []command{
	{name: "login", summary: "a new one-time login link to the running node's web console", run: cmdConsoleLogin},
}}

func cmdConsoleLogin(args []string, s stdio) int {
	fs := newFlags(s, "schakel console login", consoleLoginUsage)
	cfgPath := fs.configFlag()
	certPath := fs.String("cert", "", "local client certificate")
	keyPath := fs.String("key", "", "its private key")
	user := fs.String("user", "", "console user (default beheerder)")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if *certPath == "" || *keyPath == "" {
		return fs.usageError("--cert and --key are required (a local client of the node)")
	}
	cfg, code, ok := fs.loadConfig(*cfgPath, true)
	if !ok {
		return code
	}
	if !cfg.Console.Enabled() {
		return fs.fail(fmt.Errorf("the console is off in %s (set console.listen)", *cfgPath))
	}
	conn, addr, err := dialLocal(cfg, *certPath, *keyPath)
	if err != nil {
		return fs.fail(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := localv1.NewConsoleServiceClient(conn).CreateLoginLink(ctx, &localv1.CreateLoginLinkRequest{User: *user})
	if err != nil {
		if st, ok := status.FromError(err); ok {
			err = fmt.Errorf("%s: %s", addr, st.Message())
		}
		return fs.fail(err)
	}
	fmt.Fprintf(s.out, "console (%s): %s\n", resp.GetUser(), resp.GetUrl())
	fmt.Fprintf(s.err, "one-time link, valid until %s\n", resp.GetExpiresAt().AsTime().Local().Format(time.RFC3339))
	return 0
}
