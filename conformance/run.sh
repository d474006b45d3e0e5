#!/usr/bin/env bash
# run.sh [--results FILE.md] [--tap-dir DIR] [--suffix S] [--only V1,V2] [RUNTIME...]
#
# csrun's runtime-spec conformance suite. For each RUNTIME (a binary; "crun" means /usr/bin/crun
# through conformance/crun-wrapper.sh; default: bin/csrun /usr/sbin/runc crun) and each config
# variant below, it makes a busybox bundle whose process is bin/oci-check (the checker, run
# inside the container: it reads the same config.json and prints TAP), drives the runtime
# through create/start/state/kill/delete like a runtime caller, and checks from outside what
# the spec says about the lifecycle, the state, hooks and errors.
#
# Output: DIR/NAME[S].tap per runtime (default DIR: conformance/results), one TAP point per line,
# named "variant/section: what". With --results, FILE.md gets a table per section for every
# runtime of this run and the points where csrun and runc differ, with the reasons from
# conformance/differences.txt. Failing points listed in conformance/known-failures.txt are
# marked "# TODO reason". Exit status: 0 when the first runtime failed no other point.
#
# Needs root, jq, busybox-static (tests/bundle/make-bundle.sh), unshare, mknod. Everything it
# makes lives in one private tmpfs (made a shared mount, so propagation can be tested) under
# /tmp, below the caller's own cgroups, and is removed at exit, failure or not.
set -u
umask 022

HERE=$(cd "$(dirname "$0")" && pwd -P)
REPO=$(cd "$HERE/.." && pwd -P)
CHECKER=${OCI_CHECK:-$REPO/bin/oci-check}
RESULTS=
TAPDIR=$HERE/results
ONLY=
SUFFIX=
while [ $# -gt 0 ]; do
	case $1 in
	--results) RESULTS=$2; shift 2 ;;
	--tap-dir) TAPDIR=$2; shift 2 ;;
	--only) ONLY=,$2,; shift 2 ;;
	--suffix) SUFFIX=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || set -- "$REPO/bin/csrun" /usr/sbin/runc crun
[ "$(id -u)" = 0 ] || { echo "run.sh: must run as root" >&2; exit 2; }
[ -x "$CHECKER" ] || { echo "run.sh: $CHECKER is missing (make conformance builds it)" >&2; exit 2; }
command -v jq >/dev/null || { echo "run.sh: jq is required" >&2; exit 2; }
mkdir -p "$TAPDIR"
TAPDIR=$(cd "$TAPDIR" && pwd -P)

# ------------------------------------------------------------------ work area --
W=$(mktemp -d /tmp/oci-conf.XXXXXX)
TAG=oci-conf-$$
HELPER=
HELPER_CHILD=
cleanup() {
	set +e
	for root in "$W"/state-*; do
		[ -d "$root" ] || continue
		local bin
		bin=$(cat "$root.bin" 2>/dev/null) || continue
		for id in $(ls "$root" 2>/dev/null); do
			timeout 20 "$bin" --root "$root" delete --force "$id" >/dev/null 2>&1
		done
	done
	# unshare --fork ignores SIGTERM while it waits: end its child, then reap it
	[ -n "$HELPER_CHILD" ] && kill -KILL "$HELPER_CHILD" 2>/dev/null
	[ -n "$HELPER" ] && wait "$HELPER" 2>/dev/null
	# our cgroups: TAG below our own cgroup in every hierarchy, deepest first
	find /sys/fs/cgroup -maxdepth 6 -type d -name "$TAG" 2>/dev/null | while read -r d; do
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	umount -R -l "$W" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mount -t tmpfs -o size=1g,mode=0755 oci-conf "$W" || { echo "run.sh: cannot mount a tmpfs on $W" >&2; exit 2; }
mount --make-shared "$W"
chmod 0755 "$W"
HOSTPEER=$(awk -v p="$W" '$5 == p { for (i = 7; $i != "-"; i++) if ($i ~ /^shared:/) { sub("shared:", "", $i); print $i } }' /proc/self/mountinfo | tail -n 1)

TEMPLATE=$W/template
"$REPO/tests/bundle/make-bundle.sh" "$TEMPLATE" >/dev/null || { echo "run.sh: make-bundle.sh failed" >&2; exit 2; }
mkdir -p "$TEMPLATE/rootfs/.oci"
cp "$CHECKER" "$TEMPLATE/rootfs/.oci/oci-check"
chmod 0755 "$TEMPLATE/rootfs/.oci" "$TEMPLATE/rootfs/.oci/oci-check"
# a device node the cgroup device rules are judged on: loop-control, in no runtime's default list
mknod -m 0666 "$TEMPLATE/rootfs/.oci/dev-probe" c 10 237

# What the container inherits when a namespace is not listed, measured here.
host_info() {
	local t
	for t in pid net mnt ipc uts user cgroup time; do
		[ -e /proc/self/ns/$t ] && echo "ns $t $(stat -L -c %i /proc/self/ns/$t)"
	done
	echo "capbnd $(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)"
	echo "oom_score_adj $(cat /proc/self/oom_score_adj)"
	[ -n "$HOSTPEER" ] && echo "peer $HOSTPEER"
	echo "devnode /.oci/dev-probe c 10 237"
}

# A process in its own pid, net, ipc, uts and cgroup namespaces, for joining by path.
start_helper() {
	[ -n "$HELPER" ] && return 0
	unshare --pid --fork --net --ipc --uts --cgroup --kill-child sleep 100000 </dev/null >/dev/null 2>&1 &
	HELPER=$!
	local i
	for i in $(seq 50); do
		HELPER_CHILD=$(cat /proc/$HELPER/task/$HELPER/children 2>/dev/null | awk '{ print $1 }')
		[ -n "$HELPER_CHILD" ] && [ "$(readlink /proc/$HELPER_CHILD/ns/uts)" != "$(readlink /proc/self/ns/uts)" ] && return 0
		sleep 0.05
	done
	echo "run.sh: the namespace helper did not start" >&2
	return 1
}

# ------------------------------------------------------------------------ TAP --
N=0
TAP=
# Known failures (conformance/known-failures.txt, "GLOB<TAB>reason"): a failing point that
# matches is reported "not ok ... # TODO reason" (TAP: not counted as a failure), for every
# runtime alike. Each entry says why the point is left failing.
KNOWN_GLOBS=()
KNOWN_WHY=()
while IFS= read -r line; do
	case $line in "#"*|"") continue ;; esac
	case $line in *"	"*) ;; *) continue ;; esac
	KNOWN_GLOBS+=("${line%%	*}")
	KNOWN_WHY+=("${line#*	}")
