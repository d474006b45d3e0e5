# csrun: build, test, demo and install. Every target installs what it needs.
PREFIX ?= /usr/local
DOTNET ?= dotnet
COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
BIN := bin/csrun
SOURCES := $(shell find src -name '*.cs' -o -name '*.csproj') Directory.Build.props global.json

.PHONY: all build test unit-test integration-test demo install clean deps

all: build

build: $(BIN)

$(BIN): $(SOURCES)
	@command -v $(DOTNET) >/dev/null || { echo "the .NET 10 SDK (dotnet) is required" >&2; exit 1; }
	$(DOTNET) publish src/Csrun/Csrun.csproj -c Release -r linux-x64 -p:PublishAot=true \
		-p:SourceRevisionId=$(COMMIT) -o obj/publish --nologo -v quiet
	@mkdir -p bin
	cp obj/publish/csrun $(BIN).tmp && mv -f $(BIN).tmp $(BIN)
	@ls -l $(BIN)

# Debian packages the tests and the demo use.
deps:
	@missing=""; \
	[ -x /bin/busybox ] || missing="$$missing busybox-static"; \
	command -v jq >/dev/null || missing="$$missing jq"; \
	command -v ip >/dev/null || missing="$$missing iproute2"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

unit-test:
	$(DOTNET) test tests/Csrun.Tests/Csrun.Tests.csproj --nologo --logger "trx;LogFileName=unit.trx" --results-directory TestResults

integration-test: build deps
	CSRUN_BINARY=$(CURDIR)/$(BIN) $(DOTNET) test tests/Csrun.IntegrationTests/Csrun.IntegrationTests.csproj --nologo \
		--logger "trx;LogFileName=integration.trx" --results-directory TestResults

# Runs every test suite, then prints the line CI reads: "N passed, N failed".
test: build deps
	@rm -rf TestResults; status=0; \
	$(MAKE) --no-print-directory unit-test || status=1; \
	$(MAKE) --no-print-directory integration-test || status=1; \
	./tests/summarize-trx.sh TestResults; \
	exit $$status

demo: build deps
	./tests/demo.sh $(CURDIR)/$(BIN)

install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/csrun

clean:
	rm -rf bin obj TestResults src/*/bin src/*/obj tests/*/bin tests/*/obj
