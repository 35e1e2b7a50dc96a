# Build a static dripbook binary, then run it from a small image.
FROM golang:1.27-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/dripbook ./cmd/dripbook

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata wget \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /app --create-home dripbook
COPY --from=build /out/dripbook /usr/local/bin/dripbook
WORKDIR /app
USER dripbook
ENV DATA_DIR=/app/data
EXPOSE 8080
ENTRYPOINT ["dripbook"]
