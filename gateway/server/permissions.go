package server

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"

	"github.com/schakel/schakel/gateway/audit"
	"github.com/schakel/schakel/gateway/bsn"
	"github.com/schakel/schakel/gateway/identity"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// localPermissions is the one table of which permission each local method
// needs. A method missing here is refused to everyone.
var localPermissions = map[string]string{
	localv1.LocalService_RequestRecord_FullMethodName:         identity.PermRequest,
	localv1.LocalService_SendNotification_FullMethodName:      identity.PermNotify,
	localv1.LocalService_ListNotifications_FullMethodName:     identity.PermNotify,
	localv1.LocalService_PullNotifications_FullMethodName:     identity.PermNotify,
	localv1.LocalService_AckNotification_FullMethodName:       identity.PermNotify,
	localv1.LocalService_ListObligations_FullMethodName:       identity.PermObligations,
	localv1.LocalService_CompleteObligation_FullMethodName:    identity.PermObligations,
	localv1.LocalService_Inzage_FullMethodName:                identity.PermInzage,
	localv1.LocalService_MarkInzageRecord_FullMethodName:      identity.PermInzage,
	localv1.ConsentService_RegisterConsent_FullMethodName:     identity.PermConsentsWrite,
	localv1.ConsentService_WithdrawConsent_FullMethodName:     identity.PermConsentsWrite,
	localv1.ConsentService_ListConsents_FullMethodName:        identity.PermConsentsRead,
	localv1.PolicyService_GetPolicyStatus_FullMethodName:      identity.PermStatus,
	localv1.ConsultService_SendConsult_FullMethodName:         identity.PermConsult,
	localv1.ConsultService_ListConsults_FullMethodName:        identity.PermConsult,
	localv1.ConsultService_AnswerConsult_FullMethodName:       identity.PermConsult,
	localv1.ConsultService_GetConsultAnswer_FullMethodName:    identity.PermConsult,
	localv1.MonitoringService_ExportMonitoring_FullMethodName: identity.PermMonitoring,
	// The handler also requires every permission of the console user.
	localv1.ConsoleService_CreateLoginLink_FullMethodName: identity.PermStatus,
	// The vocabulary and the API's schema (reflection) are what every
	// client's system needs to speak to the node; status covers them.
	localv1.PolicyService_GetVocabulary_FullMethodName:                     identity.PermStatus,
	reflectionv1.ServerReflection_ServerReflectionInfo_FullMethodName:      identity.PermStatus,
	reflectionv1alpha.ServerReflection_ServerReflectionInfo_FullMethodName: identity.PermStatus,
	healthpb.Health_Check_FullMethodName:                                   identity.PermStatus,
	healthpb.Health_Watch_FullMethodName:                                   identity.PermStatus,
	healthpb.Health_List_FullMethodName:                                    identity.PermStatus,
}

// LocalPermission returns the permission a local method needs.
func LocalPermission(fullMethod string) (string, bool) {
	p, ok := localPermissions[fullMethod]
	return p, ok
}

// Authorize establishes the local client of a call from its verified
// certificate and checks that it may call fullMethod: PermissionDenied
// otherwise. The returned context carries the client (identity.LocalClientFrom).
func Authorize(ctx context.Context, access *identity.LocalAccess, fullMethod string) (context.Context, error) {
	cert, err := identity.PeerCert(ctx)
	if err != nil {
		return ctx, withInfo(codes.Unauthenticated, "NO_CLIENT_CERTIFICATE", "no verified client certificate")
	}
	client, ok := access.Identify(cert)
	if !ok {
		return ctx, withInfo(codes.PermissionDenied, "UNKNOWN_LOCAL_CLIENT", "this client certificate is not configured in local.clients")
	}
	perm, ok := LocalPermission(fullMethod)
	if !ok {
		return ctx, withInfo(codes.PermissionDenied, "METHOD_NOT_PERMITTED", "no permission grants this method")
	}
	if !client.Can(perm) {
		return ctx, withInfo(codes.PermissionDenied, "PERMISSION_DENIED", "this local client lacks the permission "+perm)
	}
	return identity.WithLocalClient(ctx, client), nil
}

