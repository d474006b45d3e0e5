/*
 * cgroup.c: config-linux.md "Control groups": cgroupsPath, the allowed device list and the
 * values of linux.resources, read back from the cgroup filesystem mounted in the container
 * (cgroup v1 hierarchies or the v2 unified one).
 */
#define _GNU_SOURCE
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The path of this process's cgroup for a v1 controller ("" = the v2 line). */
static char *proc_cgroup_path(const char *controller)
{
	static char *text;
	if (!text)
		text = read_file("/proc/self/cgroup");
	for (char *p = text; p && *p;) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[PATH_MAX + 128];
		snprintf(line, sizeof line, "%.*s", (int)len, p);
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2) {
			*c2 = '\0';
			if (controller[0] ? has_opt(c1 + 1, controller) : (c1[1] == '\0' && strncmp(line, "0:", 2) == 0))
				return xstrdup(c2 + 1);
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static int v2_host;	/* the container sees a cgroup2 filesystem and no v1 hierarchy */

/* The container's own cgroup directory for controller as seen inside: mountpoint + (our path
 * relative to the mount's root). NULL when no such cgroup filesystem is mounted. */
static char *cgroup_dir(const char *controller, int *is_v2)
{
	struct mnt *found = NULL;
	for (size_t i = 0; i < nmounts; i++)
		if (strcmp(mounts[i].fstype, "cgroup") == 0 && has_opt(mounts[i].super, controller))
			found = &mounts[i];
	const char *path = NULL;
	*is_v2 = 0;
	if (found) {
		path = proc_cgroup_path(controller);
	} else {
		for (size_t i = 0; i < nmounts; i++)
			if (strcmp(mounts[i].fstype, "cgroup2") == 0)
				found = &mounts[i];
		if (!found)
			return NULL;
		*is_v2 = 1;
		path = proc_cgroup_path("");
	}
	if (!path)
		return NULL;
	const char *root = found->root;
	size_t rl = strlen(root);
	const char *rel;
	if (strcmp(root, "/") == 0)
		rel = path;
	else if (strncmp(path, root, rl) == 0 && (path[rl] == '/' || path[rl] == '\0'))
		rel = path + rl;
	else
		return NULL;
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s%s", strcmp(found->point, "/") == 0 ? "" : found->point,
		 strcmp(rel, "/") == 0 ? "" : rel);
	return xstrdup(dir);
}

static char *cg_read(const char *dir, const char *file)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	return read_trim(path);
}

/* A v1 value with -1 meaning unlimited (the kernel shows PAGE_COUNTER_MAX pages). */
static void v1_limit(const char *dir, const char *file, long long want, const char *what)
{
	char *got = cg_read(dir, file);
	int pass;
	if (want == -1)
		pass = got && (strcmp(got, "-1") == 0 || strtoull(got, NULL, 10) >= 9223372036854771712ULL);
	else
		pass = got && strtoll(got, NULL, 10) == want;
	if (!point(pass, "cgroups", "%s: %s is %lld", what, file, want))
		diag("got %s", got ? got : strerror(errno));
}

/* A v2 value where -1 is "max". */
static void v2_value(const char *dir, const char *file, long long want, const char *what)
{
	char *got = cg_read(dir, file);
	char w[32];
	if (want == -1)
		snprintf(w, sizeof w, "max");
	else
		snprintf(w, sizeof w, "%lld", want);
	point_str(got, w, "cgroups", "%s: %s is %s", what, file, w);
}

/* "0-3,7" -> bit mask (CPUs / nodes below 1024). */
static int parse_list(const char *s, unsigned long long mask[16])
{
	memset(mask, 0, 16 * sizeof mask[0]);
	while (s && *s) {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;
		if (end == s)
			return 0;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		for (unsigned long i = a; i <= b && i < 1024; i++)
			mask[i / 64] |= 1ULL << (i % 64);
		s = *end == ',' ? end + 1 : end;
		if (*s && *s != ',' && !(*s >= '0' && *s <= '9'))
			break;
	}
	return 1;
}

static void cpuset_value(const char *dir, const char *file, const char *want, const char *what)
{
	char *got = cg_read(dir, file);
	unsigned long long a[16], b[16];
	int pass = got && parse_list(got, a) && parse_list(want, b) && memcmp(a, b, sizeof a) == 0;
	if (!point(pass, "cgroups", "%s: %s is %s", what, file, want))
		diag("got %s", got ? got : strerror(errno));
}

