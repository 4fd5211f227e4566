package parse

import (
	"fmt"
	"strconv"
)

// ValueError is a cell text that does not read as its type.
type ValueError struct {
	Raw  string
	Type Type
}

// Error gives `cannot parse "9x%" as percent`.
func (e *ValueError) Error() string {
	return fmt.Sprintf("cannot parse %q as %s", e.Raw, e.Type)
}

// CellError places an error at a cell of the input:
// `line 3, column "Use%": cannot parse "9x%" as percent`.
type CellError struct {
	Line   int    // 1-based input line of the row; 0 if unknown
	Column string // header text, or "#N"
	Err    error
}

// Error gives the position, then the wrapped error.
func (e *CellError) Error() string {
	switch {
	case e.Line > 0 && e.Column != "":
		return "line " + strconv.Itoa(e.Line) + ", column " + strconv.Quote(e.Column) + ": " + e.Err.Error()
	case e.Line > 0:
		return "line " + strconv.Itoa(e.Line) + ": " + e.Err.Error()
	case e.Column != "":
		return "column " + strconv.Quote(e.Column) + ": " + e.Err.Error()
	}
	return e.Err.Error()
}

// Unwrap returns the wrapped error, for errors.As and errors.Is.
func (e *CellError) Unwrap() error { return e.Err }
