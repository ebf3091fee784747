package server

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/schakel/schakel/gateway/identity"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// Console serves schakel.local.v1.ConsoleService: login links to the web
// console for a local client (`schakel console login`).
type Console struct {
	localv1.UnimplementedConsoleServiceServer
	// DefaultUser is the console user of an empty request (the start-up
	// link's user).
	DefaultUser string
	// Permissions returns a console user's permissions; false for no such
	// user. Nil: the console is off.
	Permissions func(user string) ([]string, bool)
	// Login mints a one-time link for user.
	Login func(user string) (url string, expires time.Time, err error)
	Log   *slog.Logger
}

// CreateLoginLink mints a link for a console user whose permissions the
// calling client holds, every one: a link never grants more than its caller
// has.
func (s *Console) CreateLoginLink(ctx context.Context, req *localv1.CreateLoginLinkRequest) (*localv1.CreateLoginLinkResponse, error) {
	if s.Permissions == nil || s.Login == nil {
		return nil, withInfo(codes.FailedPrecondition, "CONSOLE_OFF", "the web console is off (set console.listen)")
	}
	user := req.GetUser()
	if user == "" {
		user = s.DefaultUser
	}
	perms, ok := s.Permissions(user)
	if !ok {
		return nil, withInfo(codes.NotFound, "UNKNOWN_CONSOLE_USER", "no console user "+quote(user)+" (console.users)")
	}
	client, ok := identity.LocalClientFrom(ctx)
	if !ok {
		return nil, withInfo(codes.Unauthenticated, "NO_CLIENT_CERTIFICATE", "no local client")
	}
	for _, p := range perms {
		if !client.Can(p) {
			return nil, withInfo(codes.PermissionDenied, "CONSOLE_USER_EXCEEDS_CLIENT",
				"console user "+quote(user)+" has the permission "+p+", which this local client lacks")
		}
	}
	url, expires, err := s.Login(user)
	if err != nil {
		return nil, toStatus(err)
	}
	if s.Log != nil {
		s.Log.Info("console: login link created over the local API", "user", user, "local_client", client.Name)
	}
	return &localv1.CreateLoginLinkResponse{User: user, Url: url, ExpiresAt: timestamppb.New(expires)}, nil
}

func quote(s string) string { return `"` + s + `"` }
