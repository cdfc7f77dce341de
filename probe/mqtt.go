package probe

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"

	"github.com/insurable/insurable/scan"
)

// MQTT sends an MQTT 3.1.1 CONNECT without credentials and reads the
// CONNACK: accepted means the broker allows anonymous clients. The paho
// client (github.com/eclipse/paho.mqtt.golang) encodes the CONNECT and
// decodes the CONNACK; the probe checks the CONNACK's fixed header first, so
// that a peer sending garbage cannot make the decoder allocate a huge
// packet. Nothing is published or subscribed to.
type MQTT struct{}

// Name implements Prober.
func (MQTT) Name() string { return "mqtt" }

// Plan implements Prober.
func (MQTT) Plan() []string {
	return []string{
		"MQTT 3.1.1 CONNECT with a random client id insurable-probe-…, clean session, no user name or password",
		"DISCONNECT when the broker accepted; nothing is published or subscribed",
	}
}

// Probe implements Prober.
func (MQTT) Probe(ctx context.Context, s *Session, ep *scan.Endpoint) error {
	c, err := s.Dial(ctx)
	if err != nil {
		if s.TLS {
			return notDetected("TLS: %v", err)
		}
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	var id [6]byte
	_, _ = rand.Read(id[:])
	cp := packets.NewControlPacket(packets.Connect).(*packets.ConnectPacket)
	cp.ClientIdentifier = "insurable-probe-" + hex.EncodeToString(id[:])
	cp.CleanSession = true
	cp.Keepalive = 10
	br := &peekConn{Conn: c, r: bufio.NewReaderSize(c, 64)}
	check := func() error {
		// A CONNACK of MQTT 3.1.1 is exactly 0x20 0x02.
		h, err := br.r.Peek(2)
		if err != nil {
			return err
		}
		if h[0] != 0x20 || h[1] != 0x02 {
			return errors.New("not a CONNACK")
		}
		return nil
	}
	br.check = check
	rc, _ := mqtt.ConnectMQTT(br, cp, 4)
	if br.checkErr != nil || rc == packets.ErrNetworkError {
		var ne net.Error
		if errors.As(br.checkErr, &ne) && ne.Timeout() {
			return notDetected("no answer to CONNECT")
		}
		return notDetected("no CONNACK: %v", br.checkErr)
	}
	ep.Protocol = "mqtt"
	if s.TLS {
		ep.Protocol = "mqtts"
	}
	res := &scan.MQTTResult{TLS: s.TLS, ReturnCode: int(rc)}
	ep.MQTT = res
	switch rc {
	case packets.Accepted:
		res.Anonymous = true
		_ = packets.NewControlPacket(packets.Disconnect).Write(c)
	case packets.ErrRefusedNotAuthorised, packets.ErrRefusedBadUsernameOrPassword:
	default:
		if e, ok := packets.ConnErrors[rc]; ok {
			ep.Errors = append(ep.Errors, "mqtt: CONNECT refused: "+e.Error())
		}
	}
	return nil
}

// peekConn runs check on the buffered reader before the first read is
// passed on.
type peekConn struct {
	net.Conn
	r        *bufio.Reader
	check    func() error
	checked  bool
	checkErr error
}

func (c *peekConn) Read(p []byte) (int, error) {
	if !c.checked {
		c.checked = true
		if c.checkErr = c.check(); c.checkErr != nil {
			return 0, c.checkErr
		}
	}
	return c.r.Read(p)
}
