/*
 * process.c: config.md "Process", "User", "Hostname", "Domainname", config-linux.md "Sysctl",
 * runtime-linux.md "File descriptors".
 */
#define _GNU_SOURCE
#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

extern char **environ;

/* ------------------------------------------------------------- fds ---- */

static int early_fds[64];
static size_t nearly_fds;
static int early_fds_error;

/* runtime-linux.md: by default only stdin, stdout and stderr are kept open. Read before the
 * checker opens anything itself. */
void check_fds_early(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d) {
		early_fds_error = errno ? errno : EIO;
		return;
	}
	int self = dirfd(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		int fd = atoi(e->d_name);
		if (fd == self || fd <= 2)
			continue;
		if (nearly_fds < 64)
			early_fds[nearly_fds++] = fd;
	}
	closedir(d);
}

void report_fds(void)
{
	unsigned long long preserved = 0;
	/* LISTEN_FDS is how a caller hands fds on (runc --preserve-fds); none of our bundles do */
	if (getenv("LISTEN_FDS"))
		preserved = strtoull(getenv("LISTEN_FDS"), NULL, 10);
	if (early_fds_error) {
		skip("fds", "/proc/self/fd is not readable", "only fds 0, 1 and 2 are open");
		return;
	}
	size_t extra = 0;
	for (size_t i = 0; i < nearly_fds; i++)
		if ((unsigned long long)early_fds[i] > 2 + preserved)
			extra++;
	if (!point(extra == 0, "fds", "only fds 0, 1 and 2 are open in the container process"))
		for (size_t i = 0; i < nearly_fds; i++) {
			char link[64], target[PATH_MAX];
			snprintf(link, sizeof link, "/proc/self/fd/%d", early_fds[i]);
			ssize_t n = readlink(link, target, sizeof target - 1);
			target[n > 0 ? n : 0] = '\0';
			diag("fd %d is open: %s", early_fds[i], target);
		}
}

/* --------------------------------------------------------- process ---- */

static void check_args(void)
{
	struct jval *args = jpath(cfg, "process.args");
	size_t len = 0;
	char *cmd = NULL;
	FILE *f = fopen("/proc/self/cmdline", "r");
	if (f) {
		size_t cap = 65536;
		cmd = xcalloc(1, cap);
		len = fread(cmd, 1, cap - 1, f);
		fclose(f);
	}
	if (!cmd) {
		point(0, "process", "args: /proc/self/cmdline is readable");
		return;
	}
	size_t argc = 0;
	const char *argv[256];
	for (size_t off = 0; off < len && argc < 256; argc++) {
		argv[argc] = cmd + off;
		off += strlen(cmd + off) + 1;
	}
	if (!point(argc == jlen(args), "process", "args: the process has %zu arguments", jlen(args)))
		diag("got %zu", argc);
	for (size_t i = 0; i < jlen(args) && i < argc; i++) {
		const char *want = jstr(jat(args, i));
		if (i == 0) {
			/* execvp semantics: args[0] is the file; argv[0] is passed as given */
			point_str(argv[i], want, "process", "args[0] is passed as argv[0]");
		} else {
			point_str(argv[i], want, "process", "args[%zu] is passed unchanged", i);
		}
	}
}

static void check_env(void)
{
	struct jval *env = jpath(cfg, "process.env");
	for (size_t i = 0; i < jlen(env); i++) {
		const char *want = jstr(jat(env, i));
		if (!want || !strchr(want, '='))
			continue;
		size_t klen = (size_t)(strchr(want, '=') - want);
		/* a later entry with the same name wins, as putenv would make it */
		int overridden = 0;
		for (size_t j = i + 1; j < jlen(env); j++) {
			const char *o = jstr(jat(env, j));
			if (o && strncmp(o, want, klen + 1) == 0)
				overridden = 1;
		}
		if (overridden)
			continue;
		const char *got = NULL;
		for (char **e = environ; *e; e++)
			if (strncmp(*e, want, klen + 1) == 0)
				got = *e;
		point_str(got, want, "process", "env: %.*s is set as given", (int)klen, want);
	}
}