done <"$HERE/known-failures.txt"
todo_for() {	# todo_for NAME: prints " # TODO reason" when NAME is a known failure
	local i
	for i in "${!KNOWN_GLOBS[@]}"; do
		# shellcheck disable=SC2053
		if [[ $1 == ${KNOWN_GLOBS[$i]} ]]; then
			echo " # TODO ${KNOWN_WHY[$i]}"
			return
		fi
	done
}
tap() {	# tap 1|0 NAME [DIAG...]
	N=$((N + 1))
	if [ "$1" = 1 ]; then
		echo "ok $N - $2" >>"$TAP"
		return 0
	fi
	echo "not ok $N - $2$(todo_for "$2")" >>"$TAP"
	shift 2
	local d
	for d in "$@"; do [ -n "$d" ] && printf '%s\n' "$d" | sed 's/^/#   /'; done >>"$TAP"
	return 0
}
tap_skip() { N=$((N + 1)); echo "ok $N - $1 # SKIP $2" >>"$TAP"; }
# tap_is GOT WANT NAME
tap_is() { if [ "$1" = "$2" ]; then tap 1 "$3"; else tap 0 "$3" "got: $1" "want: $2"; fi; }
# tap_semver VERSION NAME: SemVer 2.0.0 (MAJOR.MINOR.PATCH[-pre][+build])
tap_semver() {
	if [[ $1 =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$ ]]; then
		tap 1 "$2"
	else
		tap 0 "$2" "got: $1"
	fi
}

# ------------------------------------------------------------ runtime calls --
# rt ARGS...: the runtime with our --root; stdio are files; RC, OUT, ERR set.
rt() {
	timeout -k 5 30 "$RTBIN" --root "$RTROOT" "$@" </dev/null >"$W/rt.out" 2>"$W/rt.err"
	RC=$?
	OUT=$(cat "$W/rt.out")
	ERR=$(head -c 2000 "$W/rt.err")
}
# create ID BUNDLE: the container's stdio are create's: B/out and B/err.
rt_create() {
	local start=$(date +%s%N)
	timeout -k 5 30 "$RTBIN" --root "$RTROOT" create --bundle "$2" --pid-file "$2/pid" "$1" \
		</dev/null >"$2/out" 2>"$2/err"
	RC=$?
	CREATE_MS=$((($(date +%s%N) - start) / 1000000))
	ERR=$(head -c 2000 "$2/err")
}
status_of() {	# prints the status, or "gone" when state fails
	local js
	js=$(timeout -k 5 30 "$RTBIN" --root "$RTROOT" state "$1" </dev/null 2>/dev/null) || { echo gone; return; }
	echo "$js" | jq -r '.status // "?"' 2>/dev/null || echo "unparsable state"
}
state_json() { timeout -k 5 30 "$RTBIN" --root "$RTROOT" state "$1" </dev/null 2>/dev/null; }
wait_status() {	# wait_status ID WANT SECONDS: 0 once state says WANT; 1 at the deadline or when gone
	local st deadline=$(($(date +%s) + $3))
	while :; do
		st=$(status_of "$1")
		[ "$st" = "$2" ] && return 0
		[ "$st" = gone ] && return 1
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# ----------------------------------------------------------- bundle making --
# new_bundle VARIANT: B (bundle), ID, CG (cgroupsPath); a fresh rootfs copy.
new_bundle() {
	V=$1
	B=$W/$NAME/$V
	ID=$TAG-$NAME-$V
	CG=$TAG/$NAME-$V
	mkdir -p "$B"
	cp -a "$TEMPLATE/rootfs" "$B/rootfs"
	host_info >"$B/rootfs/.oci/host-info"
}
# base_config: the runc-spec defaults of make-bundle.sh with the checker as the process.
base_config() {
	jq --arg cg "$CG" '
		.process.args = ["/.oci/oci-check"]
		| .process.env += ["OCI_CHECK=1"]
		| .linux.cgroupsPath = $cg
		| .annotations = {"org.example.conformance": "csrun", "org.example.empty": ""}
		| .["org.example.unknown-property"] = {"runtimes": "MUST ignore this"}
	' "$TEMPLATE/config.json"
}
# config [JQ ARGS...] FILTER: B/config.json = base | FILTER, copied into the rootfs for the
# checker. jq 1.6 turns integers above 2^53 into doubles: write "U64MAX" for 2^64-1.
config() {
	local filter=${*: -1}
	set -- "${@:1:$#-1}"
	base_config | jq "$@" "$filter" | sed 's/"U64MAX"/18446744073709551615/g' >"$B/config.json"
	[ "${PIPESTATUS[1]}" = 0 ] || { echo "run.sh: bad jq filter for $V" >&2; exit 2; }
	cp "$B/config.json" "$B/rootfs/.oci/config.json"
}
hinfo() { echo "$*" >>"$B/rootfs/.oci/host-info"; }

# ------------------------------------------------------- the checker run --
# run_checker: create, start, wait for exit, delete; checker TAP re-emitted as V/section.
run_checker() {
	rt_create "$ID" "$B"
	tap "$([ $RC = 0 ] && echo 1 || echo 0)" "$V/create: create succeeds" "$ERR"
	[ $RC = 0 ] || return 0
	rt start "$ID"
	tap "$([ $RC = 0 ] && echo 1 || echo 0)" "$V/create: start succeeds" "$ERR"
	wait_status "$ID" stopped 15
	tap "$([ $? = 0 ] && echo 1 || echo 0)" "$V/create: the container process exits (status stopped)"
	rt delete "$ID"
	[ $RC = 0 ] || rt delete --force "$ID"
	emit_checker_tap "$B/out"
	[ -s "$B/err" ] && { echo "# $V: the container's stderr:"; head -c 1000 "$B/err" | sed 's/^/#   /'; } >>"$TAP"
	return 0
}
emit_checker_tap() {
	local line plan=0
	while IFS= read -r line; do
		case $line in
		"ok "*|"not ok "*)
			local verdict=${line%% [0-9]*}
			local rest=${line#* - }
			local todo=
			N=$((N + 1))
			[ "$verdict" = "not ok" ] && todo=$(todo_for "$V/$rest")
			echo "$verdict $N - $V/$rest$todo" >>"$TAP" ;;
		"#"*) echo "$line" >>"$TAP" ;;
		1..*) plan=1 ;;
		*) echo "# $V: checker printed: $line" >>"$TAP" ;;
		esac
	done <"$1"
	tap "$plan" "$V/checker: ran to the end (printed its plan)"
}

