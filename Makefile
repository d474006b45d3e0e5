# csrun: build, test, demo and install. Every target installs what it needs.
PREFIX ?= /usr/local
DOTNET ?= dotnet
COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
BIN := bin/csrun
SOURCES := $(shell find src -name '*.cs' -o -name '*.csproj') Directory.Build.props global.json

VM_RUN ?= $(CURDIR)/../shared/tools/vm/vm-run.sh

.PHONY: all build test unit-test integration-test integration-test-v2 manager-test manager-deps demo install clean deps probe \
	checker conformance conformance-test conformance-v2 bench bench-host bench-vm

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
	command -v newuidmap >/dev/null || missing="$$missing uidmap"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# A static helper the integration tests copy into containers to make exact system calls.
PROBE := bin/syscall-probe
ESCAPE_PROBE := bin/escape-probe
probe: $(PROBE) $(ESCAPE_PROBE)
$(PROBE): tests/helpers/syscall-probe.c | deps
	@mkdir -p bin
	gcc -static -O2 -Wall -o $@ $<
# The attacker side of the security tests (SecurityTests.cs).
$(ESCAPE_PROBE): tests/helpers/escape-probe.c | deps
	@mkdir -p bin
	gcc -static -O2 -Wall -o $@ $<

# The runtime-spec conformance checker (conformance/checker): runs inside the containers.
CHECKER := bin/oci-check
checker: $(CHECKER)
$(CHECKER): $(wildcard conformance/checker/*.c conformance/checker/*.h) | deps
	@mkdir -p bin
	gcc -static -O2 -Wall -Wextra -o $@ $(filter %.c,$^)

# The conformance suite against csrun, runc and crun (same run), written to conformance/RESULTS.md
# (with a csrun-on-cgroup-v2 column when conformance/results/csrun-v2.tap exists).
CONFORMANCE_RUNTIMES ?= $(CURDIR)/$(BIN) /usr/sbin/runc crun
conformance: build deps checker
	./conformance/run.sh --results conformance/RESULTS.md $(CONFORMANCE_RUNTIMES)

# csrun only, for `make test`: TestResults/conformance/csrun.tap, counted by summarize-trx.sh.
conformance-test: build deps checker
	./conformance/run.sh --tap-dir TestResults/conformance $(CURDIR)/$(BIN)

# csrun only, inside the pure cgroup v2 VM: conformance/results/csrun-v2.tap (run by hand; the
# next `make conformance` puts it in RESULTS.md).
conformance-v2: build deps checker
	@test -x $(VM_RUN) || { echo "$(VM_RUN) is missing: the cgroup v2 run needs it" >&2; exit 1; }
	$(VM_RUN) --timeout 3000 -- ./conformance/run.sh --tap-dir conformance/results --suffix -v2 $(CURDIR)/$(BIN)

unit-test:
	$(DOTNET) test tests/Csrun.Tests/Csrun.Tests.csproj --nologo --logger "trx;LogFileName=unit.trx" --results-directory TestResults

# IT_FILTER="Category=Security" (any dotnet test --filter) runs part of the suite.
IT_FILTER ?=
IT_FILTER_ARG = $(if $(IT_FILTER),--filter "$(IT_FILTER)")

integration-test: build deps probe
	CSRUN_BINARY=$(CURDIR)/$(BIN) $(DOTNET) test tests/Csrun.IntegrationTests/Csrun.IntegrationTests.csproj --nologo \
		$(IT_FILTER_ARG) --logger "trx;LogFileName=integration.trx" --results-directory TestResults

# The same integration tests on a pure cgroup v2 host: a throw-away QEMU VM (shared/tools/vm).
# Fork and exec are ~30x slower under emulation: the hang detector, the config fuzzer and the
# kill -9 test run fewer cycles there, and
# the categories that do not depend on the cgroup hierarchy (seccomp, spec validation, the
# escape tests but the device attacks) run on the host only. The rootless tests add a host user
# (useradd, usermod --add-subuids), which the VM's read-only / does not allow: host only too.
V2_FILTER ?= Category!=Seccomp&Category!=BadInput&Category!=Rootless&(Category!=Security|FullyQualifiedName~Mknod|FullyQualifiedName~Host_Disk)
# The whole suite took longer than 25 minutes on a machine whose 2 cores other VMs shared.
integration-test-v2: build deps probe
	@test -x $(VM_RUN) || { echo "$(VM_RUN) is missing: the cgroup v2 tests need it" >&2; exit 1; }
	$(DOTNET) build tests/Csrun.IntegrationTests/Csrun.IntegrationTests.csproj --nologo -v quiet
	$(VM_RUN) --timeout 3000 --disk 64M -- env CSRUN_BINARY=$(CURDIR)/$(BIN) CSRUN_HANG_CYCLES=20 CSRUN_TIMEOUT_SCALE=3 CSRUN_FUZZ_CASES=100 CSRUN_CRASH_REPS=10 \
		$(DOTNET) test tests/Csrun.IntegrationTests/Csrun.IntegrationTests.csproj --no-build --nologo \
		--filter "$(if $(IT_FILTER),$(IT_FILTER),$(V2_FILTER))" --logger "trx;LogFileName=integration-v2.trx" --results-directory TestResults

# The managers the manager tests drive: containerd (+ its runc v2 shim and ctr), podman with
# conmon, docker.io. A temporary policy-rc.d keeps apt from starting the system's own daemons:
# the tests start private ones and must not find (or leave) a system dockerd or containerd.
manager-deps: deps
	@missing=""; \
	command -v containerd >/dev/null && command -v containerd-shim-runc-v2 >/dev/null || missing="$$missing containerd"; \
	command -v podman >/dev/null || missing="$$missing podman"; \
	command -v conmon >/dev/null || missing="$$missing conmon"; \
	[ -x /usr/bin/docker ] && command -v dockerd >/dev/null || missing="$$missing docker.io"; \
	command -v script >/dev/null || missing="$$missing bsdutils"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		guard=""; if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d && guard=1; fi; \
		(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		rc=$$?; [ -n "$$guard" ] && rm -f /usr/sbin/policy-rc.d; [ $$rc -eq 0 ] || exit $$rc; \
	fi

# containerd 1.6, podman 4.3 and docker 20.10, each started by the tests with private dirs,
# driving bin/csrun (MANAGER_RUNTIME=/usr/sbin/runc runs the same tests against runc).
manager-test: build manager-deps
	CSRUN_BINARY=$(CURDIR)/$(BIN) $(DOTNET) test tests/Csrun.ManagerTests/Csrun.ManagerTests.csproj --nologo \
		--logger "trx;LogFileName=manager.trx" --results-directory TestResults

# Runs every test suite, then prints the line CI reads: "N passed, N failed".
test: build deps
	@rm -rf TestResults; status=0; \
	$(MAKE) --no-print-directory unit-test || status=1; \
	$(MAKE) --no-print-directory integration-test || status=1; \
	$(MAKE) --no-print-directory manager-test || status=1; \
	$(MAKE) --no-print-directory conformance-test || status=1; \
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
