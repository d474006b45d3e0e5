#!/bin/sh
# summarize-trx.sh DIR: adds up the TRX results dotnet test wrote into DIR and prints the one
# line CI reads: "N passed, N failed" (", N skipped" when some were skipped). A suite that
# crashed before writing its TRX counts as one failure.
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
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