# ---------------------------------------------------------- variants --
# Each v_NAME makes B and runs its checks. VARIANTS lists them in order.
VARIANTS="default process caps-root caps-root-nnp-false mounts rootprop-shared rootprop-slave rootprop-private
	rootprop-unbindable devices seccomp seccomp-nnp-false userns ns-cgroup ns-join ns-host
	ns-time cgroups hooks hook-fail hook-timeout lifecycle errors"

v_default() {
	new_bundle default
	config .
	run_checker
}

v_process() {
	new_bundle process
	config '
		.root.readonly = false
		| .hostname = "oci-process" | .domainname = "oci.example"
		| .process.user = {"uid": 1000, "gid": 1000, "additionalGids": [5, 100, 1000], "umask": 23}
		| .process.cwd = "/home/user"
		| .process.args += ["arg with spaces", "", "ünïcödé", "--flag=x", "a\nb"]
		| .process.env += ["WITH_EQUALS=a=b=c", "EMPTY=", "SPACES=x  y", "DUP=first", "DUP=second"]
		| .process.capabilities = {
			"bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN", "CAP_SETUID"],
			"inheritable": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"],
			"permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN", "CAP_SETUID"],
			"effective": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"ambient": ["CAP_KILL", "CAP_NET_BIND_SERVICE"]}
		| .process.rlimits = [
			{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024},
			{"type": "RLIMIT_NPROC", "soft": 1000, "hard": 2000},
			{"type": "RLIMIT_CORE", "soft": 0, "hard": "U64MAX"},
			{"type": "RLIMIT_MSGQUEUE", "soft": 8192, "hard": 819200},
			{"type": "RLIMIT_STACK", "soft": 8388608, "hard": "U64MAX"}]
		| .process.noNewPrivileges = false
		| .process.oomScoreAdj = 500
		| .linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmni": "2048",
			"net.ipv4.ip_local_port_range": "1100 60000"}'
	run_checker
}

CAPS_ROOT='{
	"bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SYS_ADMIN", "CAP_SYS_RESOURCE", "CAP_DAC_OVERRIDE"],
	"inheritable": ["CAP_KILL", "CAP_DAC_OVERRIDE"],
	"permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
	"effective": ["CAP_KILL"],
	"ambient": ["CAP_KILL"]}'
v_caps-root() {
	new_bundle caps-root
	config --argjson c "$CAPS_ROOT" '.process.capabilities = $c'
	run_checker
}
v_caps-root-nnp-false() {
	new_bundle caps-root-nnp-false
	config --argjson c "$CAPS_ROOT" '.process.capabilities = $c | .process.noNewPrivileges = false'
	run_checker
}

