# csrun: build, test, demo and install. Every target installs what it needs.
PREFIX ?= /usr/local
DOTNET ?= dotnet
COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
BIN := bin/csrun
SOURCES := $(shell find src -name '*.cs' -o -name '*.csproj') Directory.Build.props global.json

VM_RUN ?= $(CURDIR)/../shared/tools/vm/vm-run.sh

.PHONY: all build test unit-test integration-test integration-test-v2 demo install clean deps probe bench bench-host bench-vm

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
	[ -f /usr/share/containers/seccomp.json ] || missing="$$missing golang-github-containers-common"; \
	command -v gcc >/dev/null || missing="$$missing gcc"; \
	[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || missing="$$missing libc6-dev"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# A static helper the integration tests copy into containers to make exact system calls.
PROBE := bin/syscall-probe
probe: $(PROBE)
$(PROBE): tests/helpers/syscall-probe.c | deps
	@mkdir -p bin
	gcc -static -O2 -Wall -o $@ $<

unit-test:
	$(DOTNET) test tests/Csrun.Tests/Csrun.Tests.csproj --nologo --logger "trx;LogFileName=unit.trx" --results-directory TestResults

integration-test: build deps probe
	CSRUN_BINARY=$(CURDIR)/$(BIN) $(DOTNET) test tests/Csrun.IntegrationTests/Csrun.IntegrationTests.csproj --nologo \
		--logger "trx;LogFileName=integration.trx" --results-directory TestResults

# The same integration tests on a pure cgroup v2 host: a throw-away QEMU VM (shared/tools/vm).
# Fork and exec are ~30x slower under emulation: the hang detector runs fewer cycles there.
integration-test-v2: build deps probe
	@test -x $(VM_RUN) || { echo "$(VM_RUN) is missing: the cgroup v2 tests need it" >&2; exit 1; }
	$(DOTNET) build tests/Csrun.IntegrationTests/Csrun.IntegrationTests.csproj --nologo -v quiet
	$(VM_RUN) --timeout 1500 --disk 64M -- env CSRUN_BINARY=$(CURDIR)/$(BIN) CSRUN_HANG_CYCLES=20 \
		$(DOTNET) test tests/Csrun.IntegrationTests/Csrun.IntegrationTests.csproj --no-build --nologo \
		--logger "trx;LogFileName=integration-v2.trx" --results-directory TestResults

# Runs every test suite, then prints the line CI reads: "N passed, N failed".
test: build deps
	@rm -rf TestResults; status=0; \
	$(MAKE) --no-print-directory unit-test || status=1; \
	$(MAKE) --no-print-directory integration-test || status=1; \
	$(MAKE) --no-print-directory integration-test-v2 || status=1; \
	./tests/summarize-trx.sh TestResults; \
	exit $$status

# Side-by-side benchmarks against runc and crun (not part of `make test`): writes bench/RESULTS.md.
# BENCH_N=100 sequential runs by default; BENCH_VM=0 skips the pure cgroup v2 run in the VM.
BENCH_VM ?= 1
bench: bench-host
	@if [ "$(BENCH_VM)" = 1 ]; then $(MAKE) --no-print-directory bench-vm; fi

bench-host: build deps
	CSRUN=$(CURDIR)/$(BIN) bench/bench.sh

bench-vm: build deps
	CSRUN=$(CURDIR)/$(BIN) VM_RUN=$(VM_RUN) bench/bench.sh --vm

demo: build deps
	./tests/demo.sh $(CURDIR)/$(BIN)

install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/csrun

clean:
	rm -rf bin obj TestResults src/*/bin src/*/obj tests/*/bin tests/*/obj
