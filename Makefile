# Schakel. `make demo` and `make test` do all the set-up on a fresh machine
# with Go installed; tools are pinned in tools/go.mod and run with `go tool`.
GO      ?= go
TOOL    := $(GO) tool -modfile=tools/go.mod
BIN     := bin/schakel
PKGS    := ./...

.PHONY: all build image test test-short demo demo-up demo-down bench notify-load lint generate generate-check fmt vet fuzz clean

all: build

# Version and commit for `schakel version` (also read from Go's build
# information when these are unset).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
IMAGE   ?= schakel:$(VERSION)

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/schakel

# The container image (Dockerfile: static binary on distroless). Where no
# Docker daemon answers, this says so and exits 0 without building.
image:
	@if ! command -v docker >/dev/null 2>&1; then \
		echo "make image: docker is not installed; no image built (Dockerfile is ready: docker build -t $(IMAGE) .)"; exit 0; fi; \
	if ! docker info >/dev/null 2>&1; then \
		echo "make image: no Docker daemon is running; no image built (start one, then make image)"; exit 0; fi; \
	docker build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) -t $(IMAGE) . && \
	echo "make image: built $(IMAGE)"

vet:
	$(GO) vet $(PKGS)

fmt:
	gofmt -l -w $$(git ls-files '*.go' | grep -v '\.pb\.go$$')

# The whole suite: vet, race-enabled tests (the Rego tests and scenario files
# run inside `go test`), buf lint, and a check that generated code is fresh.
# Fuzz targets run their seed corpora (testdata/fuzz/ and f.Add) here as plain
# tests; actual fuzzing is `make fuzz`: a short -fuzz run per target is left
# out because the coverage-instrumented build of the OPA-linked packages alone
# took minutes on the shared 2-core machine.
test: vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$'); exit 1; }
	SCHAKEL_NOTIFY_LOAD=1000 $(GO) test -race -count=1 -timeout 20m $(PKGS)
	$(TOOL) buf lint
	$(MAKE) generate-check

test-short:
	$(GO) test -short -count=1 $(PKGS)

demo: build
	$(GO) run ./demo --bin $(BIN) --dir demo/run

# The demo, then its four nodes started again and left running (pids in
# demo/run/pids), so that the examples and the consoles can be tried;
# make demo-down stops them (make demo and demo-up stop them first too).
demo-up: build
	$(GO) run ./demo --bin $(BIN) --dir demo/run --up

demo-down:
	$(GO) run ./demo --dir demo/run --down

# Micro-benchmarks, embedded vs OPA-over-HTTP decision, gateway vs a bare
# two-hop mTLS forward at c1/c8/c64, peak RSS, replica scaling on PostgreSQL;
# writes bench/results/latest.json and BENCHMARKS.md (see there). BENCH_FLAGS adds options.
bench: build
	$(GO) run ./bench --bin $(BIN) $(BENCH_FLAGS)

# The notification load test: 10,000 notifications while the receiver restarts; prints the counts.
notify-load:
	$(GO) test -count=1 -run '^TestLoad$$' -v -timeout 20m ./gateway/notify/

# go vet, buf lint, golangci-lint (.golangci.yml; pinned in tools/lint/go.mod,
# a module of its own because OPA's dependency graph selects a gobwas/glob
# that golangci-lint's linters do not build with) and govulncheck (pinned in
# tools/go.mod). govulncheck needs the vulnerability database at vuln.go.dev
# (or GOVULNDB=file:///mirror): when it cannot be reached, lint warns loudly
# and goes on; vulnerabilities found always fail.
LINT    := $(GO) tool -modfile=tools/lint/go.mod golangci-lint
GOVULNDB ?= https://vuln.go.dev

lint: vet
	$(TOOL) buf lint
	$(LINT) run ./...
	@out=$$($(TOOL) govulncheck -db $(GOVULNDB) ./... 2>&1); rc=$$?; echo "$$out"; \
	if [ $$rc -eq 0 ]; then echo "govulncheck: no known vulnerabilities"; \
	elif echo "$$out" | grep -qE 'fetching vulnerabilities|no such host|dial tcp|connection refused|i/o timeout'; then \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
		echo "!! WARNING: govulncheck did NOT run: the vulnerability database      !!"; \
		echo "!! ($(GOVULNDB)) is unreachable from this machine. Dependencies are   !!"; \
		echo "!! NOT checked for known vulnerabilities. Run make lint with network  !!"; \
		echo "!! access, or GOVULNDB=file:///path/to/mirror.                         !!"; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	else echo "govulncheck: failed (exit $$rc)"; exit $$rc; fi

