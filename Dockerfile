# Build a static dripbook binary, then run it from a small image.
FROM golang:1.27-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The build context holds no .git: COMMIT names the commit for
# "dripbook version" (docker build --build-arg COMMIT=$(git rev-parse HEAD)).
ARG COMMIT=""
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.commit=${COMMIT}" -o /out/dripbook ./cmd/dripbook

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata wget \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /app --create-home dripbook
COPY --from=build /out/dripbook /usr/local/bin/dripbook
WORKDIR /app
# DATA_DIR exists and belongs to dripbook, so a volume mounted there is
# writable; without one, its SQLite file and secrets go with the container.
RUN mkdir -p /app/data && chown dripbook /app/data
USER dripbook
ENV DATA_DIR=/app/data
# Reachable from outside the container: dripbook's own default without
# SMTP_URL is 127.0.0.1:8080, to keep captured mail on the machine.
ENV HTTP_ADDR=:8080
VOLUME /app/data
EXPOSE 8080
ENTRYPOINT ["dripbook"]