v_mounts() {
	new_bundle mounts
	local s=$W/$NAME/src
	mkdir -p "$s/ro" "$s/rbind/sub" "$s/prop" "$s/flags"
	echo "$s/ro" >"$s/ro/.oci-bind-marker"
	echo "$s/rbind" >"$s/rbind/.oci-bind-marker"
	echo "$s/prop" >"$s/prop/.oci-bind-marker"
	echo file >"$s/file.txt"
	mount -t tmpfs -o size=1m oci-sub "$s/rbind/sub"
	echo "$s/rbind/sub" >"$s/rbind/sub/.oci-bind-marker"
	hinfo "bindmark /mnt/ro $s/ro"
	hinfo "bindmark /mnt/rbind $s/rbind"
	hinfo "bindmark /mnt/rbind/sub $s/rbind/sub"
	hinfo "bindmark /mnt/bind $s/rbind"
	hinfo "bindabsent /mnt/bind/sub"
	hinfo "bindmark /mnt/shared $s/prop"
	hinfo "bindmark /mnt/slave $s/prop"
	config --arg s "$s" '
		.mounts += [
			{"destination": "/mnt/ro", "type": "none", "source": ($s + "/ro"), "options": ["bind", "ro"]},
			{"destination": "/mnt/rbind", "type": "none", "source": ($s + "/rbind"), "options": ["rbind"]},
			{"destination": "/mnt/bind", "type": "bind", "source": ($s + "/rbind"), "options": ["bind"]},
			{"destination": "/mnt/file.txt", "type": "none", "source": ($s + "/file.txt"), "options": ["bind", "ro"]},
			{"destination": "/mnt/shared", "type": "none", "source": ($s + "/prop"), "options": ["rbind", "rshared"]},
			{"destination": "/mnt/slave", "type": "none", "source": ($s + "/prop"), "options": ["rbind", "rslave"]},
			{"destination": "/mnt/private", "type": "none", "source": ($s + "/prop"), "options": ["rbind", "rprivate"]},
			{"destination": "/mnt/unbindable", "type": "none", "source": ($s + "/prop"), "options": ["rbind", "runbindable"]},
			{"destination": "/mnt/plain-private", "type": "none", "source": ($s + "/prop"), "options": ["bind", "private"]},
			{"destination": "/mnt/flags", "type": "none", "source": ($s + "/flags"), "options": ["bind", "nosuid", "nodev", "noexec"]},
			{"destination": "/mnt/tmpfs", "type": "tmpfs", "source": "tmpfs",
			 "options": ["nosuid", "nodev", "noexec", "noatime", "mode=0710", "size=1m", "uid=1000", "gid=1000"]},
			{"destination": "/mnt/strict", "type": "tmpfs", "source": "tmpfs", "options": ["strictatime", "nodiratime", "ro"]},
			{"destination": "/mnt/sync", "type": "tmpfs", "source": "tmpfs", "options": ["sync", "dirsync", "relatime"]},
			{"destination": "mnt/relative", "type": "tmpfs", "source": "tmpfs", "options": ["rw", "exec", "suid", "dev"]},
			{"destination": "/mnt/new/deep/dir", "type": "tmpfs", "source": "tmpfs"}
		]'
	run_checker
}

rootprop() {
	new_bundle rootprop-$1
	config --arg p "$1" '.linux.rootfsPropagation = $p'
	run_checker
}
v_rootprop-shared() { rootprop shared; }
v_rootprop-slave() { rootprop slave; }
v_rootprop-private() { rootprop private; }
v_rootprop-unbindable() { rootprop unbindable; }

v_devices() {
	new_bundle devices
	config '
		.linux.devices = [
			{"path": "/dev/oci-null", "type": "c", "major": 1, "minor": 3, "fileMode": 438, "uid": 0, "gid": 0},
			{"path": "/dev/oci/nested-zero", "type": "c", "major": 1, "minor": 5, "fileMode": 416, "uid": 1000, "gid": 1000},
			{"path": "/dev/oci-loop0", "type": "b", "major": 7, "minor": 0, "fileMode": 432, "gid": 6},
			{"path": "/dev/oci-fifo", "type": "p", "fileMode": 420},
			{"path": "/oci-dev/urandom", "type": "c", "major": 1, "minor": 9, "fileMode": 420}]
		| .linux.resources.devices = [
			{"allow": false, "access": "rwm"},
			{"allow": true, "type": "c", "major": 10, "minor": 237, "access": "r"}]'
	run_checker
}

SECCOMP_PROFILE='{
	"defaultAction": "SCMP_ACT_ALLOW",
	"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
	"syscalls": [
		{"names": ["getcpu"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18},
		{"names": ["getsid", "sched_getscheduler"], "action": "SCMP_ACT_ERRNO"},
		{"names": ["getpriority"], "action": "SCMP_ACT_ERRNO", "errnoRet": 33,
		 "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}
	]}'
v_seccomp() {
	new_bundle seccomp
	config --argjson sc "$SECCOMP_PROFILE" '.linux.seccomp = $sc'
	run_checker
}
v_seccomp-nnp-false() {
	new_bundle seccomp-nnp-false
	config --argjson sc "$SECCOMP_PROFILE" '.linux.seccomp = $sc | .process.noNewPrivileges = false'
	run_checker
}

v_userns() {
	new_bundle userns
	config '
		.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .mounts |= map(select(.type != "cgroup"))'
	run_checker
}

v_ns-cgroup() {
	new_bundle ns-cgroup
	config '.linux.namespaces += [{"type": "cgroup"}]'
	run_checker
}

v_ns-join() {
	new_bundle ns-join
	start_helper || { tap 0 "ns-join/create: the namespace helper started"; return 0; }
	local p=/proc/$HELPER_CHILD/ns t
	for t in pid net ipc uts cgroup; do hinfo "nspath $p/$t $(stat -L -c %i $p/$t)"; done
	config --arg p "$p" '
		.linux.namespaces = [
			{"type": "pid", "path": ($p + "/pid")}, {"type": "network", "path": ($p + "/net")},
			{"type": "ipc", "path": ($p + "/ipc")}, {"type": "uts", "path": ($p + "/uts")},
			{"type": "cgroup", "path": ($p + "/cgroup")}, {"type": "mount"}]'
	run_checker
}

v_ns-host() {
	new_bundle ns-host
	config '.linux.namespaces = [{"type": "mount"}] | del(.hostname)'
	run_checker
}

v_ns-time() {
	new_bundle ns-time
	config '.linux.namespaces += [{"type": "time"}]
		| .linux.timeOffsets = {"monotonic": {"secs": 86400, "nanosecs": 0}, "boottime": {"secs": 3600, "nanosecs": 500}}'
	run_checker
}

v_cgroups() {
	new_bundle cgroups
	config '.linux.resources += {
		"memory": {"limit": 268435456, "reservation": 134217728, "swap": 536870912},
		"cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0", "mems": "0"},
		"pids": {"limit": 100}}'
	run_checker
}

