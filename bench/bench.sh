#!/usr/bin/env bash
# bench/bench.sh: csrun side by side with runc and crun, interleaved, on a busybox bundle.
#
#   bench/bench.sh            host benchmarks; fills the host section of bench/RESULTS.md
#   bench/bench.sh --vm       the core benchmarks inside ../shared/tools/vm/vm-run.sh (pure
#                             cgroup v2, QEMU TCG: ratios only); fills the VM section
#   bench/bench.sh --inside-vm OUT   (what --vm runs in the guest)
#
# Every benchmark runs the runtimes in turn, csrun, runc, crun, csrun, runc, crun, ..., so
# they share whatever load the machine has; medians with min/max, ratios from the same run.
# crun refuses this hybrid host: it runs inside `benchtool hidecg` (a private mount namespace
# with the cgroup2 mount detached, shared/notes/managers.md), and that wrapper's own cost,
# measured in the same rotation around /bin/true, is subtracted.
#
# Environment: BENCH_N (sequential runs, default 100; also lifecycle and exec), BENCH_PAR_ROUNDS
# (rounds of 20 parallel creates, 5), BENCH_PAR (containers per round, 20), BENCH_RSS_N (5),
# BENCH_FLOOR (1: measure memory floors), CSRUN (default bin/csrun), RUNC, CRUN;
# BENCH_SECTIONS (default "run lifecycle exec par rss floor"); CSRUN_BASE=BINARY adds an
# earlier csrun build ("base") to the rotation and a before/after table (optimizations are
# measured that way: both builds in the same interleaved run); BENCH_CSRUN_ONLY=1 leaves runc
# and crun out of such a run.
set -euo pipefail
{ # The whole script is one compound command: bash parses it all before running, so editing
  # this file while a (long) run is going on cannot change what that run does.

here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/.." && pwd -P)
MODE=host
case ${1:-} in
    --vm) MODE=vm ;;
    --inside-vm) MODE=inside-vm; VM_OUT=$2 ;;
    "") ;;
    *) echo "usage: $0 [--vm]" >&2; exit 2 ;;
esac

N=${BENCH_N:-100}
PAR_ROUNDS=${BENCH_PAR_ROUNDS:-5}
PAR=${BENCH_PAR:-20}
RSS_N=${BENCH_RSS_N:-5}
FLOOR=${BENCH_FLOOR:-1}
WARMUP=${BENCH_WARMUP:-3}
RSS_WAIT=${BENCH_RSS_WAIT:-1} # seconds before a foreground run/exec's VmHWM is read
CSRUN=${CSRUN:-$repo/bin/csrun}
RUNC=${RUNC:-/usr/sbin/runc}
CRUN=${CRUN:-/usr/bin/crun}
OUTDIR=$here/.out
RESULTS=$here/RESULTS.md
VM_RUN=${VM_RUN:-$repo/../shared/tools/vm/vm-run.sh}
TOOL=$OUTDIR/benchtool
RTS=(csrun runc crun)
CSRUN_BASE=${CSRUN_BASE:-}
[[ -n $CSRUN_BASE ]] && RTS=(base csrun runc crun)
# BENCH_CSRUN_ONLY=1 (with CSRUN_BASE): only the two csrun builds, for quick before/after runs.
[[ -n $CSRUN_BASE && ${BENCH_CSRUN_ONLY:-0} == 1 ]] && RTS=(base csrun)
SECTIONS=" ${BENCH_SECTIONS:-run lifecycle exec par rss floor} "
[[ $FLOOR == 1 ]] || SECTIONS=${SECTIONS/ floor / }

log() { echo "bench: $*" >&2; }

mkdir -p "$OUTDIR"
build_tool() {
    if [[ ! -x $TOOL || $here/benchtool.c -nt $TOOL ]]; then
        gcc -static -O2 -Wall -o "$TOOL.tmp" "$here/benchtool.c" && mv -f "$TOOL.tmp" "$TOOL"
    fi
}

