/* ns.c: config-linux.md "Namespaces", "User namespace mappings", "Offset for Time Namespace". */
#include "check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *type;	/* as in config.json */
	const char *file;	/* under /proc/self/ns */
} ns_types[] = {
	{ "pid", "pid" }, { "network", "net" }, { "mount", "mnt" }, { "ipc", "ipc" },
	{ "uts", "uts" }, { "user", "user" }, { "cgroup", "cgroup" }, { "time", "time" },
};

static struct jval *ns_entry(const char *type)
{
	struct jval *list = jpath(cfg, "linux.namespaces");
	for (size_t i = 0; i < jlen(list); i++) {
		const char *t = jstr(jget(jat(list, i), "type"));
		if (t && strcmp(t, type) == 0)
			return jat(list, i);
	}
	return NULL;
}

/* "containerID hostID size" lines of a uid_map/gid_map against the config's mappings */
static void check_map(const char *file, const char *field)
{
	struct jval *maps = jpath(cfg, field);
	char *got = read_file(file);
	if (!maps) {
		return;
	}
	unsigned long long g[64][3];
	size_t ng = 0;
	for (char *p = got; p && *p && ng < 64;) {
		if (sscanf(p, "%llu %llu %llu", &g[ng][0], &g[ng][1], &g[ng][2]) == 3)
			ng++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	int pass = got && ng == jlen(maps);
	for (size_t i = 0; pass && i < jlen(maps); i++) {
		unsigned long long c, h, s;
		struct jval *m = jat(maps, i);
		if (!juint(jget(m, "containerID"), &c) || !juint(jget(m, "hostID"), &h) ||
		    !juint(jget(m, "size"), &s)) {
			pass = 0;
			break;
		}
		int found = 0;
		for (size_t k = 0; k < ng; k++)
			found |= g[k][0] == c && g[k][1] == h && g[k][2] == s;
		pass = found;
	}
	if (!point(pass, "namespaces", "user: %s matches linux.%s", file, strrchr(field, '.') + 1))
		diag("%s:\n%s", file, got ? got : strerror(errno));
}

static void check_time_offsets(void)
{
	struct jval *off = jpath(cfg, "linux.timeOffsets");
	if (!off)
		return;
	char *got = read_file("/proc/self/timens_offsets");
	for (size_t i = 0; i < jlen(off); i++) {
		const char *clock = off->keys[i];
		long long secs = 0;
		unsigned long long nsecs = 0;
		jint(jget(off->items[i], "secs"), &secs);
		juint(jget(off->items[i], "nanosecs"), &nsecs);
		int pass = 0;
		for (char *p = got; p && *p;) {
			char name[32];
			long long s;
			unsigned long long ns;
			if (sscanf(p, "%31s %lld %llu", name, &s, &ns) == 3 && strcmp(name, clock) == 0)
				pass = s == secs && ns == nsecs;
			p = strchr(p, '\n');
			if (p)
				p++;
		}
		if (!point(pass, "namespaces", "time: %s offset is %lld s %llu ns", clock, secs, nsecs))
			diag("timens_offsets:\n%s", got ? got : strerror(errno));
	}
}

void check_namespaces(void)
{
	for (size_t i = 0; i < sizeof ns_types / sizeof ns_types[0]; i++) {
		const char *type = ns_types[i].type;
		char path[64];
		snprintf(path, sizeof path, "/proc/self/ns/%s", ns_types[i].file);
		struct stat st;
		struct jval *e = ns_entry(type);
		const char *nspath = e ? jstr(jget(e, "path")) : NULL;
		if (stat(path, &st) != 0) {
			if (e)
				point(0, "namespaces", "%s: %s exists", type, path);
			else
				skip("namespaces", "the kernel has no such namespace file", "%s: %s", type, path);
			continue;
		}
		const char *host = hostinfo2("ns", ns_types[i].file);
		unsigned long long hino = host ? strtoull(host, NULL, 10) : 0;
		unsigned long long ino = (unsigned long long)st.st_ino;
		if (nspath) {
			const char *want = hostinfo2("nspath", nspath);
			if (!want) {
				skip("namespaces", "the runner did not measure this path", "%s: joins %s", type, nspath);
				continue;
			}
			if (!point_ull(ino, strtoull(want, NULL, 10), "namespaces", "%s: joins the namespace at its path", type))
				diag("path %s", nspath);
		} else if (!host) {
			skip("namespaces", "the runner did not measure its namespace", "%s", type);
		} else if (e) {
			if (!point(ino != hino, "namespaces", "%s: a new namespace (not the runtime's)", type))
				diag("inode %llu is the runtime's", ino);
		} else {
			point_ull(ino, hino, "namespaces", "%s: not listed, so the runtime's namespace is inherited",
				  type);
		}
	}

	struct jval *pid = ns_entry("pid");
	if (pid && !jget(pid, "path"))
		point_ull((unsigned long long)getpid(), 1, "namespaces",
			  "pid: the container process is pid 1 of its new namespace");

	struct jval *net = ns_entry("network");
	if (net && !jget(net, "path")) {
		/* a new network namespace starts with the loopback device only */
		char *dev = read_file("/proc/self/net/dev");
		int others = 0, lo = 0;
		for (char *p = dev; p && *p;) {
			char name[64];
			if (sscanf(p, " %63[^:]:", name) == 1 && strchr(p, ':') && strchr(p, ':') < strchr(p, '\n')) {
				if (strcmp(name, "lo") == 0)
					lo = 1;
				else
					others++;
			}
			p = strchr(p, '\n');
			if (p)
				p++;
		}
		if (!point(dev && lo && others == 0, "namespaces",
			   "network: the new namespace has only the loopback device"))
			diag("/proc/self/net/dev:\n%s", dev ? dev : strerror(errno));
	}

	struct jval *cg = ns_entry("cgroup");
	if (cg && !jget(cg, "path")) {
		char *text = read_file("/proc/self/cgroup");
		int pass = text != NULL;
		for (char *p = text; p && *p;) {
			char *nl = strchr(p, '\n');
			char *colon = strchr(p, ':');
			colon = colon ? strchr(colon + 1, ':') : NULL;
			if (colon && (!nl || colon < nl))
				pass &= colon[1] == '/' && (colon[2] == '\n' || colon[2] == '\0');
			p = nl ? nl + 1 : NULL;
		}
		if (!point(pass, "namespaces", "cgroup: /proc/self/cgroup shows \"/\" for every hierarchy"))
			diag("/proc/self/cgroup:\n%s", text ? text : strerror(errno));
	}

	if (ns_entry("user")) {
		check_map("/proc/self/uid_map", "linux.uidMappings");
		check_map("/proc/self/gid_map", "linux.gidMappings");
	}
	if (ns_entry("time"))
		check_time_offsets();
}