# ------------------------------------------------------------ hooks --
# A hook script for a stage: records its state (stdin), its argv[0], env and namespaces in DIR.
hook() {	# hook NAME DIR [TIMEOUT] -> a hook object
	local script='cat > "$1/$0.state"; echo "$0" >> "$1/order"; env > "$1/$0.env"
for t in mnt uts pid; do readlink /proc/self/ns/$t > "$1/$0.$t"; done'
	jq -n --arg name "$1" --arg dir "$2" --arg s "$script" \
		'{"path": "/bin/sh", "args": ["sh", "-c", $s, $name, $dir], "env": ["OCI_HOOK=" + $name, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}'
}
check_hook_state() {	# check_hook_state NAME STATUS PIDWANT(host|container|none)
	local f=$H/$1.state
	if [ ! -s "$f" ]; then tap 0 "hooks/hooks: $1 ran and got the state on stdin"; return; fi
	tap 1 "hooks/hooks: $1 ran and got the state on stdin"
	if ! jq -e . "$f" >/dev/null 2>&1; then tap 0 "hooks/hooks: $1 state is JSON" "$(head -c 300 "$f")"; return; fi
	tap_is "$(jq -r .id "$f")" "$ID" "hooks/hooks: $1 state: id"
	tap_is "$(jq -r .bundle "$f")" "$B" "hooks/hooks: $1 state: bundle is the absolute bundle path"
	tap_semver "$(jq -r .ociVersion "$f")" "hooks/hooks: $1 state: ociVersion is SemVer"
	tap_is "$(jq -r .status "$f")" "$2" "hooks/hooks: $1 state: status is $2"
	case $3 in
	host) tap_is "$(jq -r .pid "$f")" "$CPID" "hooks/hooks: $1 state: pid is the container process as the runtime sees it" ;;
	container) tap_is "$(jq -r .pid "$f")" 1 "hooks/hooks: $1 state: pid is the container process as the container sees it (1)" ;;
	esac
	tap_is "$(grep -c '^OCI_HOOK=' "$H/$1.env")/$(grep -c '^OCI_CONF_RUNNER=' "$H/$1.env")" "1/0" \
		"hooks/hooks: $1 gets the hook's env, not the runtime's"
}
hook_ns() {	# hook_ns NAME NS WANT DESCRIPTION
	tap_is "$(cat "$H/$1.$2" 2>/dev/null)" "$3" "hooks/hooks: $1 runs in $4 ($2 namespace)"
}
v_hooks() {
	new_bundle hooks
	H=$B/hookout
	mkdir -p "$H"
	chmod 0777 "$H"
	local pre1 pre2 cr cc sc ps post1 post2
	pre1=$(hook prestart-1 "$H"); pre2=$(hook prestart-2 "$H"); cr=$(hook createRuntime "$H")
	cc=$(hook createContainer "$H"); sc=$(hook startContainer /oci-out); ps=$(hook poststart "$H")
	post1=$(hook poststop-1 "$H"); post2=$(hook poststop-2 "$H")
	config --arg h "$H" --argjson pre1 "$pre1" --argjson pre2 "$pre2" --argjson cr "$cr" --argjson cc "$cc" \
		--argjson sc "$sc" --argjson ps "$ps" --argjson post1 "$post1" --argjson post2 "$post2" '
		.mounts += [{"destination": "/oci-out", "type": "none", "source": $h, "options": ["rbind", "rw"]}]
		| .hooks = {"prestart": [$pre1, $pre2], "createRuntime": [$cr], "createContainer": [$cc],
			"startContainer": [$sc], "poststart": [$ps], "poststop": [$post1, $post2]}'
	export OCI_CONF_RUNNER=1
	rt_create "$ID" "$B"
	unset OCI_CONF_RUNNER
	tap "$([ $RC = 0 ] && echo 1 || echo 0)" "hooks/create: create succeeds" "$ERR"
	[ $RC = 0 ] || return 0
	CPID=$(cat "$B/pid")
	local cmnt cuts myuts
	cmnt=$(readlink /proc/$CPID/ns/mnt); cuts=$(readlink /proc/$CPID/ns/uts); myuts=$(readlink /proc/self/ns/uts)
	tap_is "$(tr '\n' ' ' <"$H/order" 2>/dev/null)" "prestart-1 prestart-2 createRuntime createContainer " \
		"hooks/hooks: create runs prestart (in the listed order), createRuntime, createContainer, in that order"
	rt start "$ID"
	tap "$([ $RC = 0 ] && echo 1 || echo 0)" "hooks/create: start succeeds" "$ERR"
	tap_is "$(tr '\n' ' ' <"$H/order" 2>/dev/null)" "prestart-1 prestart-2 createRuntime createContainer startContainer poststart " \
		"hooks/hooks: start runs startContainer, then poststart, before it returns"
	wait_status "$ID" stopped 15
	tap "$([ $? = 0 ] && echo 1 || echo 0)" "hooks/create: the container process exits (status stopped)"
	rt delete "$ID"
	tap "$([ $RC = 0 ] && echo 1 || echo 0)" "hooks/create: delete succeeds" "$ERR"
	[ $RC = 0 ] || rt delete --force "$ID"
	tap_is "$(tr '\n' ' ' <"$H/order" 2>/dev/null)" \
		"prestart-1 prestart-2 createRuntime createContainer startContainer poststart poststop-1 poststop-2 " \
		"hooks/hooks: delete runs poststop (in the listed order) before it returns"
	check_hook_state prestart-1 creating host
	check_hook_state createRuntime creating host
	check_hook_state createContainer creating container
	check_hook_state startContainer created container
	check_hook_state poststart running host
	check_hook_state poststop-1 stopped none
	hook_ns prestart-1 uts "$myuts" "the runtime namespace"
	hook_ns createRuntime uts "$myuts" "the runtime namespace"
	hook_ns createContainer mnt "$cmnt" "the container namespace"
	hook_ns createContainer uts "$cuts" "the container namespace"
	hook_ns startContainer mnt "$cmnt" "the container namespace"
	hook_ns startContainer uts "$cuts" "the container namespace"
	hook_ns poststart uts "$myuts" "the runtime namespace"
	hook_ns poststop-1 uts "$myuts" "the runtime namespace"
	emit_checker_tap "$B/out"
}