# Fuzz targets as package:target. `make fuzz` runs each for FUZZTIME; their
# seed corpora (testdata/fuzz/ and f.Add) run in every plain `go test`.
FUZZTIME ?= 30s
FUZZ_TARGETS := \
	./gateway/exchange:FuzzValidateRequest \
	./gateway/exchange:FuzzValidateWire \
	./policy:FuzzParseInput \
	./policy:FuzzLoadPack \
	./policy/signing:FuzzVerifyThreshold \
	./policy/signing:FuzzParseTrustedKey \
	./gateway/audit:FuzzOpenCheckpoint \
	./gateway/audit:FuzzVerifyCommit \
	./gateway/audit:FuzzVerifyCorruptedStore \
	./gateway/audit:FuzzWitnessConsistency \
	./gateway/config:FuzzParse

# Go 1.26's fuzz coordinator can end a clean run with a bare "context deadline
# exceeded" at the -fuzztime boundary (golang/go#75804, fixed in Go 1.27).
# A run fails when it writes a reproducer to testdata/fuzz/<target>/ or fails
# any other way; that one message with no reproducer is reported as a flake.
fuzz:
	@fail=0; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; dir=$$pkg/testdata/fuzz/$$name; \
		before=$$(ls $$dir 2>/dev/null | sort); \
		echo "fuzz: $$name in $$pkg for $(FUZZTIME)"; \
		out=$$($(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg 2>&1); rc=$$?; \
		echo "$$out" | tail -n 4; \
		after=$$(ls $$dir 2>/dev/null | sort); \
		if [ $$rc -eq 0 ]; then continue; fi; \
		if [ "$$before" = "$$after" ] && echo "$$out" | grep -q '^    context deadline exceeded$$' \
			&& [ $$(echo "$$out" | grep -c -- '--- FAIL') -eq 1 ]; then \
			echo "fuzz: $$name: coordinator deadline flake (golang/go#75804), no reproducer; not a failure"; \
		else echo "$$out"; echo "fuzz: $$name FAILED (reproducer, if any, in $$dir)"; fail=1; fi; \
	done; exit $$fail

# buf generate, then docs/overlay merges docs/openapi-extra.yaml (mTLS,
# error responses and reasons, examples) into docs/openapi.yaml.
OVERLAY := $(GO) run ./docs/overlay -extra docs/openapi-extra.yaml

# The Go client a vendor generates from docs/openapi.yaml with oapi-codegen
# (examples/go-client, tested against real nodes).
OAPI_CONFIG := examples/go-client/oapi-codegen.yaml

generate:
	$(TOOL) buf generate
	$(OVERLAY) docs/openapi.yaml
	$(TOOL) oapi-codegen -config $(OAPI_CONFIG) docs/openapi.yaml

# Regenerate into a scratch folder and compare with the committed code.
generate-check:
	@tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && \
	$(TOOL) buf generate -o $$tmp && \
	$(OVERLAY) $$tmp/docs/openapi.yaml && \
	for f in $$(cd $$tmp/proto && find . -name '*.go'); do \
		cmp -s $$tmp/proto/$$f proto/$$f || { echo "generate-check: proto/$$f is stale; run make generate"; exit 1; }; \
	done && \
	n1=$$(cd $$tmp/proto && find . -name '*.go' | wc -l) && n2=$$(find proto -name '*.go' | wc -l) && \
	test $$n1 -eq $$n2 || { echo "generate-check: generated file set differs; run make generate"; exit 1; }; \
	cmp -s $$tmp/docs/openapi.yaml docs/openapi.yaml || { echo "generate-check: docs/openapi.yaml is stale; run make generate"; exit 1; }; \
	sed "s#^output: .*#output: $$tmp/localapi.gen.go#" $(OAPI_CONFIG) > $$tmp/oapi.yaml && \
	$(TOOL) oapi-codegen -config $$tmp/oapi.yaml $$tmp/docs/openapi.yaml && \
	cmp -s $$tmp/localapi.gen.go examples/go-client/localapi/localapi.gen.go || { echo "generate-check: examples/go-client/localapi is stale; run make generate"; exit 1; }; \
	echo "generate-check: generated code, docs/openapi.yaml and the Go client are up to date"

clean:
	rm -rf bin demo/run
