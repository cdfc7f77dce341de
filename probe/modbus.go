package probe

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/insurable/insurable/scan"
)

// Modbus asks a Modbus/TCP server for its device identification (function
// 43, MEI type 14) and, when that is refused, reads one holding register
// (function 3). It is hand-written rather than built on a Modbus client
// library on purpose: its encoder can build those two read requests and
// nothing else, so a review can see at a glance that the probe never writes
// to a device.
type Modbus struct{}

// Name implements Prober.
func (Modbus) Name() string { return "modbus" }

// Plan implements Prober.
func (Modbus) Plan() []string {
	return []string{
		fmt.Sprintf("Modbus/TCP Read Device Identification (function 43, MEI 14, basic objects) to unit %d", modbusUnit),
		"if refused: Read Holding Registers (function 3), one register at address 0",
		"no other function code is ever sent: the encoder builds only these two reads",
	}
}

const (
	modbusUnit          = 1
	fcReadHolding  byte = 0x03
	fcEncapsulated byte = 0x2b
	meiDeviceID    byte = 0x0e
)

// modbusRead is the only kind of request the probe can build.
type modbusRead int

const (
	readDeviceID modbusRead = iota
	readHoldingRegister
)

// modbusRequest encodes a read request as an MBAP frame.
func modbusRequest(tx uint16, kind modbusRead, objectID byte) []byte {
	var pdu []byte
	switch kind {
	case readDeviceID:
		pdu = []byte{fcEncapsulated, meiDeviceID, 0x01, objectID}
	case readHoldingRegister:
		pdu = []byte{fcReadHolding, 0, 0, 0, 1}
	}
	b := binary.BigEndian.AppendUint16(nil, tx)
	b = append(b, 0, 0) // protocol id
	b = binary.BigEndian.AppendUint16(b, uint16(len(pdu)+1))
	b = append(b, modbusUnit)
	return append(b, pdu...)
}

var errNotModbus = errors.New("the answer is not Modbus/TCP")

// readModbusResponse reads one MBAP frame answering transaction tx and
// returns its PDU.
func readModbusResponse(r io.Reader, tx uint16) ([]byte, error) {
	var hdr [7]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	return parseModbusResponse(hdr[:], r, tx)
}

func parseModbusResponse(hdr []byte, r io.Reader, tx uint16) ([]byte, error) {
	n := int(binary.BigEndian.Uint16(hdr[4:]))
	if binary.BigEndian.Uint16(hdr) != tx || binary.BigEndian.Uint16(hdr[2:]) != 0 || n < 2 || n > 254 {
		return nil, errNotModbus
	}
	pdu := make([]byte, n-1)
	if _, err := io.ReadFull(r, pdu); err != nil {
		return nil, err
	}
	return pdu, nil
}

// deviceIDNames names the basic and regular objects of function 43/14.
var deviceIDNames = map[byte]string{
	0: "VendorName", 1: "ProductCode", 2: "MajorMinorRevision",
	3: "VendorUrl", 4: "ProductName", 5: "ModelName", 6: "UserApplicationName",
}

// parseDeviceID parses a function 43/14 response PDU into its objects and
// says whether more follow and from which object.
func parseDeviceID(pdu []byte, into map[string]string) (more bool, next byte, err error) {
	if len(pdu) < 7 || pdu[0] != fcEncapsulated || pdu[1] != meiDeviceID {
		return false, 0, errNotModbus
	}
	more, next = pdu[4] == 0xff, pdu[5]
	count := int(pdu[6])
	p := pdu[7:]
	for i := 0; i < count; i++ {
		if len(p) < 2 || len(p) < 2+int(p[1]) {
			return false, 0, errors.New("truncated device identification object")
		}
		id, val := p[0], p[2:2+int(p[1])]
		name, ok := deviceIDNames[id]
		if !ok {
			name = fmt.Sprintf("object%d", id)
		}
		into[name] = printable(val, 255)
		p = p[2+int(p[1]):]
	}
	return more, next, nil
}

var modbusExceptions = map[byte]string{
	1: "illegal function", 2: "illegal data address", 3: "illegal data value",
	4: "server device failure", 6: "server device busy",
	10: "gateway path unavailable", 11: "gateway target device failed to respond",
}

func modbusException(pdu []byte) string {
	if len(pdu) < 2 {
		return "exception"
	}
	if s, ok := modbusExceptions[pdu[1]]; ok {
		return s
	}
	return fmt.Sprintf("exception %d", pdu[1])
}

// Probe implements Prober.
func (Modbus) Probe(ctx context.Context, s *Session, ep *scan.Endpoint) error {
	c, err := s.Dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	tx := uint16(0x4950) // arbitrary
	ask := func(kind modbusRead, obj byte) ([]byte, error) {
		tx++
		if _, err := c.Write(modbusRequest(tx, kind, obj)); err != nil {
			return nil, err
		}
		return readModbusResponse(c, tx)
	}
	res := &scan.ModbusResult{UnitID: modbusUnit}
	pdu, err := ask(readDeviceID, 0)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return notDetected("no answer to a Modbus request")
		}
		return notDetected("%v", err)
	}
	if pdu[0] != fcEncapsulated && pdu[0] != fcEncapsulated|0x80 {
		return notDetected("answer with function %d to function 43", pdu[0])
	}
	ep.Protocol = "modbus"
	ep.Modbus = res
	if pdu[0] == fcEncapsulated {
		ids := map[string]string{}
		more, next, err := parseDeviceID(pdu, ids)
		for i := 0; err == nil && more && i < 4; i++ {
			if pdu, err = ask(readDeviceID, next); err == nil {
				more, next, err = parseDeviceID(pdu, ids)
			}
		}
		if len(ids) > 0 {
			res.DeviceID = ids
			res.UnauthenticatedRead = true
			res.Function = "43/14"
			return nil
		}
		if err != nil {
			ep.Errors = append(ep.Errors, "modbus: device identification: "+err.Error())
		}
	} else {
		ep.Errors = append(ep.Errors, "modbus: device identification refused: "+modbusException(pdu))
	}
	pdu, err = ask(readHoldingRegister, 0)
	switch {
	case err != nil:
		ep.Errors = append(ep.Errors, "modbus: holding register read: "+err.Error())
	case pdu[0] == fcReadHolding:
		res.UnauthenticatedRead = true
		res.Function = "3"
	default:
		ep.Errors = append(ep.Errors, "modbus: holding register read refused: "+modbusException(pdu))
	}
	return nil
}
