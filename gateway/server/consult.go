package server

import (
	"context"
	"crypto/x509"

	"google.golang.org/grpc/codes"

	"github.com/schakel/schakel/gateway/consult"
	"github.com/schakel/schakel/gateway/identity"
	"github.com/schakel/schakel/gateway/monitor"
	exchangev1 "github.com/schakel/schakel/proto/schakel/exchange/v1"
	localv1 "github.com/schakel/schakel/proto/schakel/local/v1"
)

// Consults serves the local ConsultService (flow N1).
type Consults struct {
	localv1.UnimplementedConsultServiceServer
	Service *consult.Service
}

// SendConsult decides and sends a consult.
func (s *Consults) SendConsult(ctx context.Context, req *localv1.SendConsultRequest) (*localv1.SendConsultResponse, error) {
	resp, err := s.Service.Send(ctx, req)
	if err != nil {
		return nil, toStatus(err)
	}
	setLogField(ctx, "decision_id", resp.GetDecision().GetDecisionId())
	return resp, nil
}

// ListConsults lists open received consults.
func (s *Consults) ListConsults(ctx context.Context, req *localv1.ListConsultsRequest) (*localv1.ListConsultsResponse, error) {
	resp, err := s.Service.List(ctx, req)
	return resp, toStatus(err)
}

// AnswerConsult answers a received consult.
func (s *Consults) AnswerConsult(ctx context.Context, req *localv1.AnswerConsultRequest) (*localv1.AnswerConsultResponse, error) {
	resp, err := s.Service.Answer(ctx, req)
	return resp, toStatus(err)
}

// GetConsultAnswer fetches the answer to a sent consult.
func (s *Consults) GetConsultAnswer(ctx context.Context, req *localv1.GetConsultAnswerRequest) (*localv1.GetConsultAnswerResponse, error) {
	resp, err := s.Service.GetAnswer(ctx, req)
	return resp, toStatus(err)
}

// SendConsult receives a consult from an authenticated peer.
func (s *Exchange) SendConsult(ctx context.Context, req *exchangev1.SendConsultRequest) (*exchangev1.SendConsultResponse, error) {
	from, _, err := s.Directory.Authenticate(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	setLogField(ctx, "peer_oin", from.OIN)
	if s.Consults == nil {
		return nil, toStatus(consult.ErrInvalid)
	}
	resp, err := s.Consults.Receive(ctx, from, req)
	return resp, toStatus(err)
}

// GetConsultAnswer hands the answer of a consult to the peer that sent it.
func (s *Exchange) GetConsultAnswer(ctx context.Context, req *exchangev1.GetConsultAnswerRequest) (*exchangev1.GetConsultAnswerResponse, error) {
	from, _, err := s.Directory.Authenticate(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	setLogField(ctx, "peer_oin", from.OIN)
	if s.Consults == nil {
		return nil, toStatus(consult.ErrNotFound)
	}
	resp, err := s.Consults.ServeAnswer(ctx, from, req)
	return resp, toStatus(err)
}

// MonitoringReceiver keeps a monitoring export from an authenticated peer
// whose certificate is cert.
type MonitoringReceiver interface {
	Receive(ctx context.Context, from identity.Peer, cert *x509.Certificate, req *exchangev1.SubmitMonitoringExportRequest) (*exchangev1.SubmitMonitoringExportResponse, error)
}

// SubmitMonitoringExport keeps a node's signed monitoring export (a
// kennispunt's node only).
func (s *Exchange) SubmitMonitoringExport(ctx context.Context, req *exchangev1.SubmitMonitoringExportRequest) (*exchangev1.SubmitMonitoringExportResponse, error) {
	from, cert, err := s.Directory.Authenticate(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	setLogField(ctx, "peer_oin", from.OIN)
	if s.Monitoring == nil {
		return nil, withInfo(codes.FailedPrecondition, "NOT_A_KENNISPUNT", "this node does not keep monitoring exports (its org type is not kennispunt)")
	}
	resp, err := s.Monitoring.Receive(ctx, from, cert, req)
	return resp, toStatus(err)
}

// Monitoring serves the local MonitoringService (flow M1).
type Monitoring struct {
	localv1.UnimplementedMonitoringServiceServer
	Exporter *monitor.Exporter
}

// ExportMonitoring counts, asks the pack, signs and sends the export.
func (s *Monitoring) ExportMonitoring(ctx context.Context, req *localv1.ExportMonitoringRequest) (*localv1.ExportMonitoringResponse, error) {
	resp, err := s.Exporter.Export(ctx, req)
	return resp, toStatus(err)
}