static void check_cwd(void)
{
	const char *cwd = jstr(jpath(cfg, "process.cwd"));
	if (!cwd)
		return;
	char got[PATH_MAX], want[PATH_MAX];
	if (!getcwd(got, sizeof got))
		snprintf(got, sizeof got, "(getcwd: %s)", strerror(errno));
	char *clean = clean_path(cwd);
	if (!realpath(clean, want))
		snprintf(want, sizeof want, "%s", clean);
	point_str(got, want, "process", "cwd is %s", cwd);
}

/* "0\t0\t0\t0" (real, effective, saved, filesystem) -> all four equal want */
static void check_ids(const char *line, long long want, const char *what)
{
	unsigned long long ids[4] = { 0 };
	int n = line ? sscanf(line, "%llu %llu %llu %llu", &ids[0], &ids[1], &ids[2], &ids[3]) : 0;
	int pass = n == 4;
	for (int i = 0; i < 4 && pass; i++)
		pass = ids[i] == (unsigned long long)want;
	if (!point(pass, "user", "%s: real, effective, saved and filesystem ids are %lld", what, want))
		diag("/proc/self/status %s: %s", what, line ? line : "(missing)");
}

static int in_list(long long v, const long long *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == v)
			return 1;
	return 0;
}

static void check_user(void)
{
	struct jval *user = jpath(cfg, "process.user");
	long long uid = 0, gid = 0;
	if (!jint(jget(user, "uid"), &uid) || !jint(jget(user, "gid"), &gid)) {
		skip("user", "process.user has no uid/gid", "uid and gid");
		return;
	}
	check_ids(proc_status("Uid"), uid, "Uid");
	check_ids(proc_status("Gid"), gid, "Gid");

	struct jval *extra = jget(user, "additionalGids");
	if (extra) {
		long long want[256], got[256];
		size_t nwant = 0, ngot = 0;
		for (size_t i = 0; i < jlen(extra) && nwant < 256; i++)
			if (jint(jat(extra, i), &want[nwant]))
				nwant++;
		const char *groups = proc_status("Groups");
		for (const char *p = groups; p && *p && ngot < 256;) {
			char *end;
			long long g = strtoll(p, &end, 10);
			if (end == p)
				break;
			got[ngot++] = g;
			p = end;
		}
		/* the supplementary groups are exactly additionalGids (the primary gid may be
		 * listed too: setgroups does not care) */
		int pass = 1;
		for (size_t i = 0; i < nwant; i++)
			pass &= in_list(want[i], got, ngot);
		for (size_t i = 0; i < ngot; i++)
			pass &= in_list(got[i], want, nwant) || got[i] == gid;
		if (!point(pass, "user", "additionalGids are the supplementary groups"))
			diag("Groups: %s", groups ? groups : "(missing)");
	}

	long long umask_want;
	if (jint(jget(user, "umask"), &umask_want)) {
		const char *u = proc_status("Umask");
		unsigned long long got = u ? strtoull(u, NULL, 8) : 99999;
		if (!point(u && got == (unsigned long long)umask_want, "user", "umask is %04llo",
			   (unsigned long long)umask_want))
			diag("Umask: %s", u ? u : "(missing)");
	}
}

/* --------------------------------------------------------- rlimits ---- */

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "RLIMIT_CPU", RLIMIT_CPU }, { "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_DATA", RLIMIT_DATA }, { "RLIMIT_STACK", RLIMIT_STACK },
	{ "RLIMIT_CORE", RLIMIT_CORE }, { "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_NPROC", RLIMIT_NPROC }, { "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS }, { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
};

