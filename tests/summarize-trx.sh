#!/bin/sh
# summarize-trx.sh DIR: adds up the TRX results dotnet test wrote into DIR and the TAP of the
# conformance suite (DIR/conformance/csrun.tap, written by conformance/run.sh), and prints the one
# line CI reads: "N passed, N failed" (", N skipped" when some were skipped). A suite that
# crashed before writing its results counts as one failure. In TAP, "ok" is a pass, "not ok" a
# failure, "# SKIP" a skip, and a "not ok ... # TODO" (a known failure, listed with its reason in
# conformance/known-failures.txt) counts as skipped.
set -u
dir=${1:-TestResults}
passed=0; failed=0; skipped=0
for suite in unit integration manager integration-v2; do
    f="$dir/$suite.trx"
    if [ ! -f "$f" ]; then
        echo "$suite tests: no results file ($f): counted as 1 failure" >&2
        failed=$((failed + 1))
        continue
    fi
    counters=$(grep -o '<Counters [^>]*>' "$f" | head -n 1)
    get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
    p=$(get passed); fl=$(get failed); t=$(get total); e=$(get executed)
    p=${p:-0}; fl=${fl:-0}; t=${t:-0}; e=${e:-0}
    s=$((t - e)); [ "$s" -lt 0 ] && s=0
    echo "$suite tests: $p passed, $fl failed, $s skipped"
    passed=$((passed + p)); failed=$((failed + fl)); skipped=$((skipped + s))
done
for suite in ${TAP_SUITES:-conformance}; do
    f="$dir/$suite/csrun.tap"
    if [ ! -f "$f" ]; then
        echo "$suite: no results file ($f): counted as 1 failure" >&2
        failed=$((failed + 1))
        continue
    fi
    p=$(grep '^ok ' "$f" | grep -vc ' # SKIP')
    fl=$(grep '^not ok ' "$f" | grep -vc ' # TODO')
    s=$(grep -c '^ok .* # SKIP' "$f")
    todo=$(grep -c '^not ok .* # TODO' "$f")
    if ! grep -q '^1\.\.[0-9]' "$f"; then
        echo "$suite: $f has no plan line (the runner stopped early): counted as 1 failure" >&2
        fl=$((fl + 1))
    fi
    echo "$suite: $p passed, $fl failed, $((s + todo)) skipped ($todo of them known failures)"
    passed=$((passed + p)); failed=$((failed + fl)); skipped=$((skipped + s + todo))
done
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