# A stage that fails: create (or start) must fail and leave nothing; poststop still runs.
v_hook-fail() {
	new_bundle hook-fail
	H=$B/hookout
	mkdir -p "$H"
	local post
	post=$(hook poststop "$H")
	config --argjson post "$post" '.hooks = {
		"prestart": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}], "poststop": [$post]}'
	rt_create "$ID" "$B"
	tap "$([ $RC != 0 ] && echo 1 || echo 0)" "hook-fail/hooks: create fails when a prestart hook fails"
	tap_is "$(status_of "$ID")" gone "hook-fail/hooks: after the failed create the container does not exist"
	[ -f "$H/poststop.state" ] && tap 1 "hook-fail/hooks: the poststop hooks run when a prestart hook failed" \
		|| tap 0 "hook-fail/hooks: the poststop hooks run when a prestart hook failed"
	cgroup_gone "hook-fail"
	rt delete --force "$ID"
}
v_hook-timeout() {
	new_bundle hook-timeout
	# the hook would sleep 20 s; create is given 15 (under emulation create alone takes ~5 s)
	config '.hooks = {"createRuntime": [{"path": "/bin/sleep", "args": ["sleep", "20"], "timeout": 1}]}'
	rt_create "$ID" "$B"
	tap "$([ $RC != 0 ] && echo 1 || echo 0)" "hook-timeout/hooks: create fails when a hook outlives its timeout"
	tap "$([ $CREATE_MS -lt 15000 ] && echo 1 || echo 0)" "hook-timeout/hooks: the hook is aborted after its 1 s timeout (create returns long before the hook's 20 s)" \
		"create took ${CREATE_MS} ms"
	tap_is "$(status_of "$ID")" gone "hook-timeout/hooks: after the failed create the container does not exist"
	rt delete --force "$ID"
}

