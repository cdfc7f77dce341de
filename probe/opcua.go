package probe

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/gopcua/opcua"
	"github.com/gopcua/opcua/ua"
	"github.com/gopcua/opcua/uacp"

	"github.com/insurable/insurable/scan"
)

// OPCUA asks an OPC UA server for its endpoints with gopcua's GetEndpoints
// (github.com/gopcua/opcua): the Hello/Acknowledge exchange, an
// OpenSecureChannel with security policy None (which every server allows
// for discovery) and one GetEndpoints request. It creates no session and
// reads no node.
type OPCUA struct{}

// Name implements Prober.
func (OPCUA) Name() string { return "opcua" }

// Plan implements Prober.
func (OPCUA) Plan() []string {
	return []string{
		"OPC UA Hello, OpenSecureChannel (SecurityPolicy None) and one GetEndpoints request; CloseSecureChannel",
		"no session is created and no node is read or written",
	}
}

// Probe implements Prober.
func (OPCUA) Probe(ctx context.Context, s *Session, ep *scan.Endpoint) error {
	release, err := s.reserve(ctx)
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, 2*s.Config.Timeout)
	defer cancel()
	url := "opc.tcp://" + s.dialAddr()
	eps, err := opcua.GetEndpoints(ctx, url,
		opcua.Dialer(&uacp.Dialer{Dialer: &net.Dialer{Timeout: s.Config.Timeout}}),
		opcua.DialTimeout(s.Config.Timeout),
		opcua.RequestTimeout(s.Config.Timeout),
		opcua.ApplicationName("insurable probe"),
	)
	var status ua.StatusCode
	if err != nil && !errors.As(err, &status) {
		if isDialError(err) && !strings.Contains(err.Error(), "uacp") {
			return err
		}
		return notDetected("%v", err)
	}
	ep.Protocol = "opcua"
	res := &scan.OPCUAResult{Endpoints: []scan.OPCUAEndpoint{}}
	ep.OPCUA = res
	if err != nil {
		ep.Errors = append(ep.Errors, "opcua: GetEndpoints: "+err.Error())
		return nil
	}
	for _, e := range eps {
		o := scan.OPCUAEndpoint{
			URL:            e.EndpointURL,
			SecurityPolicy: e.SecurityPolicyURI,
			SecurityMode:   strings.TrimPrefix(e.SecurityMode.String(), "MessageSecurityMode"),
			UserTokens:     []string{},
		}
		for _, t := range e.UserIdentityTokens {
			name := strings.TrimPrefix(t.TokenType.String(), "UserTokenType")
			o.UserTokens = append(o.UserTokens, name)
			if t.TokenType == ua.UserTokenTypeAnonymous {
				res.Anonymous = true
			}
		}
		res.Endpoints = append(res.Endpoints, o)
	}
	return nil
}