// LocalEvent is a local call that the audit log must show with the
// client's identity: a consent change, a consent listing, an inzage.
type LocalEvent struct {
	Action       audit.Action // audit.ActionConsent*, audit.ActionInzageRead
	Client       string       // identity.LocalClient.Name
	BSN          string       // the child (the auditor pseudonymises it)
	ConsentID    string
	Purpose      string
	RecipientOIN string
	OK           bool
	Start        time.Time
}

// LocalAuditor writes a LocalEvent durably.
type LocalAuditor func(ctx context.Context, ev LocalEvent) error

// LocalAccessInterceptor refuses calls outside the client's permissions and
// audits consent changes, consent listings and inzage with the client's
// identity. Reads (inzage, consent listing) return nothing unless their
// audit record is written; a consent change whose record cannot be written
// is reported to the client as AUDIT_UNAVAILABLE.
func LocalAccessInterceptor(access *identity.LocalAccess, auditLocal LocalAuditor, log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := Authorize(ctx, access, info.FullMethod)
		if err != nil {
			return nil, err
		}
		ev, audited := localEvent(info.FullMethod, req)
		if !audited || auditLocal == nil {
			return handler(ctx, req)
		}
		client, _ := identity.LocalClientFrom(ctx)
		ev.Client, ev.Start = client.Name, time.Now()
		setLogField(ctx, "local_client", client.Name)
		resp, herr := handler(ctx, req)
		ev.OK = herr == nil
		if wr, ok := resp.(*localv1.WithdrawConsentResponse); ok && herr == nil {
			ev.BSN, ev.Purpose, ev.RecipientOIN = wr.GetConsent().GetBsn(), wr.GetConsent().GetPurpose(), wr.GetConsent().GetRecipientOin()
		}
		if rr, ok := resp.(*localv1.RegisterConsentResponse); ok && herr == nil {
			ev.ConsentID = rr.GetConsent().GetId()
		}
		if bsn.Valid(ev.BSN) != nil {
			// Nothing names a child (withdrawing an unknown id, a malformed
			// BSN the handler refused): there is no subject to audit under.
			return resp, herr
		}
		if aerr := auditLocal(ctx, ev); aerr != nil {
			log.Error("local call not audited", "method", info.FullMethod, "local_client", client.Name, "err", aerr)
			return nil, withInfo(codes.Unavailable, "AUDIT_UNAVAILABLE", "the audit log is unavailable")
		}
		return resp, herr
	}
}

// localEvent describes the audited local calls from their request.
func localEvent(_ string, req any) (LocalEvent, bool) {
	switch r := req.(type) {
	case *localv1.RegisterConsentRequest:
		c := r.GetConsent()
		return LocalEvent{Action: audit.ActionConsentRegister, BSN: c.GetBsn(), Purpose: c.GetPurpose(), RecipientOIN: c.GetRecipientOin()}, true
	case *localv1.WithdrawConsentRequest:
		return LocalEvent{Action: audit.ActionConsentWithdraw, ConsentID: r.GetId()}, true
	case *localv1.ListConsentsRequest:
		return LocalEvent{Action: audit.ActionConsentList, BSN: r.GetBsn()}, true
	case *localv1.InzageRequest:
		return LocalEvent{Action: audit.ActionInzageRead, BSN: r.GetBsn()}, true
	}
	return LocalEvent{}, false
}

// LocalStreamInterceptor applies the permission table to streaming calls
// (health Watch); no streaming call is audited.
func LocalStreamInterceptor(access *identity.LocalAccess) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if _, err := Authorize(ss.Context(), access, info.FullMethod); err != nil {
			return err
		}
		return handler(srv, ss)
	}
}