# -------------------------------------------------------- lifecycle --
v_lifecycle() {
	new_bundle lifecycle
	local out=$B/out-dir
	mkdir -p "$out"
	chmod 0777 "$out"
	config --arg o "$out" '
		.process.args = ["sh", "-c", "echo ran >> /oci-out/ran; trap \"echo TERM >> /oci-out/signals\" TERM; while :; do sleep 1 & wait $!; done"]
		| .mounts += [{"destination": "/oci-out", "type": "none", "source": $o, "options": ["rbind", "rw"]}]'
	local L=lifecycle/lifecycle S=lifecycle/state
	rt state "$ID"
	tap "$([ $RC != 0 ] && echo 1 || echo 0)" "$L: state of a container that does not exist fails"
	rt_create "$ID" "$B"
	tap "$([ $RC = 0 ] && echo 1 || echo 0)" "$L: create succeeds" "$ERR"
	[ $RC = 0 ] || return 0
	local st pid
	st=$(state_json "$ID")
	tap_is "$(echo "$st" | jq -r .status)" created "$S: after create, status is created"
	tap_is "$(echo "$st" | jq -r .id)" "$ID" "$S: id is the container's id"
	pid=$(echo "$st" | jq -r .pid)
	tap_is "$pid" "$(cat "$B/pid" 2>/dev/null)" "$S: pid is the container process (the pid file's)"
	[ -d "/proc/$pid" ] && tap 1 "$S: pid is a live process" || tap 0 "$S: pid is a live process" "pid $pid"
	tap_is "$(echo "$st" | jq -r .bundle)" "$B" "$S: bundle is the absolute path of the bundle"
	tap_semver "$(echo "$st" | jq -r .ociVersion)" "$S: ociVersion is SemVer"
	tap_is "$(echo "$st" | jq -c '.annotations // {}')" '{"org.example.conformance":"csrun","org.example.empty":""}' \
		"$S: annotations are the config's"
	[ ! -e "$out/ran" ] && tap 1 "$L: create does not run the user program" \
		|| tap 0 "$L: create does not run the user program"
	# a second create with the same id
	local B2=$W/$NAME/lifecycle-dup
	mkdir -p "$B2"; cp -a "$TEMPLATE/rootfs" "$B2/rootfs"; cp "$B/config.json" "$B2/config.json"
	rt_create "$ID" "$B2"
	tap "$([ $RC != 0 ] && echo 1 || echo 0)" "$L: create with an id already in use fails"
	tap_is "$(status_of "$ID")/$(state_json "$ID" | jq -r .pid)/$(state_json "$ID" | jq -r .bundle)" "created/$pid/$B" \
		"$L: ...and leaves the existing container as it was"
	rt start "$ID"
	tap "$([ $RC = 0 ] && echo 1 || echo 0)" "$L: start succeeds" "$ERR"
	local i
	for i in $(seq 100); do [ -e "$out/ran" ] && break; sleep 0.05; done
	[ -e "$out/ran" ] && tap 1 "$L: start runs the user program" || tap 0 "$L: start runs the user program"
	tap_is "$(status_of "$ID")" running "$S: after start, status is running"
	tap_is "$(state_json "$ID" | jq -r .pid)" "$pid" "$S: the pid stays the same after start"
	rt start "$ID"
	tap "$([ $RC != 0 ] && echo 1 || echo 0)" "$L: start of a running container fails"
	tap_is "$(status_of "$ID")/$(wc -l <"$out/ran")" "running/1" "$L: ...and has no effect (still running, program ran once)"
	rt delete "$ID"
	tap "$([ $RC != 0 ] && echo 1 || echo 0)" "$L: delete of a running container fails"
	tap_is "$(status_of "$ID")" running "$L: ...and has no effect (still running)"
	rt kill "$ID" TERM
	tap "$([ $RC = 0 ] && echo 1 || echo 0)" "$L: kill TERM of a running container succeeds" "$ERR"
	for i in $(seq 100); do grep -q TERM "$out/signals" 2>/dev/null && break; sleep 0.05; done
	grep -q TERM "$out/signals" 2>/dev/null && tap 1 "$L: kill TERM delivers SIGTERM to the container process (its trap ran)" \
		|| tap 0 "$L: kill TERM delivers SIGTERM to the container process (its trap ran)"
	tap_is "$(status_of "$ID")" running "$S: a container that handled the signal is still running"
	rt kill "$ID" KILL
	tap "$([ $RC = 0 ] && echo 1 || echo 0)" "$L: kill KILL of a running container succeeds" "$ERR"
	wait_status "$ID" stopped 10
	tap "$([ $? = 0 ] && echo 1 || echo 0)" "$S: after kill, status becomes stopped"
	[ -d "/proc/$pid" ] && [ "$(awk '{ print $3 }' /proc/$pid/stat 2>/dev/null)" != Z ] \
		&& tap 0 "$L: the container process is gone after kill" || tap 1 "$L: the container process is gone after kill"
	rt kill "$ID" KILL
	tap "$([ $RC != 0 ] && echo 1 || echo 0)" "$L: kill of a stopped container fails"
	rt start "$ID"
	tap "$([ $RC != 0 ] && echo 1 || echo 0)" "$L: start of a stopped container fails"
	tap_is "$(wc -l <"$out/ran")" 1 "$L: ...and has no effect (the program did not run again)"
	rt delete "$ID"
	tap "$([ $RC = 0 ] && echo 1 || echo 0)" "$L: delete of a stopped container succeeds" "$ERR"
	rt state "$ID"
	tap "$([ $RC != 0 ] && echo 1 || echo 0)" "$L: state after delete fails (the container is gone)"
	cgroup_gone lifecycle
	for op in start kill delete; do
		rt $op "$ID"
		tap "$([ $RC != 0 ] && echo 1 || echo 0)" "$L: $op of a container that does not exist fails"
	done
	# a created container can be killed
	rt_create "$ID" "$B"
	tap "$([ $RC = 0 ] && echo 1 || echo 0)" "$L: create succeeds again once the id is free" "$ERR"
	[ $RC = 0 ] || return 0
	rt kill "$ID" KILL
	tap "$([ $RC = 0 ] && echo 1 || echo 0)" "$L: kill of a created container succeeds" "$ERR"
	wait_status "$ID" stopped 10
	tap "$([ $? = 0 ] && echo 1 || echo 0)" "$S: a created container that is killed becomes stopped"
	rt delete --force "$ID"
	# delete of a created container: it is not stopped, so the spec wants an error and no effect
	rt_create "$ID" "$B"
	[ $RC = 0 ] || return 0
	rt delete "$ID"
	local rc=$RC
	tap_is "$([ $rc != 0 ] && echo fails || echo succeeds)/$(status_of "$ID")" fails/created \
		"$L: delete of a created container (not stopped) fails and leaves it created"
	rt delete --force "$ID"
}

