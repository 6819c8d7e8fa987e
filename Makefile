# Thin targets: CI calls `make test`. Everything needs only Go (and, for the
# browser tests, Chromium, which `make test` installs with apt-get as root).

GO        ?= go
WEB       := build/web
WASM      := $(WEB)/app.wasm
BIN       := bin/chat
ADDR      ?= localhost:8080
WASM_SRCS := $(shell find app wasm -name '*.go' -not -name '*_test.go') go.mod go.sum

.PHONY: all run build wasm test test-short vet fmt lint bench clean

all: fmt vet test

## run: build everything and serve the chat on http://$(ADDR)
run: build
	./$(BIN) -addr $(ADDR)

## build: the server binary with the client embedded
build: wasm
	$(GO) build -trimpath -o $(BIN) ./server/cmd/chat

## wasm: the WebAssembly client and its version stamp
wasm: $(WASM)

$(WASM): $(WASM_SRCS)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w' -o $(WASM) ./wasm
	@$(GO) run ./build/internal/stamp $(WASM) $(WEB)/version
	@echo "wasm: $$(wc -c < $(WASM)) bytes, version $$(cat $(WEB)/version)"

## test: vet (native and wasm), then every test with -race, browser tests included
test: wasm vet
	@sh scripts/need-chromium.sh
	$(GO) test -race -count=1 -timeout 20m ./...

## test-short: the tests without a browser
test-short: wasm
	$(GO) test -race -count=1 -short ./...

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./app/... ./wasm/...

fmt:
	gofmt -w app server build wasm

lint: vet
	@test -z "$$(gofmt -l app server build wasm)" || (gofmt -l app server build wasm; exit 1)

clean:
	rm -rf bin $(WASM) $(WASM).br $(WASM).gz $(WEB)/version
