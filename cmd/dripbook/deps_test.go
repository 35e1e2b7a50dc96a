package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The boundaries between packages, as the architecture draws them: the
// domain knows no HTTP framework, queue, ORM or SMTP library, so it can be
// read and tested on its own, and adapters stay swappable.
var dependencyRules = []struct {
	pkg       string
	forbidden []string
}{
	{"drip", []string{"github.com/labstack/echo", "github.com/hibiken/asynq", "gorm.io/", "github.com/wneessen/go-mail", "github.com/yuin/goldmark", "github.com/prometheus"}},
	{"booking", []string{"github.com/labstack/echo", "github.com/hibiken/asynq", "gorm.io/", "github.com/wneessen/go-mail", "github.com/yuin/goldmark", "github.com/prometheus"}},
	{"scorecard", []string{"github.com/labstack/echo", "github.com/hibiken/asynq", "gorm.io/", "github.com/wneessen/go-mail", "github.com/yuin/goldmark", "github.com/prometheus"}},
	{"course", []string{"github.com/labstack/echo", "github.com/hibiken/asynq", "gorm.io/", "github.com/wneessen/go-mail", "github.com/yuin/goldmark", "github.com/prometheus"}},
	{"models", []string{"github.com/labstack/echo", "github.com/hibiken/asynq", "gorm.io/", "github.com/wneessen/go-mail", "github.com/prometheus"}},
	{"message", []string{"github.com/labstack/echo", "github.com/hibiken/asynq", "gorm.io/", "github.com/wneessen/go-mail"}},
	{"emails", []string{"github.com/labstack/echo", "github.com/hibiken/asynq", "gorm.io/", "github.com/wneessen/go-mail"}},
	{"api", []string{"github.com/yuin/goldmark", "gopkg.in/yaml", "github.com/hibiken/asynq"}},
	{"config", []string{"github.com/dripbook/dripbook/emails", "gorm.io/", "github.com/labstack/echo"}},
	{"webhooks", []string{"github.com/labstack/echo", "github.com/hibiken/asynq", "gorm.io/", "github.com/wneessen/go-mail"}},
}

func TestDependencyRules(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	for _, rule := range dependencyRules {
		t.Run(rule.pkg, func(t *testing.T) {
			t.Parallel()
			out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "github.com/dripbook/dripbook/"+rule.pkg).CombinedOutput()
			if err != nil {
				t.Fatalf("go list -deps %s: %v\n%s", rule.pkg, err, out)
			}
			deps := strings.Fields(string(out))
			if len(deps) < 2 {
				t.Fatalf("go list -deps %s listed %d packages; the check would prove nothing", rule.pkg, len(deps))
			}
			for _, dep := range deps {
				for _, bad := range rule.forbidden {
					if strings.HasPrefix(dep, bad) {
						t.Errorf("%s depends on %s", rule.pkg, dep)
					}
				}
			}
		})
	}
}