# ------------------------------------------------------------------ --vm: run inside QEMU --
if [[ $MODE == vm ]]; then
    build_tool
    [[ -x $VM_RUN ]] || { log "$VM_RUN missing"; exit 1; }
    rm -f "$OUTDIR/vm.md"
    # TCG: fork+exec is ~30x slower; a small N is enough for ratios.
    (cd "$repo" && BENCH_N=${BENCH_VM_N:-15} BENCH_PAR_ROUNDS=${BENCH_VM_PAR_ROUNDS:-2} BENCH_RSS_N=${BENCH_VM_RSS_N:-2} \
        BENCH_FLOOR=${BENCH_VM_FLOOR:-1} BENCH_WARMUP=1 BENCH_RSS_WAIT=10 CSRUN=$CSRUN \
        "$VM_RUN" --timeout 3000 -- bench/bench.sh --inside-vm "$OUTDIR/vm.md")
    [[ -s $OUTDIR/vm.md ]] || { log "the VM produced no results"; exit 1; }
    MODE=assemble-vm
fi

# ---------------------------------------------------------------------- RESULTS.md pieces --
# RESULTS.md keeps hand-written text outside the generated sections.
splice() { # splice SECTION FILE: replace <!-- SECTION:begin --> .. <!-- SECTION:end -->
    local section=$1 file=$2
    if [[ ! -f $RESULTS ]]; then
        printf '# csrun benchmarks\n\n<!-- host:begin -->\n<!-- host:end -->\n\n<!-- vm:begin -->\n<!-- vm:end -->\n' > "$RESULTS"
    fi
    awk -v s="$section" -v f="$file" '
        $0 == "<!-- " s ":begin -->" { print; while ((getline l < f) > 0) print l; skip = 1; next }
        $0 == "<!-- " s ":end -->" { skip = 0 }
        !skip { print }' "$RESULTS" > "$RESULTS.tmp"
    mv -f "$RESULTS.tmp" "$RESULTS"
}
if [[ $MODE == assemble-vm ]]; then
    splice vm "$OUTDIR/vm.md"
    log "VM section written to $RESULTS"
    exit 0
fi

# ------------------------------------------------------------------------------- set-up --
[[ $(id -u) == 0 ]] || { log "must run as root"; exit 1; }
[[ -x $CSRUN ]] || { log "$CSRUN missing: make build first"; exit 1; }
command -v jq >/dev/null || { log "jq is required"; exit 1; }
build_tool

TAG=$$
W=/run/csbench.$TAG
rm -rf "$W"; mkdir -p "$W"/samples "$W"/out
S=$W/samples
if [[ $MODE == inside-vm ]]; then
    # The repository reaches the guest over 9p with cache=mmap: every exec of a binary there
    # is read from the host again (measured: ~1 s per csrun start under TCG), while runc and
    # crun come from the guest's cached root. csrun runs from a copy in the guest's memory.
    mkdir -p "$W/bin" && cp "$CSRUN" "$W/bin/csrun" && CSRUN=$W/bin/csrun
fi

# cgroup v1 (hybrid) or pure v2; crun needs its cgroup2 mount hidden on hybrid hosts.
if [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]]; then
    CGMODE=v2
    OWN=$(sed -n 's/^0:://p' /proc/self/cgroup)
    CRUN_CMD=("$CRUN")
    WRAPPED=0
else
    CGMODE=hybrid
    OWN=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)
    CRUN_CMD=("$TOOL" hidecg "$CRUN")
    WRAPPED=1
fi
OWN=${OWN%/}

declare -A CMD
rt_cmd() { # rt_cmd RT: the command prefix of a runtime, as a word list in REPLY_CMD
    case $1 in
        csrun) REPLY_CMD=("$CSRUN" --root "$W/root-csrun") ;;
        base) REPLY_CMD=("$CSRUN_BASE" --root "$W/root-base") ;;
        runc) REPLY_CMD=("$RUNC" --root "$W/root-runc") ;;
        crun) REPLY_CMD=("${CRUN_CMD[@]}" --root "$W/root-crun") ;;
    esac
}

