package emails

import (
	"fmt"
	"strings"

	"github.com/dripbook/dripbook/course"
)

// values holds what each variable stands for in one email.
type values map[string]string

// resolve returns the value for ref, applying the written or the default
// fallback when the value is empty. A link with no value is an error: sending
// a button that goes nowhere is worse than not sending.
func (vs values) resolve(ref course.VarRef) (string, error) {
	v, ok := vs[ref.Name]
	if !ok {
		return "", fmt.Errorf("unknown variable {{ %s }}", ref.Name)
	}
	if v != "" {
		return v, nil
	}
	if ref.HasFallback {
		return ref.Fallback, nil
	}
	switch {
	case ref.Name == "first_name":
		return "there", nil
	case ref.Name == "coach_name":
		return "your coach", nil
	case strings.HasSuffix(ref.Name, "_url"):
		return "", fmt.Errorf("{{ %s }} has no value", ref.Name)
	}
	return "", nil
}