static void check_rlimits(void)
{
	struct jval *rl = jpath(cfg, "process.rlimits");
	for (size_t i = 0; i < jlen(rl); i++) {
		struct jval *e = jat(rl, i);
		const char *type = jstr(jget(e, "type"));
		unsigned long long soft, hard;
		if (!type || !juint(jget(e, "soft"), &soft) || !juint(jget(e, "hard"), &hard))
			continue;
		int res = -1;
		for (size_t k = 0; k < sizeof rlimit_names / sizeof rlimit_names[0]; k++)
			if (strcmp(rlimit_names[k].name, type) == 0)
				res = rlimit_names[k].resource;
		if (res < 0) {
			skip("rlimits", "the checker does not know this type", "%s", type);
			continue;
		}
		struct rlimit r;
		if (!point(getrlimit(res, &r) == 0, "rlimits", "getrlimit(%s) succeeds", type))
			continue;
		point_ull((unsigned long long)r.rlim_cur, soft, "rlimits", "%s soft limit (rlim_cur) is %llu", type, soft);
		point_ull((unsigned long long)r.rlim_max, hard, "rlimits", "%s hard limit (rlim_max) is %llu", type, hard);
	}
}

/* ------------------------------------------------- other process bits ---- */

static void check_misc(void)
{
	int nnp = 0;
	jbool(jpath(cfg, "process.noNewPrivileges"), &nnp);
	const char *got = proc_status("NoNewPrivs");
	point_str(got, nnp ? "1" : "0", "process", "noNewPrivileges %s: NoNewPrivs is %d",
		  nnp ? "true" : "unset or false", nnp);

	long long adj;
	char *oom = read_trim("/proc/self/oom_score_adj");
	if (jint(jpath(cfg, "process.oomScoreAdj"), &adj)) {
		char want[32];
		snprintf(want, sizeof want, "%lld", adj);
		point_str(oom, want, "process", "oomScoreAdj: oom_score_adj is %lld", adj);
	} else if (hostinfo("oom_score_adj")) {
		point_str(oom, hostinfo("oom_score_adj"), "process",
			  "oomScoreAdj unset: oom_score_adj is the runtime caller's (%s)", hostinfo("oom_score_adj"));
	}

	struct utsname u;
	if (uname(&u) != 0)
		return;
	const char *host = jstr(jget(cfg, "hostname"));
	if (host)
		point_str(u.nodename, host, "hostname", "hostname is \"%s\"", host);
	const char *domain = jstr(jget(cfg, "domainname"));
	if (domain)
		point_str(u.domainname, domain, "hostname", "domainname is \"%s\"", domain);
}

void check_process(void)
{
	check_args();
	check_env();
	check_cwd();
	check_user();
	check_rlimits();
	check_misc();
}

/* ---------------------------------------------------- capabilities ---- */

static const char *cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
	"CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};
#define NCAPS (sizeof cap_names / sizeof cap_names[0])

static unsigned long long cap_set(const char *set, int *unknown)
{
	struct jval *list = jget(jpath(cfg, "process.capabilities"), set);
	unsigned long long mask = 0;
	for (size_t i = 0; i < jlen(list); i++) {
		const char *name = jstr(jat(list, i));
		size_t k;
		for (k = 0; name && k < NCAPS; k++)
			if (strcmp(cap_names[k], name) == 0)
				break;
		if (name && k < NCAPS)
			mask |= 1ULL << k;
		else
			(*unknown)++;
	}
	return mask;
}

static void cap_diag(const char *what, unsigned long long got, unsigned long long want)
{
	char line[1024];
	size_t len = 0;
	line[0] = '\0';
	for (size_t k = 0; k < NCAPS; k++) {
		unsigned long long b = 1ULL << k;
		if ((got & b) != (want & b))
			len += (size_t)snprintf(line + len, sizeof line - len, " %s%s", (got & b) ? "+" : "-",
						cap_names[k]);
		if (len >= sizeof line)
			break;
	}
	diag("%s: got %016llx, want %016llx (+extra -missing:%s)", what, got, want, line);
}