# Where the containers' cgroups go: below this process's own cgroup. runc and csrun place a
# relative cgroupsPath there themselves; crun (v1) takes paths from the hierarchy root, so it
# gets the absolute path of the same place (in the memory hierarchy: the others are at /).
cgpath() { # cgpath RT NAME
    if [[ $1 == crun ]]; then echo "$OWN/csbench-$TAG/$1-$2"; else echo "csbench-$TAG/$1-$2"; fi
}
# Ancestors crun would create in hierarchies where they do not exist yet: removed at the end.
declare -a CG_MOUNTS
mapfile -t CG_MOUNTS <<< "$(awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo)"
declare -a CG_NEW_ANCESTORS=()
for m in "${CG_MOUNTS[@]}"; do
    d=$m$OWN
    while [[ $d != "$m" && $d != / ]]; do
        [[ -d $d ]] || CG_NEW_ANCESTORS+=("$d")
        d=$(dirname "$d")
    done
done

cleanup() {
    set +e
    for rt in "${RTS[@]}"; do
        rt_cmd "$rt"
        for id in $(ls "$W/root-$rt" 2>/dev/null); do
            "${REPLY_CMD[@]}" delete --force "$id" >/dev/null 2>&1
        done
    done
    for m in "${CG_MOUNTS[@]}"; do
        find "$m" -maxdepth 8 -type d -name "csbench-$TAG" -prune -print 2>/dev/null |
            while read -r d; do find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
    done
    local i
    for ((i = 0; i < ${#CG_NEW_ANCESTORS[@]}; i++)); do rmdir "${CG_NEW_ANCESTORS[i]}" 2>/dev/null; done
    # crun, with the cgroup2 mount detached, also makes its "unified" directories (and a
    # cgroup.procs file) in the tmpfs under that mount point: only visible from such a namespace.
    if [[ $WRAPPED == 1 ]]; then
        "$TOOL" hidecg sh -c 'u=/sys/fs/cgroup/unified; rm -rf "$u$1/csbench-$2"; d=$u$1
            while [ "$d" != "$u" ] && rmdir "$d" 2>/dev/null; do d=${d%/*}; done' sh "$OWN" "$TAG"
    fi
    # The raw samples of the last run stay for inspection.
    [[ -d $W/samples ]] && { rm -rf "$OUTDIR/last-samples"; cp -r "$W/samples" "$OUTDIR/last-samples"; }
    rm -rf "$W"
}
trap cleanup EXIT

# One busybox rootfs (tests/bundle/make-bundle.sh) shared by every bundle; benchtool is copied
# in for `selfrss`. Bundles differ only in args, cgroupsPath and memory limit.
"$repo/tests/bundle/make-bundle.sh" "$W/base" >/dev/null
cp "$TOOL" "$W/base/rootfs/benchtool"
mkdir -p "$W/base/rootfs/out"
mkbundle() { # mkbundle DIR RT NAME ARGS_JSON [MEMORY_LIMIT]
    local dir=$1 rt=$2 name=$3 args=$4 limit=${5:-}
    mkdir -p "$dir"
    jq --arg root "$W/base/rootfs" --arg cg "$(cgpath "$rt" "$name")" --argjson args "$args" \
       --arg out "$W/out" --arg limit "$limit" '
        .root.path = $root | .process.args = $args | .linux.cgroupsPath = $cg
        | .mounts += [{destination: "/out", type: "bind", source: $out, options: ["rbind", "rw"]}]
        | if $limit != "" then .linux.resources.memory = {limit: ($limit | tonumber)} else . end' \
       "$W/base/config.json" > "$dir/config.json"
}
for rt in "${RTS[@]}"; do
    mkbundle "$W/b/$rt-true" "$rt" seq '["true"]'
    mkbundle "$W/b/$rt-sleep" "$rt" sleeper '["sleep","1000000"]'
    mkbundle "$W/b/$rt-sleep2" "$rt" sleep2 "[\"sleep\",\"$((RSS_WAIT * 2))\"]"
    mkbundle "$W/b/$rt-rss" "$rt" rss '["/benchtool","selfrss","/out/selfrss"]'
    for ((i = 1; i <= PAR; i++)); do mkbundle "$W/b/$rt-par-$i" "$rt" "par-$i" '["true"]'; done
done

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
log "mode $MODE ($CGMODE cgroups), N=$N, load average $load_start"

# ----------------------------------------------------------------------------- helpers --
fail_count=0
sample() { # sample FILE LINE: appends the first field of a "WALL ... STATUS" line, checks STATUS
    local file=$1 line=$2 status
    status=${line##* }
    if [[ $status != 0 ]]; then
        fail_count=$((fail_count + 1))
        echo "$line" >> "$file.failed"
        return 1
    fi
    echo "${line%% *}" >> "$file"
}
cpu_sample() { # cpu_sample FILE LINE: the CPU field of a `benchtool time` line
    local f
    read -r _ _ f _ <<< "$2"
    echo "$f" >> "$1"
}
stats() { # stats FILE [SUBTRACT]: "median min max" (same unit as FILE, minus SUBTRACT each)
    [[ -s $1 ]] || { echo "- - -"; return; }
    sort -g "$1" | awk -v sub_="${2:-0}" '{ v[NR] = $1 - sub_ } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        print m, v[1], v[NR] }'
}
median() { stats "$@" | cut -d' ' -f1; }

# Wrapper baseline, sampled in the same rotation as the runtimes: /bin/true alone and inside
# the crun wrapper. Its cost is the difference of the medians.
wrapper_sample() {
    local tag=$1
    local line
    line=$("$TOOL" time /bin/true)
    sample "$S/$tag.true" "$line" && cpu_sample "$S/$tag-cpu.true" "$line"
    if [[ $WRAPPED == 1 ]]; then
        line=$("$TOOL" time "$TOOL" hidecg /bin/true)
        sample "$S/$tag.wrap" "$line" && cpu_sample "$S/$tag-cpu.wrap" "$line"
    fi
    return 0
}
wrapper_cost() { # wrapper_cost TAG: microseconds one wrapper adds (0 when crun is not wrapped)
    [[ $WRAPPED == 1 ]] || { echo 0; return; }
    awk -v a="$(median "$S/$1.wrap")" -v b="$(median "$S/$1.true")" 'BEGIN { d = a - b; print (d > 0 ? d : 0) }'
}

# ------------------------------------------------------------------- 1. run of `true` --
bench_run() {
    log "run of true, ${N}x each, interleaved"
    local i rt
    for ((i = -WARMUP + 1; i <= N; i++)); do
        for rt in "${RTS[@]}"; do
            rt_cmd "$rt"
            local line
            line=$("$TOOL" time "${REPLY_CMD[@]}" run --bundle "$W/b/$rt-true" "r$i")
            ((i > 0)) && sample "$S/run.$rt" "$line" && cpu_sample "$S/run-cpu.$rt" "$line"
        done
        ((i > 0)) && wrapper_sample run
    done
    return 0
}

# ------------------------------------------------- 2. create + start + wait + delete --
bench_lifecycle() {
    log "create + start + wait + delete, ${N}x each, interleaved"
    local i rt line
    for ((i = -WARMUP + 1; i <= N; i++)); do
        for rt in "${RTS[@]}"; do
            rt_cmd "$rt"
            line=$("$TOOL" lifecycle "$W/b/$rt-true" "l$i" "$W/l.pid" "${REPLY_CMD[@]}")
            if ((i > 0)); then
                sample "$S/life.$rt" "$line"
                read -r _ c s w d _ <<< "$line"
                echo "$c" >> "$S/life-create.$rt"; echo "$s" >> "$S/life-start.$rt"
                echo "$w" >> "$S/life-wait.$rt"; echo "$d" >> "$S/life-delete.$rt"
            fi
        done
        ((i > 0)) && wrapper_sample life
    done
    return 0
}

# ----------------------------------------------------------- 3. exec into a container --
bench_exec() {
    log "exec ID true into a running container, ${N}x each, interleaved"
    local i rt line
    for rt in "${RTS[@]}"; do
        rt_cmd "$rt"
        "${REPLY_CMD[@]}" run --detach --bundle "$W/b/$rt-sleep" sleeper </dev/null >/dev/null
    done
    for ((i = -WARMUP + 1; i <= N; i++)); do
        for rt in "${RTS[@]}"; do
            rt_cmd "$rt"
            line=$("$TOOL" time "${REPLY_CMD[@]}" exec sleeper true)
            ((i > 0)) && sample "$S/exec.$rt" "$line" && cpu_sample "$S/exec-cpu.$rt" "$line"
        done
        ((i > 0)) && wrapper_sample exec
    done
    return 0
}

# ------------------------------------------------------- 4. parallel creates (wall) --
bench_par() {
    log "$PAR containers created in parallel, $PAR_ROUNDS rounds, interleaved"
    local r rt line i
    for ((r = 1; r <= PAR_ROUNDS; r++)); do
        for rt in "${RTS[@]}"; do
            rt_cmd "$rt"
            line=$("$TOOL" par "$PAR" "$W/b/$rt-par" "p$r" "${REPLY_CMD[@]}")
            # benchtool par names bundle I "$W/b/$rt-par-I" and container I "p$r-I"
            sample "$S/par.$rt" "$line"
            for ((i = 1; i <= PAR; i++)); do "${REPLY_CMD[@]}" delete --force "p$r-$i" >/dev/null 2>&1 || true; done
        done
        sample "$S/par.true" "$("$TOOL" par "$PAR" "$W/b/x" "p" /bin/true)"
        [[ $WRAPPED == 1 ]] && sample "$S/par.wrap" "$("$TOOL" par "$PAR" "$W/b/x" "p" "$TOOL" hidecg /bin/true)"
    done
    return 0
}

# ------------------------------------------------------------------------ 5. peak RSS --
# create: ru_maxrss of the create command (what it reaped included: runc's intermediate
#   children; csrun and crun reap nothing there), then VmHWM of init while it waits on exec.fifo;
# the container process is `benchtool selfrss`, whose ru_maxrss is the peak of that pid's whole
#   life: the runtime's init before its execve included (the kernel carries it over);
# run: VmHWM of the foreground run process while its container sleeps;
# exec: the exec command's ru_maxrss, VmHWM of a foreground exec while it waits, and selfrss
#   exec'd, for the helper process that became it.
bench_rss() {
    log "peak RSS, ${RSS_N}x each, interleaved"
    local i rt line pid
    for rt in "${RTS[@]}"; do
        rt_cmd "$rt"
        "${REPLY_CMD[@]}" delete --force sleeper >/dev/null 2>&1 || true
        "${REPLY_CMD[@]}" run --detach --bundle "$W/b/$rt-sleep" sleeper </dev/null >/dev/null
    done
    for ((i = 1; i <= RSS_N; i++)); do
        for rt in "${RTS[@]}"; do
            rt_cmd "$rt"
            # create, then init's high-water mark while it waits for start
            line=$("$TOOL" time "${REPLY_CMD[@]}" create --bundle "$W/b/$rt-rss" --pid-file "$W/rss.pid" "m$i")
            echo "$line" | cut -d' ' -f2 >> "$S/rss-create.$rt"
            pid=$(cat "$W/rss.pid")
            "$TOOL" hwm "$pid" | cut -d' ' -f1 >> "$S/rss-init-hwm.$rt"
            rm -f "$W/out/selfrss"
            "${REPLY_CMD[@]}" start "m$i"
            local t
            for ((t = 0; t < 500; t++)); do
                [[ $("${REPLY_CMD[@]}" state "m$i" 2>/dev/null | jq -r .status) == stopped ]] && break
                sleep 0.02
            done
            cat "$W/out/selfrss" >> "$S/rss-init-life.$rt" 2>/dev/null || true
            "${REPLY_CMD[@]}" delete --force "m$i" >/dev/null 2>&1 || true
            # foreground run: its own high-water mark while the container runs
            "${REPLY_CMD[@]}" run --bundle "$W/b/$rt-sleep2" "s$i" </dev/null >/dev/null &
            pid=$!
            sleep "$RSS_WAIT"
            "$TOOL" hwm "$pid" | cut -d' ' -f1 >> "$S/rss-run.$rt"
            wait "$pid" || true
            # exec: whole command, foreground parent, the helper that became the process
            "$TOOL" time "${REPLY_CMD[@]}" exec sleeper true | cut -d' ' -f2 >> "$S/rss-exec-cmd.$rt"
            "${REPLY_CMD[@]}" exec sleeper sleep $((RSS_WAIT * 2)) </dev/null >/dev/null &
            pid=$!
            sleep "$RSS_WAIT"
            "$TOOL" hwm "$pid" | cut -d' ' -f1 >> "$S/rss-exec-parent.$rt"
            wait "$pid" || true
            "${REPLY_CMD[@]}" exec sleeper /benchtool selfrss < /dev/null >> "$S/rss-exec-helper.$rt"
        done
    done
    for rt in "${RTS[@]}"; do
        rt_cmd "$rt"
        "${REPLY_CMD[@]}" delete --force sleeper >/dev/null 2>&1 || true
    done
    return 0
}

# ------------------------------------------------------------------ 6. memory floor --
# Smallest linux.resources.memory.limit (64 KiB steps) under which `run` of `true` exits 0.
floor_ok() { # floor_ok RT KIB
    local rt=$1 kib=$2 dir=$W/b/$rt-floor-$2
    [[ -d $dir ]] || mkbundle "$dir" "$rt" "floor-$kib" '["true"]' $((kib * 1024))
    rt_cmd "$rt"
    timeout 60 "${REPLY_CMD[@]}" run --bundle "$dir" "f$kib" </dev/null >/dev/null 2>&1
    local rc=$?
    "${REPLY_CMD[@]}" delete --force "f$kib" >/dev/null 2>&1 || true
    return $rc
}
bench_floor() {
    log "memory floors (binary search, 64 KiB steps)"
    local rt lo hi mid
    for rt in "${RTS[@]}"; do
        lo=0; hi=1024 # in 64 KiB units: 0 .. 64 MiB
        if ! floor_ok "$rt" $((hi * 64)); then echo "-" > "$S/floor.$rt"; continue; fi
        while ((hi - lo > 1)); do
            mid=$(((lo + hi) / 2))
            if floor_ok "$rt" $((mid * 64)); then hi=$mid; else lo=$mid; fi
        done
        # Near the edge a run can pass or fail by luck: the floor is where it passes 3 of 3.
        while ! { floor_ok "$rt" $((hi * 64)) && floor_ok "$rt" $((hi * 64)) && floor_ok "$rt" $((hi * 64)); }; do
            hi=$((hi + 1))
        done
        echo $((hi * 64)) > "$S/floor.$rt"
    done
}

for section in run lifecycle exec par rss floor; do
    [[ $SECTIONS == *" $section "* ]] && "bench_$section"
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
log "done, load average $load_end, $fail_count failed samples"

# -------------------------------------------------------------------------- the report --
ms() { awk -v v="$1" 'BEGIN { if (v == "-") print "-"; else printf "%.2f", v / 1000 }'; }
kib() { echo "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }
# The columns: csrun, runc, crun and the ratios; with CSRUN_BASE, the earlier build first.
header() { # header FIRST_COLUMN_TITLE
    if [[ -n $CSRUN_BASE ]]; then
        echo "| $1 | base | csrun | csrun/base | runc | crun | csrun/crun | csrun/runc |"
        echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
    else
        echo "| $1 | csrun | runc | crun | csrun/crun | csrun/runc |"
        echo "| --- | --- | --- | --- | --- | --- |"
    fi
}
row() { # row FORMAT(ms|kib) LABEL FILEBASE [WRAPPERS_PER_SAMPLE WRAPPER_COST_US]
    local fmt=$1 label=$2 base=$3 k=${4:-0} cost=${5:-0} rt any=0
    local -A med mn mx cell
    for rt in base csrun runc crun; do med[$rt]=-; mn[$rt]=-; mx[$rt]=-; cell[$rt]=-; done
    for rt in "${RTS[@]}"; do
        local sub=0
        [[ $rt == crun ]] && sub=$(awk -v k="$k" -v c="$cost" 'BEGIN { print k * c }')
        read -r med[$rt] mn[$rt] mx[$rt] <<< "$(stats "$S/$base.$rt" "$sub")"
        [[ ${med[$rt]} != - ]] && any=1
        cell[$rt]="$($fmt "${med[$rt]}") ($($fmt "${mn[$rt]}")-$($fmt "${mx[$rt]}"))"
        [[ ${med[$rt]} == - ]] && cell[$rt]="-"
    done
    ((any)) || return 0
    local r_cr r_rc
    r_cr=$(ratio "${med[csrun]}" "${med[crun]}"); r_rc=$(ratio "${med[csrun]}" "${med[runc]}")
    if [[ -n $CSRUN_BASE ]]; then
        printf '| %s | %s | %s | **%s** | %s | %s | %s | %s |\n' "$label" "${cell[base]}" "${cell[csrun]}" \
            "$(ratio "${med[csrun]}" "${med[base]}")" "${cell[runc]}" "${cell[crun]}" "$r_cr" "$r_rc"
    else
        printf '| %s | %s | %s | %s | **%s** | **%s** |\n' "$label" "${cell[csrun]}" "${cell[runc]}" "${cell[crun]}" "$r_cr" "$r_rc"
    fi
}
single_row() { # single_row LABEL FILEBASE: one value per runtime (floor, size)
    local label=$1 base=$2 rt
    local -A v=([base]=- [csrun]=- [runc]=- [crun]=-)
    for rt in "${RTS[@]}"; do v[$rt]=$(cat "$S/$base.$rt" 2>/dev/null || echo -); done
    if [[ -n $CSRUN_BASE ]]; then
        echo "| $label | ${v[base]} | ${v[csrun]} | **$(ratio "${v[csrun]}" "${v[base]}")** | ${v[runc]} | ${v[crun]} | $(ratio "${v[csrun]}" "${v[crun]}") | $(ratio "${v[csrun]}" "${v[runc]}") |"
    else
        echo "| $label | ${v[csrun]} | ${v[runc]} | ${v[crun]} | **$(ratio "${v[csrun]}" "${v[crun]}")** | **$(ratio "${v[csrun]}" "${v[runc]}")** |"
    fi
}

run_cost=$(wrapper_cost run); life_cost=$(wrapper_cost life); exec_cost=$(wrapper_cost exec)
run_cpu_cost=$(wrapper_cost run-cpu); exec_cpu_cost=$(wrapper_cost exec-cpu)
par_cost=0
if [[ $WRAPPED == 1 ]]; then
    par_cost=$(awk -v a="$(median "$S/par.wrap")" -v b="$(median "$S/par.true")" 'BEGIN { d = a - b; print (d > 0 ? d : 0) }')
fi
csrun_version=$("$CSRUN" --version | head -1)
runc_version=$("$RUNC" --version | head -1)
crun_version=$("$CRUN" --version | head -1)

report=$W/report.md
{
    echo "### $( [[ $MODE == host ]] && echo "Host" || echo "QEMU VM (TCG), pure cgroup v2") — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- host: $(uname -n), kernel $(uname -r), $(nproc) cores, cgroups $CGMODE$( [[ $MODE != host ]] && echo ", TCG emulation: absolute times are ~30x the host's, read the ratios")"
    echo "- $csrun_version (bin/csrun, commit $(cd "$repo" && git rev-parse --short=12 HEAD 2>/dev/null || echo ?)); $runc_version; $crun_version"
    [[ -n $CSRUN_BASE ]] && echo "- base (before): $CSRUN_BASE; csrun (after): $CSRUN"
    [[ $MODE == inside-vm ]] && echo "- csrun runs from a copy in the guest's memory, as runc and crun run from its cached root (the repository's 9p share re-reads a binary at every exec)"
    echo "- load average (1, 5, 15 min) at the start: $load_start; at the end: $load_end"
    echo "- N = $N sequential samples per runtime (after $WARMUP warm-up rounds), $PAR_ROUNDS rounds of $PAR parallel creates, $RSS_N RSS samples; $fail_count failed samples"
    if [[ $WRAPPED == 1 ]]; then
        echo "- crun runs in \`benchtool hidecg\` (private mount namespace, cgroup2 mount detached); its cost, measured in the same rotation as \`hidecg /bin/true\` minus \`/bin/true\`, is subtracted per wrapper call: run $(ms "$run_cost") ms, lifecycle 3 x $(ms "$life_cost") ms, exec $(ms "$exec_cost") ms, parallel round $(ms "$par_cost") ms"
    fi
    echo
    echo "Times in ms: median (min-max). Ratios of medians, same run."
    echo
    header benchmark
    row ms "\`run\` of \`true\`" run 1 "$run_cost"
    row ms "create + start + wait + delete" life 3 "$life_cost"
    row ms "&nbsp;&nbsp;create" life-create 1 "$life_cost"
    row ms "&nbsp;&nbsp;start" life-start 1 "$life_cost"
    row ms "&nbsp;&nbsp;wait (container exit)" life-wait
    row ms "&nbsp;&nbsp;delete" life-delete 1 "$life_cost"
    row ms "\`exec ID true\`" exec 1 "$exec_cost"
    row ms "$PAR parallel creates (wall)" par 1 "$par_cost"
    row ms "CPU time (user+sys) of \`run\`, whole process tree" run-cpu 1 "$run_cpu_cost"
    row ms "CPU time (user+sys) of \`exec\`, whole process tree" exec-cpu 1 "$exec_cpu_cost"
    echo
    if [[ $SECTIONS == *" rss "* ]]; then
        echo "Peak RSS in KiB: median (min-max)."
        echo
        header process
        row kib "\`create\` (ru_maxrss, with what it reaped)" rss-create
        row kib "init waiting on exec.fifo (VmHWM)" rss-init-hwm
        row kib "init's pid over its life, up to the container process (selfrss)" rss-init-life
        row kib "foreground \`run\` (VmHWM while the container runs)" rss-run
        row kib "\`exec\` (ru_maxrss, with what it reaped)" rss-exec-cmd
        row kib "foreground \`exec\` (VmHWM while the process runs)" rss-exec-parent
        row kib "exec helper's pid over its life (selfrss)" rss-exec-helper
        echo
    fi
    header ""
    [[ $SECTIONS == *" floor "* ]] && single_row "memory floor: smallest memory.limit for \`run\` of \`true\` (KiB, 64 KiB steps, 3 of 3 pass)" floor
    if [[ $MODE == host ]]; then
        for rt in "${RTS[@]}"; do rt_cmd "$rt"; stat -L -c %s "${REPLY_CMD[-3]}" > "$S/size.$rt"; done
        single_row "binary size (bytes; crun also loads libsystemd, libseccomp, libcap, libyajl and their deps)" size
    fi
    echo
} > "$report"

cat "$report"
if [[ -n $CSRUN_BASE ]]; then
    # A before/after experiment: kept apart from RESULTS.md.
    cp "$report" "$OUTDIR/compare-$(date -u +%Y%m%d-%H%M%S).md"
elif [[ $MODE == inside-vm ]]; then
    cp "$report" "$VM_OUT"
else
    cp "$report" "$OUTDIR/host.md"
    splice host "$report"
    log "host section written to $RESULTS"
fi
exit 0
}
