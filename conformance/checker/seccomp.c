/*
 * seccomp.c: config-linux.md "Seccomp". The checker makes a few harmless system calls whose
 * arguments it controls and compares the kernel's answer with what the profile decides for
 * them: SCMP_ACT_ERRNO rules return their errnoRet (EPERM by default), SCMP_ACT_ALLOW lets the
 * call through. Other actions are not probed (they would end the checker).
 */
#define _GNU_SOURCE
#include "check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct probe {
	const char *name;
	long nr;
	int nargs;		/* arguments a rule may choose (plain integers) */
	unsigned long def[2];	/* their values when no rule chooses */
};

/* Calls that read only their own process's state and succeed normally. */
static const struct probe probes[] = {
	{ "getpriority", SYS_getpriority, 2, { 0 /* PRIO_PROCESS */, 0 } },
	{ "getsid", SYS_getsid, 1, { 0 } },
	{ "getpgid", SYS_getpgid, 1, { 0 } },
	{ "getcpu", SYS_getcpu, 0, { 0 } },
	{ "sched_getscheduler", SYS_sched_getscheduler, 1, { 0 } },
};

static long call(const struct probe *p, const unsigned long *a)
{
	if (strcmp(p->name, "getcpu") == 0) {
		unsigned cpu, node;
		return syscall(p->nr, &cpu, &node, NULL);
	}
	return syscall(p->nr, a[0], a[1], 0, 0, 0, 0);
}

/* Chooses arguments that satisfy every condition of rule; 0 when it cannot. */
static int satisfy(const struct probe *p, struct jval *rule, unsigned long *a)
{
	a[0] = p->def[0];
	a[1] = p->def[1];
	struct jval *args = jget(rule, "args");
	for (size_t i = 0; i < jlen(args); i++) {
		struct jval *c = jat(args, i);
		unsigned long long index, value, two = 0;
		const char *op = jstr(jget(c, "op"));
		if (!juint(jget(c, "index"), &index) || !juint(jget(c, "value"), &value) || !op)
			return 0;
		juint(jget(c, "valueTwo"), &two);
		if (index >= (unsigned long long)p->nargs)
			return 0;
		if (strcmp(op, "SCMP_CMP_EQ") == 0 || strcmp(op, "SCMP_CMP_GE") == 0 || strcmp(op, "SCMP_CMP_LE") == 0)
			a[index] = value;
		else if (strcmp(op, "SCMP_CMP_NE") == 0 || strcmp(op, "SCMP_CMP_GT") == 0)
			a[index] = value + 1;
		else if (strcmp(op, "SCMP_CMP_LT") == 0 && value > 0)
			a[index] = value - 1;
		else if (strcmp(op, "SCMP_CMP_MASKED_EQ") == 0)
			a[index] = two;
		else
			return 0;
	}
	return 1;
}

static int names(struct jval *rule, const char *name)
{
	struct jval *n = jget(rule, "names");
	for (size_t i = 0; i < jlen(n); i++)
		if (jstr(jat(n, i)) && strcmp(jstr(jat(n, i)), name) == 0)
			return 1;
	return 0;
}

static void expect(const struct probe *p, const unsigned long *a, const char *action, unsigned long long err, const char *why)
{
	errno = 0;
	long r = call(p, a);
	int e = errno;
	if (strcmp(action, "SCMP_ACT_ALLOW") == 0 || strcmp(action, "SCMP_ACT_LOG") == 0) {
		if (!point(r >= 0, "seccomp", "%s(%lu, %lu) is allowed (%s)", p->name, a[0], a[1], why))
			diag("errno %d (%s)", e, strerror(e));
	} else {
		if (!point(r == -1 && (unsigned long long)e == err, "seccomp", "%s(%lu, %lu) fails with errno %llu (%s)",
			   p->name, a[0], a[1], err, why))
			diag("returned %ld, errno %d", r, r == -1 ? e : 0);
	}
}

void check_seccomp(void)
{
	struct jval *sc = jpath(cfg, "linux.seccomp");
	if (!sc)
		return;
	point_str(proc_status("Seccomp"), "2", "seccomp", "a filter is installed (Seccomp: 2)");
	const char *def = jstr(jget(sc, "defaultAction"));
	unsigned long long deferr = 1;
	juint(jget(sc, "defaultErrnoRet"), &deferr);
	struct jval *rules = jget(sc, "syscalls");
	int probeable_default = def && (strcmp(def, "SCMP_ACT_ALLOW") == 0 || strcmp(def, "SCMP_ACT_ERRNO") == 0 ||
					strcmp(def, "SCMP_ACT_LOG") == 0);

	for (size_t k = 0; k < sizeof probes / sizeof probes[0]; k++) {
		const struct probe *p = &probes[k];
		int named = 0, unconditional_other = 0;
		for (size_t i = 0; i < jlen(rules); i++) {
			struct jval *r = jat(rules, i);
			if (!names(r, p->name))
				continue;
			named++;
			const char *action = jstr(jget(r, "action"));
			if (!action)
				continue;
			if (strcmp(action, "SCMP_ACT_ERRNO") != 0 && strcmp(action, "SCMP_ACT_ALLOW") != 0) {
				unconditional_other = 1;
				continue;
			}
			unsigned long a[2];
			if (!satisfy(p, r, a)) {
				skip("seccomp", "the checker cannot satisfy its conditions", "rule %zu for %s", i, p->name);
				continue;
			}
			unsigned long long err = 1;
			juint(jget(r, "errnoRet"), &err);
			char why[64];
			snprintf(why, sizeof why, "syscalls[%zu]%s", i, jlen(jget(r, "args")) ? " with its argument conditions" : "");
			expect(p, a, action, err, why);
			/* a single-condition rule: an argument it does not match gets the default */
			struct jval *args = jget(r, "args");
			if (jlen(args) == 1 && probeable_default && named == 1) {
				int others = 0;
				for (size_t j = 0; j < jlen(rules); j++)
					others += j != i && names(jat(rules, j), p->name);
				const char *op = jstr(jget(jat(args, 0), "op"));
				unsigned long long idx = 0, value = 0;
				juint(jget(jat(args, 0), "index"), &idx);
				juint(jget(jat(args, 0), "value"), &value);
				if (!others && op && strcmp(op, "SCMP_CMP_EQ") == 0 && idx < (unsigned long long)p->nargs) {
					unsigned long b[2] = { p->def[0], p->def[1] };
					b[idx] = value == p->def[idx] ? value + 1 : p->def[idx];
					expect(p, b, def, deferr, "an argument the rule does not match: defaultAction");
				}
			}
		}
		if (!named && probeable_default && !unconditional_other) {
			unsigned long a[2] = { p->def[0], p->def[1] };
			expect(p, a, def, deferr, "not in the profile: defaultAction");
		}
	}
}
