.PHONY: run test lint bench profile build

# go.mod asks for Go 1.27.3: an older go command fetches it from the module
# proxy once and runs it.
export GOTOOLCHAIN := go1.27.3

# The whole product on one machine: SQLite, in-process Redis, mail at /dev/mail.
run:
	go run ./cmd/dripbook

# Every test. Set TEST_DATABASE_URL and TEST_REDIS_URL to also run against
# PostgreSQL and a Redis server (CI does).
test:
	go test -race -count=1 ./...

# golangci-lint (config: .golangci.yml) is taken from PATH, else from
# $(go env GOPATH)/bin. .ci/run installs the version pinned below; locally:
#   go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
# Keep this in step with GOLANGCI_LINT_VERSION in .ci/run.
GOLANGCI_LINT_VERSION := v2.15.0

lint:
	go vet ./...
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	@bin=$$(command -v golangci-lint || echo "$$(go env GOPATH | cut -d: -f1)/bin/golangci-lint"); \
	if [ ! -x "$$bin" ]; then \
	  echo "golangci-lint is not on PATH nor in $$(go env GOPATH | cut -d: -f1)/bin; install it with:" >&2; \
	  echo "  go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)" >&2; \
	  exit 1; \
	fi; \
	have=$$("$$bin" version --short 2>/dev/null); \
	if [ "v$$have" != "$(GOLANGCI_LINT_VERSION)" ]; then \
	  echo "warning: $$bin is golangci-lint $$have, the pinned version is $(GOLANGCI_LINT_VERSION)" >&2; \
	fi; \
	echo "$$bin run ./..."; \
	"$$bin" run ./...

# dripbook against raw go-mail and bare Echo, measured in the same run, on
# DATABASE_URL and REDIS_URL when set (default: temporary SQLite and the
# in-process Redis). `go run ./cmd/dripbook bench -h` lists the sizes. To
# profile the send path: make profile, then go tool pprof -top cpu.out
bench:
	go run ./cmd/dripbook bench

profile:
	go test -run '^$$' -bench CourseWave -benchtime 2000x -cpuprofile cpu.out ./cmd/dripbook

build:
	go build -o dripbook ./cmd/dripbook
