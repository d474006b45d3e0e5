#!/bin/bash
# The libseccomp side of the seccomp compile benchmark, for measurement only: turns an OCI
# linux.seccomp profile into a C program that builds the same filter through libseccomp (the
# way runc adds rules: one rule per name, a rule repeating an argument index split in one rule
# per condition, rules equal to the default action skipped), exports the BPF, and prints the
# instruction count and the median time of init + rules + export over N runs.
#   libseccomp-reference.sh PROFILE.json [N]      (needs libseccomp-dev, gcc, jq)
set -euo pipefail
profile=$1; runs=${2:-200}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
act() { # action errno -> libseccomp action expression
	case $1 in
	SCMP_ACT_ALLOW) echo SCMP_ACT_ALLOW ;;
	SCMP_ACT_ERRNO) echo "SCMP_ACT_ERRNO(${2:-1})" ;;
	SCMP_ACT_KILL|SCMP_ACT_KILL_THREAD) echo SCMP_ACT_KILL_THREAD ;;
	SCMP_ACT_KILL_PROCESS) echo SCMP_ACT_KILL_PROCESS ;;
	SCMP_ACT_TRAP) echo SCMP_ACT_TRAP ;;
	SCMP_ACT_TRACE) echo "SCMP_ACT_TRACE(${2:-1})" ;;
	SCMP_ACT_LOG) echo SCMP_ACT_LOG ;;
	SCMP_ACT_NOTIFY) echo SCMP_ACT_NOTIFY ;;
	*) echo "unknown action $1" >&2; exit 1 ;;
	esac
}
default=$(act "$(jq -r .defaultAction "$profile")" "$(jq -r '.defaultErrnoRet // empty' "$profile")")
{
	echo '#define _GNU_SOURCE'
	echo '#include <seccomp.h>'
	echo '#include <stdio.h>'
	echo '#include <stdlib.h>'
	echo '#include <time.h>'
	echo '#include <unistd.h>'
	echo '#include <sys/mman.h>'
	echo 'static void add(scmp_filter_ctx c, uint32_t a, const char *n, unsigned k, const struct scmp_arg_cmp *v)'
	echo '{ int nr = seccomp_syscall_resolve_name(n); if (nr != __NR_SCMP_ERROR) seccomp_rule_add_array(c, a, nr, k, v); }'
	echo 'static scmp_filter_ctx build(void) {'
	echo "  scmp_filter_ctx c = seccomp_init($default);"
	echo '  seccomp_attr_set(c, SCMP_FLTATR_CTL_NNP, 0);'
	for a in $(jq -r '.architectures[]' "$profile"); do
		[ "$a" = SCMP_ARCH_X86_64 ] || echo "  seccomp_arch_add(c, $a);"
	done
	[ "$(jq '.syscalls | length' "$profile")" -gt 32 ] && echo '  seccomp_attr_set(c, SCMP_FLTATR_CTL_OPTIMIZE, 2);'
	n=$(jq '.syscalls | length' "$profile")
	for ((i = 0; i < n; i++)); do
		r=$(jq -c ".syscalls[$i]" "$profile")
		a=$(act "$(jq -r .action <<<"$r")" "$(jq -r '.errnoRet // empty' <<<"$r")")
		[ "$a" = "$default" ] && continue
		conds=$(jq -r '[(.args // [])[] | "SCMP_CMP(\(.index), \({"SCMP_CMP_NE":"SCMP_CMP_NE","SCMP_CMP_LT":"SCMP_CMP_LT","SCMP_CMP_LE":"SCMP_CMP_LE","SCMP_CMP_EQ":"SCMP_CMP_EQ","SCMP_CMP_GE":"SCMP_CMP_GE","SCMP_CMP_GT":"SCMP_CMP_GT","SCMP_CMP_MASKED_EQ":"SCMP_CMP_MASKED_EQ"}[.op]), \(.value)ULL, \(.valueTwo // 0)ULL)"] | join(", ")' <<<"$r")
		split=$(jq -r '[(.args // [])[].index] | (length != (unique | length))' <<<"$r")
		for name in $(jq -r '.names[]' <<<"$r"); do
			if [ -z "$conds" ]; then
				echo "  add(c, $a, \"$name\", 0, NULL);"
			elif [ "$split" = true ]; then
				jq -r '(.args // [])[] | "SCMP_CMP(\(.index), \(.op), \(.value)ULL, \(.valueTwo // 0)ULL)"' <<<"$r" | while read -r cond; do
					echo "  { struct scmp_arg_cmp v[] = { $cond }; add(c, $a, \"$name\", 1, v); }"
				done
			else
				k=$(jq '.args | length' <<<"$r")
				echo "  { struct scmp_arg_cmp v[] = { $conds }; add(c, $a, \"$name\", $k, v); }"
			fi
		done
	done
	echo '  return c; }'
	cat <<'C'
static int cmp(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return x < y ? -1 : x > y; }
int main(int argc, char **argv) {
  int runs = atoi(argv[1]); double *t = malloc(sizeof(double) * runs); long bytes = 0;
  int fd = memfd_create("bpf", 0);
  for (int i = 0; i < runs; i++) {
    struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
    scmp_filter_ctx c = build(); ftruncate(fd, 0); lseek(fd, 0, SEEK_SET); seccomp_export_bpf(c, fd);
    clock_gettime(CLOCK_MONOTONIC, &b); seccomp_release(c);
    t[i] = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3; bytes = lseek(fd, 0, SEEK_CUR);
  }
  qsort(t, runs, sizeof(double), cmp);
  const struct scmp_version *v = seccomp_version();
  printf("libseccomp %u.%u.%u: %ld instructions, median %.1f us (min %.1f, max %.1f) over %d runs\n",
         v->major, v->minor, v->micro, bytes / 8, t[runs / 2], t[0], t[runs - 1], runs);
  return 0;
}
C
} >"$work/ref.c"
gcc -O2 -o "$work/ref" "$work/ref.c" -lseccomp
"$work/ref" "$runs"