static void check_memory(struct jval *mem)
{
	int v2;
	char *dir = cgroup_dir("memory", &v2);
	if (!dir) {
		skip("cgroups", "no memory cgroup filesystem is mounted in the container", "linux.resources.memory");
		return;
	}
	long long limit, resv, swap, swappiness;
	int have_limit = jint(jget(mem, "limit"), &limit);
	if (have_limit)
		v2 ? v2_value(dir, "memory.max", limit, "memory.limit")
		   : v1_limit(dir, "memory.limit_in_bytes", limit, "memory.limit");
	if (jint(jget(mem, "reservation"), &resv))
		v2 ? v2_value(dir, "memory.low", resv, "memory.reservation")
		   : v1_limit(dir, "memory.soft_limit_in_bytes", resv, "memory.reservation");
	if (jint(jget(mem, "swap"), &swap)) {
		if (!v2)
			v1_limit(dir, "memory.memsw.limit_in_bytes", swap, "memory.swap (memory+swap)");
		else if (have_limit && limit != -1)
			v2_value(dir, "memory.swap.max", swap == -1 ? -1 : swap - limit, "memory.swap (memory+swap) - limit");
	}
	if (jint(jget(mem, "swappiness"), &swappiness) && !v2) {
		char *got = cg_read(dir, "memory.swappiness");
		char w[32];
		snprintf(w, sizeof w, "%lld", swappiness);
		point_str(got, w, "cgroups", "memory.swappiness is %lld", swappiness);
	}
	int oom;
	if (jbool(jget(mem, "disableOOMKiller"), &oom) && !v2) {
		char *got = cg_read(dir, "memory.oom_control");
		int pass = got && strstr(got, oom ? "oom_kill_disable 1" : "oom_kill_disable 0");
		if (!point(pass, "cgroups", "memory.disableOOMKiller %s: memory.oom_control says oom_kill_disable %d",
			   oom ? "true" : "false", oom))
			diag("got %s", got ? got : strerror(errno));
	}
}

static void check_cpu(struct jval *cpu)
{
	int v2;
	char *dir = cgroup_dir("cpu", &v2);
	long long quota, shares;
	unsigned long long period;
	int have_quota = jint(jget(cpu, "quota"), &quota), have_period = juint(jget(cpu, "period"), &period);
	if (dir) {
		if (jint(jget(cpu, "shares"), &shares)) {
			if (v2)
				skip("cgroups", "cgroup v2 has cpu.weight; the spec defines no conversion", "cpu.shares");
			else
				v1_limit(dir, "cpu.shares", shares, "cpu.shares");
		}
		if (!v2) {
			if (have_quota)
				v1_limit(dir, "cpu.cfs_quota_us", quota, "cpu.quota");
			if (have_period)
				v1_limit(dir, "cpu.cfs_period_us", (long long)period, "cpu.period");
		} else if (have_quota || have_period) {
			char *got = cg_read(dir, "cpu.max");
			char gq[32] = "", w[64];
			unsigned long long gp = 0;
			if (got)
				sscanf(got, "%31s %llu", gq, &gp);
			if (have_quota) {
				if (quota < 0)
					snprintf(w, sizeof w, "max");
				else
					snprintf(w, sizeof w, "%lld", quota);
				point_str(gq, w, "cgroups", "cpu.quota: cpu.max quota is %s", w);
			}
			if (have_period)
				point_ull(gp, period, "cgroups", "cpu.period: cpu.max period is %llu", period);
		}
	} else if (jget(cpu, "shares") || have_quota || have_period) {
		skip("cgroups", "no cpu cgroup filesystem is mounted in the container", "linux.resources.cpu");
	}
	const char *cpus = jstr(jget(cpu, "cpus")), *mems = jstr(jget(cpu, "mems"));
	if (cpus || mems) {
		char *cdir = cgroup_dir("cpuset", &v2);
		if (!cdir) {
			skip("cgroups", "no cpuset cgroup filesystem is mounted in the container", "cpu.cpus/mems");
			return;
		}
		if (cpus)
			cpuset_value(cdir, "cpuset.cpus", cpus, "cpu.cpus");
		if (mems)
			cpuset_value(cdir, "cpuset.mems", mems, "cpu.mems");
	}
}

static void check_pids(struct jval *pids)
{
	long long limit;
	if (!jint(jget(pids, "limit"), &limit))
		return;
	int v2;
	char *dir = cgroup_dir("pids", &v2);
	if (!dir) {
		skip("cgroups", "no pids cgroup filesystem is mounted in the container", "pids.limit");
		return;
	}
	v2_value(dir, "pids.max", limit < 0 ? -1 : limit, "pids.limit");
}

