package insurable

import (
	"errors"
	"fmt"
	"strings"
)

// Op names the operation that failed, such as "evidence.Load"; it is the
// first thing an error message says.
type Op string

// Kind classifies an error so that callers can react to it without parsing
// messages. New kinds are only ever appended.
type Kind uint8

// The kinds of error. Each maps to one CLI exit code and one HTTP status.
const (
	Other        Kind = iota // unclassified; treated as internal
	Invalid                  // input is malformed or breaks a rule
	NotExist                 // a file, record or item does not exist
	Permission               // the caller may not do this
	Escape                   // a path leaves the directory it must stay in
	TooLarge                 // input exceeds a size or count limit
	Internal                 // a bug or an unexpected environment failure
	Conflict                 // the request clashes with the current state
	Unauthorized             // the caller did not prove who they are (no, forged or expired credentials)
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid input"
	case NotExist:
		return "does not exist"
	case Permission:
		return "permission denied"
	case Escape:
		return "path escapes its root"
	case TooLarge:
		return "too large"
	case Internal:
		return "internal error"
	case Conflict:
		return "conflict"
	case Unauthorized:
		return "unauthorized"
	}
	return "error"
}

// Error is the error type of the project: where it happened (Op), what kind
// of failure it is, which file and line it concerns when there is one, a
// message for a person, and the underlying cause.
type Error struct {
	Op   Op
	Kind Kind
	Path string // file the error concerns, relative to the bundle when possible
	Line int    // 1-based line in Path, or 0 when unknown
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(string(e.Op))
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	switch {
	case e.Msg != "" && e.Err != nil:
		b.WriteString(e.Msg)
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	case e.Msg != "":
		b.WriteString(e.Msg)
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		b.WriteString(e.Kind.String())
	}
	return b.String()
}

// Unwrap returns the cause so that errors.Is and errors.As see through.
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error of the given kind with a formatted message.
func Errorf(op Op, kind Kind, format string, args ...any) error {
	return &Error{Op: op, Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// FileError builds an *Error that points at a file and line.
func FileError(op Op, kind Kind, path string, line int, format string, args ...any) error {
	return &Error{Op: op, Kind: kind, Path: path, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// Wrap attaches an op and a kind to a foreign error. A nil err gives nil.
func Wrap(op Op, kind Kind, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Kind: kind, Err: err}
}

// ErrorKind reports the kind of the first *Error in err's chain, or Other
// when there is none.
func ErrorKind(err error) Kind {
	var e *Error
	for errors.As(err, &e) {
		if e.Kind != Other {
			return e.Kind
		}
		if e.Err == nil {
			break
		}
		err = e.Err
	}
	return Other
}

// Exit codes of the insurable command. 0, 1 and 2 are the outcome of an
// assessment (insurable, conditional, declined); errors use the codes above 2
// so that scripts can tell a decision from a failure.
const (
	ExitInsurable   = 0
	ExitConditional = 1
	ExitDeclined    = 2
	ExitUsage       = 3 // bad flags or arguments
	ExitInput       = 4 // the evidence, profile or another input is malformed or unsafe
	ExitNotFound    = 5 // an input does not exist
	ExitInternal    = 6 // anything else
	ExitVerifyFail  = 7 // a verification command ran and found the subject not valid
)

// ExitCode maps an error to the exit code the command line returns for it.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	switch ErrorKind(err) {
	case Invalid, Escape, TooLarge, Conflict:
		return ExitInput
	case NotExist:
		return ExitNotFound
	case Permission, Unauthorized:
		return ExitInput
	}
	return ExitInternal
}
