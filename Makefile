.PHONY: run test lint bench build

# The whole product on one machine: SQLite, in-process Redis, mail at /dev/mail.
run:
	go run ./cmd/dripbook

# Every test. Set TEST_DATABASE_URL and TEST_REDIS_URL to also run against
# PostgreSQL and a Redis server (CI does).
test:
	go test -race -count=1 ./...

lint:
	go vet ./...
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)

bench:
	go test -run '^$$' -bench . -benchtime 200x ./...

build:
	go build -o dripbook ./cmd/dripbook
