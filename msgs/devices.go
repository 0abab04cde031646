package msgs

import (
	"github.com/nftmon/nftmon"
	"golang.org/x/sys/unix"
)

// Device is one device a netdev chain or a flowtable is bound to.
type Device struct {
	Name   []byte // the device name, or the name prefix when Prefix is set; a view of the message
	Prefix bool   // NFTA_DEVICE_PREFIX: Name is a prefix matching every device whose name starts with it
}

// DevScanner walks a list of devices (the payload of NFTA_HOOK_DEVS or
// NFTA_FLOWTABLE_HOOK_DEVS: NFTA_DEVICE_NAME and NFTA_DEVICE_PREFIX
// strings) without allocating.
//
//	s := chain.Hook.Devices()
//	for s.Next() {
//		d := s.Device()
//		...
//	}
//	if err := s.Err(); err != nil { ... }
type DevScanner struct {
	a nftmon.AttrScanner
	d Device
}

// NewDevScanner returns a scanner over the device list in b.
func NewDevScanner(b []byte) DevScanner { return DevScanner{a: nftmon.NewAttrScanner(b)} }

// Next advances to the next device and reports whether there is one.
// Attributes other than device names and prefixes are skipped.
func (s *DevScanner) Next() bool {
	for s.a.Next() {
		switch s.a.Type() {
		case AttrDeviceName, AttrDevicePrefix:
		default:
			continue
		}
		// Some kernels (6.12-6.17) sent NFTA_DEVICE_NAME without its NUL
		// (nla_put of the stored name length), so the NUL is optional here.
		name := trimNUL(s.a.Bytes())
		if len(name) == 0 {
			s.a.Fail(errDevEmpty)
			break
		}
		if len(name) >= unix.IFNAMSIZ {
			s.a.Fail(errDevTooLong)
			break
		}
		s.d = Device{Name: name, Prefix: s.a.Type() == AttrDevicePrefix}
		return true
	}
	s.d = Device{}
	return false
}

// Device returns the current device (the zero Device once Next has
// returned false).
func (s *DevScanner) Device() Device { return s.d }

// Err returns the error that stopped the walk, or nil.
func (s *DevScanner) Err() error { return s.a.Err() }

// checkDevs walks a device list and returns its first error.
func checkDevs(b []byte) error {
	s := NewDevScanner(b)
	for s.Next() {
	}
	return s.Err()
}