static void cap_point(const char *field, unsigned long long want, const char *how)
{
	const char *s = proc_status(field);
	unsigned long long got = s ? strtoull(s, NULL, 16) : ~0ULL;
	if (!point(s && got == want, "capabilities", "%s is %s", field, how))
		cap_diag(field, got, want);
}

void check_capabilities(void)
{
	if (!jpath(cfg, "process.capabilities")) {
		skip("capabilities", "process.capabilities is not set", "the five capability sets");
		return;
	}
	int unknown = 0;
	unsigned long long all = (1ULL << NCAPS) - 1;
	unsigned long long host = all;
	if (hostinfo("capbnd"))
		host = strtoull(hostinfo("capbnd"), NULL, 16) & all;
	unsigned long long bnd = cap_set("bounding", &unknown) & host;
	unsigned long long inh = cap_set("inheritable", &unknown) & host;
	unsigned long long prm = cap_set("permitted", &unknown) & host;
	unsigned long long amb = cap_set("ambient", &unknown) & host;
	(void)cap_set("effective", &unknown);
	/* PR_CAP_AMBIENT_RAISE wants the capability permitted and inheritable */
	amb &= inh & prm;

	long long uid = -1;
	jint(jpath(cfg, "process.user.uid"), &uid);
	cap_point("CapBnd", bnd, "process.capabilities.bounding (those the runtime holds)");
	cap_point("CapInh", inh, "process.capabilities.inheritable");
	cap_point("CapAmb", amb, "process.capabilities.ambient (those also inheritable and permitted)");
	/* What execve(2) leaves for a file without capabilities (capabilities(7)): uid 0 gets
	 * bounding | inheritable, permitted and effective alike, but with no_new_privs no more
	 * than it had (the config's permitted set); any other uid keeps the ambient set only.
	 * The effective list is what the runtime holds up to the execve. */
	int nnp = 0;
	jbool(jpath(cfg, "process.noNewPrivileges"), &nnp);
	if (uid == 0 && nnp) {
		cap_point("CapPrm", (bnd | inh | amb) & prm, "(bounding|inheritable) & permitted (uid 0, no_new_privs, after execve)");
		cap_point("CapEff", (bnd | inh | amb) & prm, "(bounding|inheritable) & permitted (uid 0, no_new_privs, after execve)");
	} else if (uid == 0) {
		cap_point("CapPrm", bnd | inh | amb, "bounding|inheritable (uid 0 after execve)");
		cap_point("CapEff", bnd | inh | amb, "bounding|inheritable (uid 0 after execve)");
	} else {
		cap_point("CapPrm", amb, "the ambient set (uid != 0 after execve)");
		cap_point("CapEff", amb, "the ambient set (uid != 0 after execve)");
	}
	if (unknown)
		skip("capabilities", "names the checker does not know were ignored", "%d unknown names", unknown);
}

/* ---------------------------------------------------------- sysctl ---- */

static void squeeze(char *s)
{
	char *o = s;
	int space = 0;
	for (char *p = s; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n') {
			space = o != s;
			continue;
		}
		if (space)
			*o++ = ' ';
		space = 0;
		*o++ = *p;
	}
	*o = '\0';
}

void check_sysctl(void)
{
	struct jval *s = jpath(cfg, "linux.sysctl");
	for (size_t i = 0; i < jlen(s); i++) {
		const char *key = s->keys[i];
		const char *value = jstr(s->items[i]);
		if (!value)
			continue;
		char path[512];
		snprintf(path, sizeof path, "/proc/sys/%s", key);
		for (char *p = path + strlen("/proc/sys/"); *p; p++)
			if (*p == '.')
				*p = '/';
		char *got = read_file(path);
		char *want = xstrdup(value);
		if (got)
			squeeze(got);
		squeeze(want);
		point_str(got, want, "sysctl", "%s is \"%s\"", key, value);
	}
}
