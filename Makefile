# Schakel. `make demo` and `make test` do all the set-up on a fresh machine
# with Go installed; tools are pinned in tools/go.mod and run with `go tool`.
GO      ?= go
TOOL    := $(GO) tool -modfile=tools/go.mod
BIN     := bin/schakel
PKGS    := ./...

.PHONY: all build test test-short demo bench notify-load lint generate generate-check fmt vet fuzz clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/schakel

vet:
	$(GO) vet $(PKGS)

fmt:
	gofmt -l -w $$(git ls-files '*.go' | grep -v '\.pb\.go$$')

# The whole suite: vet, race-enabled tests (the Rego tests and scenario files
# run inside `go test`), buf lint, and a check that generated code is fresh.
test: vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$'); exit 1; }
	SCHAKEL_NOTIFY_LOAD=1000 $(GO) test -race -count=1 -timeout 20m $(PKGS)
	$(TOOL) buf lint
	$(MAKE) generate-check

test-short:
	$(GO) test -count=1 $(PKGS)

demo: build
	$(GO) run ./demo --bin $(BIN) --dir demo/run

# Issue 7: micro-benchmarks, embedded vs OPA-over-HTTP decision, gateway vs a bare
# two-hop mTLS forward at c1/c8/c64, peak RSS, replica scaling on PostgreSQL;
# writes bench/results/latest.json and BENCHMARKS.md (see there). BENCH_FLAGS adds options.
bench: build
	$(GO) run ./bench --bin $(BIN) $(BENCH_FLAGS)

# Issue 6's load: 10,000 notifications while the receiver restarts; prints the counts.
notify-load:
	$(GO) test -count=1 -run '^TestLoad$$' -v -timeout 20m ./gateway/notify/

lint: vet
	$(TOOL) buf lint

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
	./gateway/config:FuzzParse

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz: $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

generate:
	$(TOOL) buf generate

# Regenerate into a scratch folder and compare with the committed code.
generate-check:
	@tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && \
	$(TOOL) buf generate -o $$tmp && \
	for f in $$(cd $$tmp/proto && find . -name '*.go'); do \
		cmp -s $$tmp/proto/$$f proto/$$f || { echo "generate-check: proto/$$f is stale; run make generate"; exit 1; }; \
	done && \
	n1=$$(cd $$tmp/proto && find . -name '*.go' | wc -l) && n2=$$(find proto -name '*.go' | wc -l) && \
	test $$n1 -eq $$n2 || { echo "generate-check: generated file set differs; run make generate"; exit 1; }; \
	echo "generate-check: generated code is up to date"

clean:
	rm -rf bin demo/run
