# Thin targets: CI calls `make test`. Everything needs only Go (and, for the
# browser tests, Chromium, which `make test` installs with apt-get as root).

GO        ?= go
WEB       := build/web
WASM      := $(WEB)/app.wasm
BIN       := bin/chat
ADDR      ?= localhost:8080
WASM_SRCS := $(shell find app wasm -name '*.go' -not -name '*_test.go') go.mod go.sum

.PHONY: all run build wasm axe test test-short vet fmt lint bench bench-web cluster clean

all: fmt lint test

## run: build everything and serve the chat on http://$(ADDR)
run: build
	./$(BIN) -addr $(ADDR)

## build: the server binary with the client embedded
build: wasm
	$(GO) build -trimpath -o $(BIN) ./server/cmd/chat

# The client's other files: a change to any of them is a new version.
WEB_FILES := $(filter-out $(WASM) $(WASM).br $(WASM).gz $(WEB)/version,$(wildcard $(WEB)/*))

## wasm: the WebAssembly client, its version stamp and its compressed copies
wasm: $(WASM) $(WASM).br $(WASM).gz $(WEB)/version

# Inlining is off where the client spends little time: its own code and
# go-app's (they mostly build the page, the browser does the rest),
# packages that run at start-up or seldom (crypto and math/big, linked by
# net/http's init; go-app's route regexp; time and net/url), and the text
# and JSON packages, whose work per frame is small beside the page's.
# Calls instead of inlined copies make the wasm compress better
# (docs/BENCHMARKS.md, "Light again"). Inlining stays on where it lets the
# linker drop code (net/http, os) and in reflect, which go-app's every
# render walks.
WASM_GCFLAGS := -gcflags='github.com/...=-l' -gcflags='crypto/...=-l' -gcflags='math/big=-l' \
	-gcflags='encoding/asn1=-l' -gcflags='regexp/...=-l' -gcflags='time=-l' -gcflags='net/url=-l' \
	-gcflags='encoding/json=-l' -gcflags='fmt=-l' -gcflags='strings=-l' -gcflags='strconv=-l' \
	-gcflags='internal/strconv=-l' -gcflags='bytes=-l' -gcflags='unicode/...=-l'

$(WASM): $(WASM_SRCS)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w' $(WASM_GCFLAGS) -o $(WASM) ./wasm
	@$(GO) run ./build/internal/wasmdata $(WASM)
	@echo "wasm: $$(wc -c < $(WASM)) bytes"

# The version hashes the wasm and every other file of the client.
$(WEB)/version: $(WASM) $(WEB_FILES) build/internal/stamp/main.go
	@$(GO) run ./build/internal/stamp $(WEB) $@
	@echo "version $$(cat $@)"

# Brotli and gzip copies, served to browsers that accept them. The tool
# keeps copies that already hold the wasm's bytes (a relink often gives the
# same bytes), so the slow brotli pass runs only when the client changed.
$(WASM).br $(WASM).gz: $(WASM)
	@$(GO) run ./build/internal/compress $(WASM)

## test: lint (gofmt, vet native and wasm, staticcheck), then every test
## with -race, browser tests included
test: wasm lint axe
	@sh scripts/need-chromium.sh
	@sh scripts/need-caddy.sh
	$(GO) test -race -count=1 -timeout 25m -parallel 3 ./...

# axe-core, the accessibility checker the browser tests inject into the
# page, from the npm registry at a pinned version, into a git-ignored cache
# (never committed). server/browser_ux_test.go reads it from $(AXE) or
# $$AXE_CORE.
AXE_VERSION := 4.14.1
AXE_DIR     := .cache/axe-$(AXE_VERSION)
AXE         := $(AXE_DIR)/node_modules/axe-core/axe.min.js

## axe: fetch axe-core for the accessibility test (needs npm)
axe: $(AXE)

$(AXE):
	@command -v npm >/dev/null 2>&1 || { echo "The accessibility test needs npm to fetch axe-core (Debian: apt-get install npm), or set AXE_CORE to axe.min.js." >&2; exit 1; }
	npm install --prefix $(AXE_DIR) --no-save --no-package-lock --no-audit --no-fund --loglevel=error axe-core@$(AXE_VERSION)

## bench: the server's standard load scenarios (chatbench); rewrites the
## table in docs/BENCHMARKS.md. GORILLA=path adds the gorilla/websocket chat
## example, built outside this repository, as the control. RUNS runs each
## scenario that many times, the chat and the control in turn;
## SERVER_CPUS=0 runs the servers on CPU 0 and the tool on the others
## (empty, the default: all share; see docs/BENCHMARKS.md for what each
## shows); ONLY picks scenarios by name (comma-separated parts).
GORILLA     ?=
RUNS        ?= 2
SERVER_CPUS ?=
ONLY        ?=
bench: build
	$(GO) run ./server/cmd/chatbench -standard -server $(BIN) $(if $(GORILLA),-gorilla $(GORILLA)) -runs $(RUNS) $(if $(SERVER_CPUS),-server-cpus $(SERVER_CPUS)) $(if $(ONLY),-only $(ONLY)) -markdown docs/BENCHMARKS.md

## bench-web: load the client in headless Chromium, cold and warm; see docs/BENCHMARKS.md
bench-web: wasm
	@sh scripts/need-chromium.sh
	$(GO) test -run '^$$' -bench WebLoad -benchtime 3x -count 1 ./server/

## cluster: three NATS servers, three chat nodes and Caddy in front of them
## on http://localhost:8080 (Caddy installed with apt-get when missing and
## root); Ctrl-C stops all of it. See docs/cluster.md.
cluster: build
	@sh scripts/need-caddy.sh
	@sh scripts/cluster.sh

## test-short: the tests without a browser
test-short: wasm
	$(GO) test -race -count=1 -short ./...

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./app/... ./wasm/...

fmt:
	gofmt -w app server build wasm

# staticcheck at a pinned version, built from the module proxy into the
# git-ignored .cache/ (a native binary, so it can also check the wasm build).
STATICCHECK_VERSION := v0.8.2
STATICCHECK         := .cache/staticcheck-$(STATICCHECK_VERSION)/staticcheck

$(STATICCHECK):
	GOBIN=$(CURDIR)/$(dir $@) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

## lint: gofmt, go vet (native and wasm) and staticcheck (native and wasm)
lint: vet $(STATICCHECK)
	@test -z "$$(gofmt -l app server build wasm)" || (echo "gofmt would change:"; gofmt -l app server build wasm; exit 1)
	$(STATICCHECK) ./...
	GOOS=js GOARCH=wasm $(STATICCHECK) ./app/... ./wasm/...

clean:
	rm -rf bin $(WASM) $(WASM).br $(WASM).gz $(WEB)/version
