package nftmon

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// prefix starts the message of every error the package returns, once: an
// error that wraps another of the package's drops the inner one's (wrap).
const prefix = "nftmon: "

// wrapError puts what was being done in front of an error, keeping the
// package prefix at the front of the whole message only.
type wrapError struct {
	what string // "" adds nothing but the prefix
	err  error
}

func (e *wrapError) Error() string {
	cause := strings.TrimPrefix(e.err.Error(), prefix)
	if e.what == "" {
		return prefix + cause
	}
	return prefix + e.what + ": " + cause
}

func (e *wrapError) Unwrap() error { return e.err }

// wrap returns err as the cause of "nftmon: what: cause", or nil for a nil
// err. errors.Is and errors.As see through it.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return &wrapError{what: what, err: err}
}

// syscallErr wraps the error of system call name as an *os.SyscallError
// with the package prefix, or returns nil for a nil err.
func syscallErr(name string, err error) error {
	if err == nil {
		return nil
	}
	return wrap("", os.NewSyscallError(name, err))
}

// ErrMalformed matches (with errors.Is) every error that reports malformed
// netlink input: a header or attribute whose length lies, a payload of the
// wrong size for its type, a string without its NUL, and so on.
var ErrMalformed = errors.New("nftmon: malformed netlink data")

// ParseError says what was wrong with malformed netlink input. The parsers
// return one of a fixed set of *ParseError values, so that rejecting bad input
// allocates nothing; errors.Is(err, ErrMalformed) matches every one of them.
type ParseError struct {
	What string // what was wrong, in words
}

// Error implements error.
func (e *ParseError) Error() string { return "nftmon: malformed netlink data: " + e.What }

// Is reports whether target is ErrMalformed.
func (e *ParseError) Is(target error) bool { return target == ErrMalformed }

// The reasons a parser rejects its input. They are values, not formatted
// strings, so that the error path allocates nothing either.
var (
	errMsgShort      = &ParseError{"message shorter than the 16-byte netlink header"}
	errMsgLenShort   = &ParseError{"nlmsg_len smaller than the 16-byte netlink header"}
	errMsgLenOverrun = &ParseError{"nlmsg_len runs past the end of the datagram"}
	errNFGenShort    = &ParseError{"nftables message shorter than its 4-byte nfgenmsg header"}
	errAttrU8Size    = &ParseError{"u8 attribute payload is not 1 byte"}
	errAttrU16Size   = &ParseError{"u16 attribute payload is not 2 bytes"}
	errAttrU32Size   = &ParseError{"u32 attribute payload is not 4 bytes"}
	errAttrU64Size   = &ParseError{"u64 attribute payload is not 8 bytes"}
	errAttrStrEmpty  = &ParseError{"string attribute is empty"}
	errAttrStrNoNUL  = &ParseError{"string attribute is not NUL-terminated"}
	errErrorShort    = &ParseError{"NLMSG_ERROR payload shorter than struct nlmsgerr"}
	errSetNoName     = &ParseError{"set without table or name in a dump"}
)

// The attribute framing errors, of type error rather than *ParseError: storing
// one then needs no conversion, which AttrScanner.Next has no inlining budget
// left for.
var (
	errAttrShort      error = &ParseError{"attribute shorter than the 4-byte attribute header"}
	errAttrLenShort   error = &ParseError{"attribute length smaller than the 4-byte attribute header"}
	errAttrLenOverrun error = &ParseError{"attribute length runs past the end of its container"}
)

// ErrOverflow is returned by Conn.Receive when the kernel dropped
// notifications because the socket's receive buffer was full (ENOBUFS).
// Nothing says what was lost: the only repair is a fresh snapshot. It also
// matches unix.ENOBUFS with errors.Is.
var ErrOverflow error = overflowError{}

type overflowError struct{}

func (overflowError) Error() string {
	return "nftmon: the kernel dropped notifications: receive buffer overflow (ENOBUFS)"
}
func (overflowError) Is(target error) bool { return target == unix.ENOBUFS }

// ErrTruncated matches a *TruncatedError with errors.Is.
var ErrTruncated = errors.New("nftmon: datagram truncated")

// TruncatedError reports a datagram larger than the buffer it was read into.
// The part that did not fit is lost, like an overflow.
type TruncatedError struct {
	Size   int // the datagram's real size in bytes
	BufLen int // the space that was available for it
}

// Error implements error.
func (e *TruncatedError) Error() string {
	return fmt.Sprintf("nftmon: datagram of %d bytes truncated to the %d-byte buffer", e.Size, e.BufLen)
}

// Is reports whether target is ErrTruncated.
func (e *TruncatedError) Is(target error) bool { return target == ErrTruncated }

// ErrClosed is returned by operations on a closed Conn or Monitor, including
// a Receive or Run that was blocked when Close was called.
var ErrClosed = errors.New("nftmon: use of closed connection")

// ErrSubscribed is returned by Conn.Request (and so GetGen and Snapshot) on
// a Conn that joined a multicast group: the reply would be read from the
// same queue as the notifications, and those read past would be lost. Make
// requests on a Conn of their own, as Monitor does.
var ErrSubscribed = errors.New("nftmon: request on a subscribed Conn (it would consume its notifications)")

// OpError is an NLMSG_ERROR answer from the kernel to a request.
type OpError struct {
	Op      string     // the request, e.g. "GETGEN"
	Errno   unix.Errno // the error the kernel returned
	Message string     // the extended-ack text, where the kernel sent one
}

// Error implements error.
func (e *OpError) Error() string {
	s := "nftmon: " + e.Op + ": " + e.Errno.Error()
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unwrap returns the errno, so errors.Is(err, unix.ENOENT) works.
func (e *OpError) Unwrap() error { return e.Errno }
