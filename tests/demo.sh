#!/bin/sh
# demo.sh CSRUN: builds a busybox bundle in a temp dir, runs a container that prints its
# hostname, pid and uid from inside its own namespaces, then cleans everything up.
set -eu
csrun=${1:?usage: demo.sh /path/to/csrun}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/csrun-demo.XXXXXX)
root="$work/state"
id="csrun-demo-$$"
cleanup() {
    "$csrun" --root "$root" delete --force "$id" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
"$here/bundle/make-bundle.sh" "$work/bundle" >/dev/null
jq '.process.args = ["sh", "-c", "echo \"hostname: $(hostname)\"; echo \"pid: $$\"; echo \"uid: $(id -u)\"; echo \"namespaces: $(readlink /proc/self/ns/pid) $(readlink /proc/self/ns/mnt)\""]
    | .hostname = "csrun-demo"' "$work/bundle/config.json" > "$work/config.json"
mv "$work/config.json" "$work/bundle/config.json"
echo "host: $(hostname), pid namespace $(readlink /proc/self/ns/pid)"
echo "--- csrun run $id"
"$csrun" --root "$root" run --bundle "$work/bundle" "$id"
echo "--- exit status $?"
