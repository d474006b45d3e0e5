#!/bin/sh
# memory-floor.sh RUNTIME [LOW_KIB HIGH_KIB]
#
# The smallest linux.resources.memory.limit under which `RUNTIME run` of `true` in a busybox
# bundle succeeds, found by binary search in 64 KiB steps between LOW_KIB (default 64) and
# HIGH_KIB (default 16384). Every limit is tried TRIES times (default 3); a limit passes only
# when all tries succeed (OOM kills of a runtime's init are not perfectly repeatable).
# Prints one line per limit tried on stderr and the floor in KiB on stdout.
#
# The bundle's cgroup is a relative cgroupsPath (below the caller's own cgroup, as the
# integration tests place theirs); every try deletes its container, whatever happened.
set -eu

runtime=${1:?usage: memory-floor.sh RUNTIME [LOW_KIB HIGH_KIB]}
low=${2:-64}
high=${3:-16384}
tries=${TRIES:-3}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/csrun-floor.XXXXXX)
root=$work/state
name=floor-$$
# The runtimes remove the container's cgroup, not the parent they made for it.
cleanup_cgroups() {
    find /sys/fs/cgroup -maxdepth 6 -type d -name "csrun-floor-$$" -exec rmdir {} + 2>/dev/null || true
}
trap 'for i in $(seq 1 "$tries"); do "$runtime" --root "$root" delete --force "$name-$i" >/dev/null 2>&1 || true; done; cleanup_cgroups; rm -rf "$work"' EXIT INT TERM

"$here/../tests/bundle/make-bundle.sh" "$work/bundle" >/dev/null
cfg=$work/bundle/config.json

attempt() { # limit in KiB -> 0 when every try ran `true` successfully
    jq --argjson lim $(($1 * 1024)) --arg cg "csrun-floor-$$/$name" \
        '.process.args = ["true"] | .linux.resources.memory.limit = $lim | .linux.cgroupsPath = $cg' \
        "$cfg.orig" > "$cfg"
    i=1
    while [ "$i" -le "$tries" ]; do
        if ! timeout 30 "$runtime" --root "$root" run --bundle "$work/bundle" "$name-$i" </dev/null >/dev/null 2>"$work/err"; then
            "$runtime" --root "$root" delete --force "$name-$i" >/dev/null 2>&1 || true
            echo "$1 KiB: fails ($(tail -n 1 "$work/err" | cut -c1-140))" >&2
            return 1
        fi
        i=$((i + 1))
    done
    echo "$1 KiB: runs" >&2
    return 0
}

cp "$cfg" "$cfg.orig"
attempt "$high" || { echo "even $high KiB is not enough" >&2; exit 1; }
# Invariant: high runs; low - 64 is the largest value known (or assumed) to fail.
while [ "$low" -lt "$high" ]; do
    mid=$(( (low + high) / 2 / 64 * 64 ))
    [ "$mid" -ge "$low" ] || mid=$low
    if attempt "$mid"; then high=$mid; else low=$((mid + 64)); fi
done
echo "$high"