cgroup_gone() {	# the container's cgroup directory is gone from every hierarchy
	local left
	left=$(find /sys/fs/cgroup -maxdepth 7 -type d -path "*/$TAG/$NAME-$1" 2>/dev/null | head -n 3)
	tap_is "$left" "" "$1/errors: no cgroup is left behind"
}

# --------------------------------------------------------- error cases --
expect_create_fails() {	# expect_create_fails NAME WHAT [JQ ARGS] FILTER
	local name=$1 what=$2
	shift 2
	new_bundle "$name"
	config "$@"
	rt_create "$ID" "$B"
	local started=0
	if [ $RC = 0 ]; then
		rt start "$ID"
		[ $RC = 0 ] && started=1
	fi
	tap "$([ $started = 0 ] && echo 1 || echo 0)" "errors/errors: $what: the runtime generates an error" \
		"create and start both succeeded"
	if [ $started = 0 ] && [ "$(status_of "$ID")" != gone ]; then
		tap 0 "errors/errors: $what: no container is left" "status $(status_of "$ID")"
	else
		tap 1 "errors/errors: $what: no container is left"
	fi
	rt delete --force "$ID"
}
v_errors() {
	local E=errors/errors
	for op in state start kill delete; do
		rt $op
		tap "$([ $RC != 0 ] && echo 1 || echo 0)" "$E: $op without a container id fails"
	done
	new_bundle errors-noid
	config .
	timeout -k 5 30 "$RTBIN" --root "$RTROOT" create --bundle "$B" </dev/null >/dev/null 2>&1
	tap "$([ $? != 0 ] && echo 1 || echo 0)" "$E: create without a container id fails"
	start_helper || true
	expect_create_fails dup-ns "linux.namespaces lists pid twice" \
		'.linux.namespaces += [{"type": "pid"}]'
	expect_create_fails bad-ns-type "an unknown namespace type" \
		'.linux.namespaces += [{"type": "bogus"}]'
	expect_create_fails ns-path-type "a namespace path of another type (uts given a net namespace)" \
		--arg p "/proc/${HELPER_CHILD:-1}/ns/net" '.linux.namespaces |= map(if .type == "uts" then .path = $p else . end)'
	expect_create_fails dup-rlimit "process.rlimits lists RLIMIT_NOFILE twice" \
		'.process.rlimits += [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 100}]'
	expect_create_fails bad-rlimit "an rlimit type that maps to nothing" \
		'.process.rlimits += [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]'
	expect_create_fails no-root "root.path does not exist" '.root.path = "no-such-rootfs"'
	expect_create_fails device-clash "linux.devices on a path that holds a different file" \
		'.linux.devices = [{"path": "/etc/passwd", "type": "c", "major": 1, "minor": 3}]'
	expect_create_fails bad-propagation "an invalid rootfsPropagation" '.linux.rootfsPropagation = "bogus"'
	expect_create_fails bad-seccomp-action "an invalid seccomp action" \
		'.linux.seccomp = {"defaultAction": "SCMP_ACT_BOGUS"}'
	expect_create_fails errno-on-kill "errnoRet on an action without an errno (SCMP_ACT_KILL)" \
		'.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getcpu"], "action": "SCMP_ACT_KILL", "errnoRet": 5}]}'
}

# --------------------------------------------------------------- main --
runtime_name() {
	case $1 in
	crun|*/crun) echo crun ;;
	*) basename "$1" ;;
	esac
}
runtime_bin() {
	case $1 in
	crun|*/crun) echo "$HERE/crun-wrapper.sh" ;;
	*) echo "$1" ;;
	esac
}

FIRST=
for arg in "$@"; do
	NAME=$(runtime_name "$arg")
	RTBIN=$(runtime_bin "$arg")
	case $RTBIN in /*) ;; *) RTBIN=$(command -v "$RTBIN" || echo "$RTBIN") ;; esac
	RTROOT=$W/state-$NAME
	mkdir -p "$RTROOT" "$W/$NAME"
	echo "$RTBIN" >"$RTROOT.bin"
	TAP=$TAPDIR/$NAME$SUFFIX.tap
	N=0
	version=$("$RTBIN" --version 2>/dev/null | head -n 2 | paste -sd ' ' | sed 's/ commit: /, commit /')
	{
		echo "TAP version 13"
		echo "# runtime: $NAME ($RTBIN): $version"
		echo "# host: $(uname -srm), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	} >"$TAP"
	t0=$(date +%s)
	for v in $VARIANTS; do
		case $ONLY in ""|*,$v,*) ;; *) continue ;; esac
		vt0=$(date +%s%N)
		"v_$v"
		echo "# $v: $((($(date +%s%N) - vt0) / 1000000)) ms" >>"$TAP"
	done
	echo "1..$N" >>"$TAP"
	echo "# $NAME: $N points in $(($(date +%s) - t0)) s" >>"$TAP"
	[ -n "$FIRST" ] || FIRST=$TAP
	printf '%s: %s passed, %s failed, %s known failures (TODO), %s skipped (%s)\n' "$NAME" \
		"$(grep '^ok ' "$TAP" | grep -vc ' # SKIP')" "$(grep '^not ok ' "$TAP" | grep -vc ' # TODO')" \
		"$(grep -c '^not ok .* # TODO' "$TAP")" "$(grep -c '^ok .* # SKIP' "$TAP")" "$TAP"
done

if [ -n "$RESULTS" ]; then
	"$HERE/results.sh" "$RESULTS" "$TAPDIR" "$@"
fi
! grep '^not ok ' "$FIRST" | grep -vq ' # TODO'

