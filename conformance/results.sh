#!/usr/bin/env bash
# results.sh FILE.md TAPDIR NAME...: writes the conformance report from TAPDIR/NAME.tap (the
# output of run.sh for each runtime NAME, in that order; the first is the one under test,
# csrun, the second its reference, runc). TAPDIR/csrun-v2.tap, when present, adds a column for
# csrun on a pure cgroup v2 host (make conformance-v2). Reasons for the points where csrun and
# runc differ come from conformance/differences.txt ("GLOB<TAB>reason", first match wins).
set -eu
out=$1
tapdir=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd -P)
names=()
for n in "$@"; do
	case $n in crun|*/crun) names+=(crun) ;; *) names+=("$(basename "$n")") ;; esac
done
files=()
for n in "${names[@]}"; do files+=("$tapdir/$n.tap"); done
v2=$tapdir/csrun-v2.tap
[ -f "$v2" ] && { names+=("csrun-v2"); files+=("$v2"); }

header() {	# header FILE KEY: the value of "# KEY: ..." in a TAP file
	sed -n "s/^# $2: //p" "$1" | head -n 1
}

{
	echo "# Conformance results"
	echo
	echo "Written by \`make conformance\` (conformance/run.sh, then conformance/results.sh): the checker"
	echo "(conformance/checker, run inside each container) and the runner's lifecycle, state, hook and"
	echo "error checks, for every runtime in the same run. Each cell is passed / failed / skipped points;"
	echo "\"known\" failures are listed in conformance/known-failures.txt (TAP TODO: \`make test\` does not"
	echo "count them), each with its reason."
	echo
	for i in "${!names[@]}"; do
		echo "- **${names[$i]}**: $(header "${files[$i]}" runtime); $(header "${files[$i]}" host)"
	done
	echo "- host: $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"), $(nproc) cores; cgroups:" \
		"$(if [ -d /sys/fs/cgroup/unified ]; then echo "hybrid (v1 controllers + cgroup2 at /sys/fs/cgroup/unified)";
		   elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then echo "pure v2"; else echo "v1"; fi)"
	if [ -f "$v2" ]; then
		echo "- csrun-v2 is csrun alone inside shared/tools/vm/vm-run.sh (Debian's 6.1 kernel under QEMU, pure"
		echo "  cgroup v2), from \`make conformance-v2\`, run by hand: 21 min under emulation, too slow for \`make test\`"
	else
		echo "- no cgroup v2 column: \`make conformance-v2\` (by hand, in the VM) writes the TAP it comes from"
	fi
	echo
	awk -v names="${names[*]}" -v reasons="$here/differences.txt" '
	function verdict(line) {
		if (line ~ /^not ok /) return "fail"
		if (line ~ / # SKIP/) return "skip"
		return "pass"
	}
	function pname(line,   s) {
		s = line
		sub(/^(not )?ok [0-9]+ - /, "", s)
		sub(/ # (SKIP|TODO).*$/, "", s)
		return s
	}
	function section(name,   s) {
		s = name
		sub(/^[^\/]*\//, "", s)
		sub(/:.*$/, "", s)
		return s
	}
	function variant(name,   s) {
		s = name
		sub(/\/.*$/, "", s)
		return s
	}
	BEGIN {
		nn = split(names, rt, " ")
		while ((getline line < reasons) > 0) {
			if (line ~ /^#/ || line !~ /\t/) continue
			nr++
			glob[nr] = substr(line, 1, index(line, "\t") - 1)
			why[nr] = substr(line, index(line, "\t") + 1)
		}
	}
	FNR == 1 { f++ }
	/^(not )?ok [0-9]+ - / {
		n = pname($0); v = verdict($0)
		k = f SUBSEP n
		if (k in res) { d = 2; while ((f SUBSEP n " #" d) in res) d++; n = n " #" d; k = f SUBSEP n }
		res[k] = v
		if (!(n in seen)) { seen[n] = ++np; order[np] = n }
		s = section(n)
		if (!(s in sseen)) { sseen[s] = ++ns; sorder[ns] = s }
		count[f, s, v]++; total[f, v]++
		if (v == "fail" && $0 ~ / # TODO /) {
			todo[f, s]++; totaltodo[f]++; known[f, n] = 1
			t = $0; sub(/^.* # TODO /, "", t); todowhy[n] = t
		}
		vv = variant(n)
		if (n ~ /\/create: create succeeds$/ && v == "fail") createfail[f, vv] = 1
		hasvariant[f, vv] = 1
	}
	function failed(n, t) { return n + 0 (t ? " (" t " known)" : "") }
	function cell(i, s) { return (count[i, s, "pass"] + 0) " / " failed(count[i, s, "fail"], todo[i, s]) " / " (count[i, s, "skip"] + 0) }
	function globre(g,   r) {
		r = g
		gsub(/[.+^$(){}|\\[\]]/, "\\\\&", r)
		gsub(/\*/, ".*", r)
		gsub(/\?/, ".", r)
		return "^" r "$"
	}
	function reason(n,   i) {
		for (i = 1; i <= nr; i++) if (n ~ globre(glob[i])) return why[i]
		return "**not explained yet**"
	}
	function show(v) { return v == "" ? "-" : v }
	function showk(i, n) { return show(res[i, n]) (known[i, n] ? " (known)" : "") }
	END {
		printf "| section |"; for (i = 1; i <= nn; i++) printf " %s |", rt[i]; print ""
		printf "| --- |"; for (i = 1; i <= nn; i++) printf " --- |"; print ""
		for (j = 1; j <= ns; j++) {
			printf "| %s |", sorder[j]
			for (i = 1; i <= nn; i++) printf " %s |", cell(i, sorder[j])
			print ""
		}
		printf "| **total** |"
		for (i = 1; i <= nn; i++) printf " **%d / %s / %d** |", total[i, "pass"], failed(total[i, "fail"], totaltodo[i]), total[i, "skip"]
		print ""
		print ""
		print "## Where csrun and runc differ"
		print ""
		print "A variant whose `create` failed for one of them has no checker points there: only its `create`"
		print "point is listed. Reasons: conformance/differences.txt."
		print ""
		print "| point | " rt[1] " | " rt[2] " | " (nn >= 3 ? rt[3] : "") " | why |"
		print "| --- | --- | --- | --- | --- |"
		# one row per point and verdicts, with the variants it occurs in
		nd = 0
		for (p = 1; p <= np; p++) {
			n = order[p]; vv = variant(n)
			a = res[1, n]; b = res[2, n]
			if (a == b) continue
			if (n !~ /\/create: create succeeds$/ && (createfail[1, vv] || createfail[2, vv])) continue
			rest = n; sub(/^[^\/]*\//, "", rest)
			key = rest SUBSEP showk(1, n) SUBSEP showk(2, n) SUBSEP (nn >= 3 ? showk(3, n) : "")
			if (!(key in grp)) { grp[key] = ++nd; gkey[nd] = key; gname[nd] = n; grest[nd] = rest; gvars[nd] = vv; gcount[nd] = 1 }
			else { g = grp[key]; gvars[g] = gvars[g] ", " vv; gcount[g]++ }
		}
		for (g = 1; g <= nd; g++) {
			split(gkey[g], kv, SUBSEP)
			label = gcount[g] > 1 ? "*/" grest[g] " (" gcount[g] " variants: " gvars[g] ")" : gname[g]
			printf "| %s | %s | %s | %s | %s |\n", label, kv[2], kv[3], kv[4], reason(gname[g])
		}
		if (nd == 0) print "| (none) | | | | |"
		print ""
		print "## Points " rt[1] " fails"
		print ""
		print "| point | " rt[2] " | why |"
		print "| --- | --- | --- |"
		nf = 0
		for (p = 1; p <= np; p++) {
			n = order[p]
			if (res[1, n] != "fail") continue
			nf++
			printf "| %s | %s | %s |\n", n, showk(2, n), (known[1, n] ? "known (conformance/known-failures.txt): " todowhy[n] : reason(n))
		}
		if (nf == 0) print "| (none) | | |"
		if (rt[nn] == "csrun-v2") {
			print ""
			print "## Points csrun fails on pure cgroup v2 (csrun-v2)"
			print ""
			print "| point | why |"
			print "| --- | --- |"
			nf = 0
			for (p = 1; p <= np; p++) {
				n = order[p]
				if (res[nn, n] != "fail") continue
				nf++
				printf "| %s | %s |\n", n, (known[nn, n] ? "known (conformance/known-failures.txt): " todowhy[n] : reason(n))
			}
			if (nf == 0) print "| (none) | |"
		}
	}' "${files[@]}"
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out"
