# A static Schakel node image: CGO_ENABLED=0 (modernc.org/sqlite is pure
# Go), on distroless/static (no shell, no package manager), as the nonroot
# user. Build with `make image` (VERSION and COMMIT from git).
#
#   docker run --rm -v /etc/schakel:/etc/schakel:ro -v schakel-data:/var/lib/schakel \
#     -p 8443:8443 -p 9443:9443 schakel:dev serve --config /etc/schakel/node.yaml
#
# The configuration's data_dir must be /var/lib/schakel (or another
# writable volume); certificates and keys are mounted read-only.
#
# File modes: the node refuses a data folder that group or others may enter
# and a private key or pseudonym secret they may read. The image's data
# folder is 0700, owned by 65532 (a new named volume takes both over); a
# bind-mounted one must be too (chown 65532:65532 DIR && chmod 700 DIR).
# Mounted keys must be mode 0600 and owned by uid 65532, who must read them.
# Check before starting:
#   docker run --rm -v ... schakel:dev validate-config --config /etc/schakel/node.yaml
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/schakel ./cmd/schakel && \
    mkdir -p -m 0700 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/schakel /usr/local/bin/schakel
COPY --from=build --chown=65532:65532 --chmod=0700 /out/data /var/lib/schakel
VOLUME ["/var/lib/schakel"]
USER 65532:65532
# peer (other organisations), local (own systems: gRPC and JSON), metrics.
EXPOSE 8443 9443 9090
ENTRYPOINT ["/usr/local/bin/schakel"]
CMD ["serve", "--config", "/etc/schakel/node.yaml"]