static void check_unified(struct jval *u)
{
	int v2;
	char *dir = cgroup_dir("memory", &v2);
	if (!dir || !v2) {
		if (jlen(u))
			skip("cgroups", "not a cgroup v2 container", "linux.resources.unified");
		return;
	}
	for (size_t i = 0; i < jlen(u); i++) {
		const char *want = jstr(u->items[i]);
		char *got = cg_read(dir, u->keys[i]);
		point_str(got, want, "cgroups", "unified: %s is \"%s\"", u->keys[i], want ? want : "");
	}
}

/* linux.resources.devices, judged on device nodes the runner made in the rootfs
 * ("devnode PATH TYPE MAJOR MINOR" in host-info): the last matching rule decides. */
static void check_device_rules(struct jval *rules)
{
	const char *nodes[16];
	size_t n = hostinfo_all("devnode", nodes, 16);
	for (size_t i = 0; i < n && i < 16; i++) {
		char path[PATH_MAX];
		char type;
		long long major, minor;
		if (sscanf(nodes[i], "%4095s %c %lld %lld", path, &type, &major, &minor) != 4)
			continue;
		for (const char *acc = "rw"; *acc; acc++) {
			int decided = -1;
			for (size_t k = 0; k < jlen(rules); k++) {
				struct jval *r = jat(rules, k);
				int allow = 0;
				long long v;
				const char *t = jstr(jget(r, "type"));
				const char *access = jstr(jget(r, "access"));
				if (!jbool(jget(r, "allow"), &allow))
					continue;
				if (t && t[0] != 'a' && t[0] != type)
					continue;
				if (jint(jget(r, "major"), &v) && v != -1 && v != major)
					continue;
				if (jint(jget(r, "minor"), &v) && v != -1 && v != minor)
					continue;
				if (access && !strchr(access, *acc))
					continue;
				decided = allow;
			}
			if (decided < 0)
				continue;
			int fd = open(path, (*acc == 'r' ? O_RDONLY : O_WRONLY) | O_NONBLOCK | O_NOCTTY);
			int e = errno;
			if (fd >= 0)
				close(fd);
			/* EPERM is the device controller's answer; anything else (ENXIO, ENODEV, or
			 * success) means it let the open through to the driver */
			int denied = fd < 0 && e == EPERM;
			if (!point(decided ? !denied : denied, "cgroups", "devices: %s access to %c %lld:%lld is %s", *acc == 'r' ? "read" : "write",
				   type, major, minor, decided ? "allowed" : "denied"))
				diag("open %s: %s", path, fd >= 0 ? "succeeded" : strerror(e));
		}
	}
}

void check_cgroups(void)
{
	int is_v2 = 0;
	(void)cgroup_dir("memory", &is_v2);
	v2_host = is_v2;
	const char *cgpath = jstr(jpath(cfg, "linux.cgroupsPath"));
	int cgns = 0;
	struct jval *ns = jpath(cfg, "linux.namespaces");
	for (size_t i = 0; i < jlen(ns); i++) {
		const char *t = jstr(jget(jat(ns, i), "type"));
		cgns |= t && strcmp(t, "cgroup") == 0;
	}
	if (cgpath && !cgns) {
		/* v1: the memory hierarchy's line (hybrid hosts also list the unified one) */
		char *path = proc_cgroup_path(v2_host ? "" : "memory");
		if (!path)
			path = proc_cgroup_path("");
		int pass = 0;
		if (path) {
			if (cgpath[0] == '/') {
				pass = strcmp(path, cgpath) == 0;
			} else {
				size_t pl = strlen(path), cl = strlen(cgpath);
				pass = pl > cl && strcmp(path + pl - cl, cgpath) == 0 && path[pl - cl - 1] == '/';
			}
		}
		if (!point(pass, "cgroups", "cgroupsPath (%s): the process is in that cgroup%s",
			   cgpath[0] == '/' ? "absolute" : "relative", cgpath[0] == '/' ? "" : ", below the runtime's location"))
			diag("cgroupsPath %s; /proc/self/cgroup path: %s", cgpath, path ? path : "(none)");
	}
	struct jval *res = jpath(cfg, "linux.resources");
	if (!res)
		return;
	if (jget(res, "memory"))
		check_memory(jget(res, "memory"));
	if (jget(res, "cpu"))
		check_cpu(jget(res, "cpu"));
	if (jget(res, "pids"))
		check_pids(jget(res, "pids"));
	if (jget(res, "unified"))
		check_unified(jget(res, "unified"));
	if (jget(res, "devices"))
		check_device_rules(jget(res, "devices"));
}
