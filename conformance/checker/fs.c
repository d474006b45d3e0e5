/*
 * fs.c: config.md "Root" and "Mounts" (with the Linux mount options), config-linux.md
 * "Rootfs Mount Propagation", "Masked Paths", "Readonly Paths", "Devices", "Default Devices",
 * runtime-linux.md "Dev symbolic links".
 */
#define _GNU_SOURCE
#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The container path of a mount destination: relative ones are taken from "/" (deprecated
 * but allowed), symlinks inside the container resolved when the path exists. */
static char *dest_path(const char *dest)
{
	char *clean = clean_path(dest);
	char real[PATH_MAX];
	if (realpath(clean, real))
		return xstrdup(real);
	return clean;
}

static int is_bind(struct jval *m)
{
	struct jval *opts = jget(m, "options");
	for (size_t i = 0; i < jlen(opts); i++) {
		const char *o = jstr(jat(opts, i));
		if (o && (strcmp(o, "bind") == 0 || strcmp(o, "rbind") == 0))
			return 1;
	}
	const char *type = jstr(jget(m, "type"));
	return type && strcmp(type, "bind") == 0;
}

/* Per-mount flags visible in mountinfo field 6 (or, for superblock flags, the super options). */
static const struct {
	const char *opt;
	const char *present;	/* word that must be in the per-mount options */
	const char *absent;	/* word(s) that must not be (comma-separated) */
	int super;		/* look in the superblock options instead */
} flag_opts[] = {
	{ "ro", "ro", NULL, 0 }, { "rw", "rw", NULL, 0 },
	{ "nosuid", "nosuid", NULL, 0 }, { "suid", NULL, "nosuid", 0 },
	{ "nodev", "nodev", NULL, 0 }, { "dev", NULL, "nodev", 0 },
	{ "noexec", "noexec", NULL, 0 }, { "exec", NULL, "noexec", 0 },
	{ "noatime", "noatime", NULL, 0 }, { "atime", NULL, "noatime", 0 },
	{ "relatime", "relatime", NULL, 0 }, { "norelatime", NULL, "relatime", 0 },
	{ "strictatime", NULL, "noatime,relatime", 0 },
	{ "nodiratime", "nodiratime", NULL, 0 }, { "diratime", NULL, "nodiratime", 0 },
	{ "nosymfollow", "nosymfollow", NULL, 0 }, { "symfollow", NULL, "nosymfollow", 0 },
	{ "sync", "sync", NULL, 1 }, { "async", NULL, "sync", 1 },
	{ "dirsync", "dirsync", NULL, 1 },
	{ "lazytime", "lazytime", NULL, 1 }, { "nolazytime", NULL, "lazytime", 1 },
};

/* Options with nothing visible to check from inside, or handled elsewhere. */
static const char *quiet_opts[] = {
	"defaults", "remount", "bind", "rbind", "silent", "loud", "mand", "nomand", "iversion",
	"noiversion", "newinstance", "tmpcopyup", "nostrictatime",
};

static int is_propagation(const char *o)
{
	static const char *p[] = { "shared", "rshared", "slave", "rslave", "private", "rprivate",
				   "unbindable", "runbindable" };
	for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
		if (strcmp(o, p[i]) == 0)
			return 1;
	return 0;
}

/* The propagation a mount shows: "shared", "slave", "shared+slave", "unbindable", "private". */
static const char *propagation_of(const struct mnt *m, char *buf, size_t len)
{
	int shared = peer_group(m, "shared") >= 0, slave = peer_group(m, "master") >= 0;
	int unbindable = strstr(m->optional, "unbindable") != NULL;
	snprintf(buf, len, "%s", unbindable ? "unbindable" : shared && slave ? "shared+slave" : shared ? "shared" : slave ? "slave" : "private");
	return buf;
}

static int propagation_ok(const struct mnt *m, const char *opt)
{
	/* rshared, rslave, rprivate, runbindable: the same on the mount itself */
	const char *o = opt[0] == 'r' && is_propagation(opt + 1) ? opt + 1 : opt;
	int shared = peer_group(m, "shared") >= 0, slave = peer_group(m, "master") >= 0;
	int unbindable = strstr(m->optional, "unbindable") != NULL;
	if (strcmp(o, "shared") == 0)
		return shared;
	if (strcmp(o, "slave") == 0)
		return slave;
	if (strcmp(o, "unbindable") == 0)
		return unbindable;
	return !shared && !slave && !unbindable; /* private */
}

/* "64k", "1m", "2g" -> bytes (tmpfs size=); 0 when not such a number */
static int parse_size(const char *s, unsigned long long *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s)
		return 0;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	*out = v;
	return *end == '\0';
}

/* An id in the container as the kernel shows it in mountinfo (the initial user namespace's):
 * mapped through linux.uidMappings / gidMappings when the container has them. */
static unsigned long long host_id(const char *field, unsigned long long id)
{
	struct jval *maps = jpath(cfg, field);
	for (size_t i = 0; i < jlen(maps); i++) {
		unsigned long long c, h, n;
		struct jval *m = jat(maps, i);
		if (juint(jget(m, "containerID"), &c) && juint(jget(m, "hostID"), &h) && juint(jget(m, "size"), &n) &&
		    id >= c && id - c < n)
			return h + (id - c);
	}
	return id;
}

static int same_number(const char *key, const char *got, const char *want)
{
	unsigned long long x, y;
	if (strcmp(key, "size") == 0 && parse_size(got, &x) && parse_size(want, &y))
		return x == y;
	int base = strstr(key, "mode") ? 8 : 10;
	char *ea, *eb;
	x = strtoull(got, &ea, base);
	y = strtoull(want, &eb, base);
	if (!*got || !*want || *ea || *eb)
		return strcmp(got, want) == 0;
	if (strcmp(key, "uid") == 0)
		return x == y || x == host_id("linux.uidMappings", y);
	if (strcmp(key, "gid") == 0)
		return x == y || x == host_id("linux.gidMappings", y);
	return x == y;
}

static void check_one_mount(struct jval *m, const char *dest, struct mnt *mi)
{
	const char *type = jstr(jget(m, "type"));
	int bind = is_bind(m);
	if (!bind && type) {
		if (strcmp(type, "cgroup") == 0) {
			/* v1: a tmpfs with a mount per hierarchy below it; v2: cgroup2 itself */
			int below = 0;
			size_t n = strlen(dest);
			for (size_t i = 0; i < nmounts; i++)
				if (strncmp(mounts[i].point, dest, n) == 0 && mounts[i].point[n] == '/' &&
				    (strcmp(mounts[i].fstype, "cgroup") == 0 || strcmp(mounts[i].fstype, "cgroup2") == 0))
					below = 1;
			int pass = strcmp(mi->fstype, "cgroup2") == 0 || strcmp(mi->fstype, "cgroup") == 0 ||
				   (strcmp(mi->fstype, "tmpfs") == 0 && below);
			if (!point(pass, "mounts", "%s: a cgroup filesystem (cgroup2, or v1 hierarchies below a tmpfs)", dest))
				diag("fstype %s", mi->fstype);
		} else {
			point_str(mi->fstype, type, "mounts", "%s: type %s", dest, type);
		}
	}

	struct jval *opts = jget(m, "options");
	for (size_t i = 0; i < jlen(opts); i++) {
		const char *o = jstr(jat(opts, i));
		if (!o)
			continue;
		int quiet = 0;
		for (size_t k = 0; k < sizeof quiet_opts / sizeof quiet_opts[0]; k++)
			quiet |= strcmp(o, quiet_opts[k]) == 0;
		if (quiet)
			continue;
		if (is_propagation(o)) {
			char buf[32];
			if (!point(propagation_ok(mi, o), "mounts", "%s: option %s (propagation in mountinfo)", dest, o))
				diag("optional fields \"%s\": %s", mi->optional, propagation_of(mi, buf, sizeof buf));
			continue;
		}
		size_t k;
		for (k = 0; k < sizeof flag_opts / sizeof flag_opts[0]; k++)
			if (strcmp(flag_opts[k].opt, o) == 0)
				break;
		if (k < sizeof flag_opts / sizeof flag_opts[0]) {
			const char *list = flag_opts[k].super ? mi->super : mi->opts;
			int pass = 1;
			if (flag_opts[k].present)
				pass &= has_opt(list, flag_opts[k].present);
			if (flag_opts[k].absent) {
				char words[64];
				snprintf(words, sizeof words, "%s", flag_opts[k].absent);
				for (char *w = strtok(words, ","); w; w = strtok(NULL, ","))
					pass &= !has_opt(list, w);
			}
			if (!point(pass, "mounts", "%s: option %s", dest, o))
				diag("%s options: %s", flag_opts[k].super ? "superblock" : "mount", list);
			continue;
		}
		const char *eq = strchr(o, '=');
		if (eq) {
			char key[64], got[256];
			snprintf(key, sizeof key, "%.*s", (int)(eq - o), o);
			struct stat st;
			if (!opt_value(mi->super, key, got, sizeof got) && strcmp(key, "mode") == 0 &&
			    stat(dest, &st) == 0) {
				/* tmpfs leaves its default mode out of mountinfo: the root's mode shows it */
				snprintf(got, sizeof got, "%o", st.st_mode & 07777);
				if (!point(same_number(key, got, eq + 1), "mounts", "%s: option %s (the mount's root has that mode)", dest, o))
					diag("mode %s", got);
				continue;
			}
			if (!opt_value(mi->super, key, got, sizeof got)) {
				skip("mounts", "not shown in mountinfo", "%s: option %s", dest, o);
				continue;
			}
			if (!point(same_number(key, got, eq + 1), "mounts", "%s: option %s", dest, o))
				diag("superblock options: %s", mi->super);
			continue;
		}
		skip("mounts", "not visible from inside", "%s: option %s", dest, o);
	}
}

static void check_bind_marks(void)
{
	const char *marks[64];
	size_t n = hostinfo_all("bindmark", marks, 64);
	for (size_t i = 0; i < n && i < 64; i++) {
		/* "DEST TEXT": DEST/.oci-bind-marker holds TEXT */
		char dest[PATH_MAX];
		const char *sp = strchr(marks[i], ' ');
		if (!sp)
			continue;
		snprintf(dest, sizeof dest, "%.*s/.oci-bind-marker", (int)(sp - marks[i]), marks[i]);
		char *got = read_trim(dest);
		point_str(got, sp + 1, "mounts", "%.*s shows the bind source (its marker file)", (int)(sp - marks[i]), marks[i]);
	}
	n = hostinfo_all("bindabsent", marks, 64);
	for (size_t i = 0; i < n && i < 64; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/.oci-bind-marker", marks[i]);
		struct stat st;
		if (!point(lstat(path, &st) != 0, "mounts", "%s is empty: a plain bind is not recursive", marks[i]))
			diag("%s exists", path);
	}
}

void check_mounts(void)
{
	struct jval *list = jget(cfg, "mounts");
	size_t last = 0;
	int order_ok = 1;
	char order_diag[512] = "";
	for (size_t i = 0; i < jlen(list); i++) {
		struct jval *m = jat(list, i);
		const char *d = jstr(jget(m, "destination"));
		if (!d)
			continue;
		char *dest = dest_path(d);
		struct mnt *mi = mount_at(dest);
		if (!point(mi != NULL, "mounts", "%s is a mount point%s", dest, d[0] == '/' ? "" : " (relative destination)"))
			continue;
		/* the topmost mount at each destination comes later than the previous one's */
		size_t idx = mount_index(mi);
		if (i > 0 && idx < last) {
			order_ok = 0;
			snprintf(order_diag, sizeof order_diag, "%s (mountinfo line %zu) comes before the previous mount (line %zu)",
				 dest, idx + 1, last + 1);
		}
		last = idx;
		check_one_mount(m, dest, mi);
	}
	if (jlen(list) > 1 && !point(order_ok, "mounts", "mounted in the listed order"))
		diag("%s", order_diag);
	check_bind_marks();

	/* /proc is the container's own: /proc/self is this process */
	struct mnt *proc = mount_at("/proc");
	if (proc && strcmp(proc->fstype, "proc") == 0) {
		char self[64], want[64];
		ssize_t n = readlink("/proc/self", self, sizeof self - 1);
		self[n > 0 ? n : 0] = '\0';
		snprintf(want, sizeof want, "%d", getpid());
		point_str(self, want, "mounts", "/proc belongs to the container's pid namespace (/proc/self is the checker)");
	}

	/* root.readonly */
	int ro = 0;
	jbool(jpath(cfg, "root.readonly"), &ro);
	struct statvfs vfs;
	if (statvfs("/", &vfs) == 0)
		point(((vfs.f_flag & ST_RDONLY) != 0) == ro, "root", "readonly %s: / is mounted %s",
		      ro ? "true" : "unset or false", ro ? "read-only" : "read-write");
	if (ro) {
		errno = 0;
		int r = mkdir("/.oci-ro-probe", 0700);
		int e = errno;
		if (r == 0)
			rmdir("/.oci-ro-probe");
		if (!point(r != 0 && e == EROFS, "root", "readonly: creating /.oci-ro-probe fails with EROFS"))
			diag("mkdir: %s", r == 0 ? "succeeded" : strerror(e));
	}

	/* linux.rootfsPropagation */
	const char *prop = jstr(jpath(cfg, "linux.rootfsPropagation"));
	struct mnt *root = mount_at("/");
	if (prop && root) {
		const char *host = hostinfo("peer");
		long hostpeer = host ? strtol(host, NULL, 10) : -1;
		long shared = peer_group(root, "shared"), master = peer_group(root, "master");
		int unb = strstr(root->optional, "unbindable") != NULL;
		int pass;
		const char *what;
		if (strcmp(prop, "shared") == 0) {
			pass = shared >= 0 && shared != hostpeer;
			what = "a new peer group (shared:N, not the host's)";
		} else if (strcmp(prop, "slave") == 0) {
			pass = master >= 0 && shared < 0 && (hostpeer < 0 || master == hostpeer);
			what = "a slave of the host's peer group (master:N)";
		} else if (strcmp(prop, "private") == 0) {
			pass = shared < 0 && master < 0 && !unb;
			what = "private (no peer group, no master)";
		} else {
			pass = unb && shared < 0 && master < 0;
			what = "unbindable";
		}
		if (!point(pass, "root", "rootfsPropagation %s: / is %s", prop, what))
			diag("/ optional fields \"%s\"; the host's rootfs peer group is %ld", root->optional, hostpeer);
	}
}

/* --------------------------------------------------- masked/readonly ---- */

void check_paths(void)
{
	struct jval *masked = jpath(cfg, "linux.maskedPaths");
	for (size_t i = 0; i < jlen(masked); i++) {
		const char *p = jstr(jat(masked, i));
		struct stat st;
		if (!p)
			continue;
		if (lstat(p, &st) != 0) {
			skip("maskedPaths", "absent in this container", "%s cannot be read", p);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			DIR *d = opendir(p);
			int entries = 0, e = d ? 0 : errno;
			struct dirent *de;
			while (d && (de = readdir(d)) != NULL)
				if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
					entries++;
			if (d)
				closedir(d);
			if (!point(entries == 0, "maskedPaths", "%s cannot be read (a directory shows nothing)", p))
				diag("%d entries visible", entries);
			(void)e;
		} else {
			int fd = open(p, O_RDONLY | O_NONBLOCK | O_NOCTTY);
			char c;
			ssize_t n = fd >= 0 ? read(fd, &c, 1) : -1;
			int e = errno;
			if (fd >= 0)
				close(fd);
			int pass = (fd < 0 && (e == EACCES || e == EPERM)) || (fd >= 0 && n == 0);
			if (!point(pass, "maskedPaths", "%s cannot be read (open is refused or reads nothing)", p)) {
				if (fd < 0)
					diag("open: %s", strerror(e));
				else
					diag("read returned %zd", n);
			}
		}
	}

	struct jval *ro = jpath(cfg, "linux.readonlyPaths");
	for (size_t i = 0; i < jlen(ro); i++) {
		const char *p = jstr(jat(ro, i));
		struct stat st;
		if (!p)
			continue;
		if (lstat(p, &st) != 0) {
			skip("readonlyPaths", "absent in this container", "%s is read-only", p);
			continue;
		}
		struct statvfs vfs;
		int rdonly = statvfs(p, &vfs) == 0 && (vfs.f_flag & ST_RDONLY);
		point(rdonly, "readonlyPaths", "%s is on a read-only mount", p);
		if (S_ISREG(st.st_mode)) {
			/* only opened, never written */
			int fd = open(p, O_WRONLY | O_NONBLOCK | O_NOCTTY);
			int e = errno;
			if (fd >= 0)
				close(fd);
			if (fd < 0 && (e == EACCES || e == EPERM))
				/* the file's mode is checked before the mount's read-only flag */
				skip("readonlyPaths", "the file's permissions refuse this user first", "%s: opening for writing fails with EROFS", p);
			else if (!point(fd < 0 && e == EROFS, "readonlyPaths", "%s: opening for writing fails with EROFS", p))
				diag("open: %s", fd >= 0 ? "succeeded" : strerror(e));
		}
	}
}

/* ------------------------------------------------------------ devices ---- */

static void check_device_node(const char *path, char type, long long major, long long minor, int usable)
{
	struct stat st;
	if (!point(stat(path, &st) == 0, "devices", "%s exists", path))
		return;
	int type_ok = type == 'p' ? S_ISFIFO(st.st_mode) : type == 'b' ? S_ISBLK(st.st_mode) : S_ISCHR(st.st_mode);
	point(type_ok, "devices", "%s is a %s", path,
	      type == 'p' ? "fifo" : type == 'b' ? "block device" : "character device");
	if (type != 'p' && type_ok) {
		if (!point((long long)major(st.st_rdev) == major && (long long)minor(st.st_rdev) == minor, "devices",
			   "%s is %lld:%lld", path, major, minor))
			diag("got %u:%u", major(st.st_rdev), minor(st.st_rdev));
	}
	if (usable) {
		int fd = open(path, O_RDWR | O_NONBLOCK | O_NOCTTY);
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (!point(fd >= 0, "devices", "%s can be opened for reading and writing", path))
			diag("open: %s", strerror(e));
	}
}

void check_devices(void)
{
	struct jval *devs = jpath(cfg, "linux.devices");
	for (size_t i = 0; i < jlen(devs); i++) {
		struct jval *d = jat(devs, i);
		const char *path = jstr(jget(d, "path"));
		const char *type = jstr(jget(d, "type"));
		long long major = 0, minor = 0;
		if (!path || !type)
			continue;
		jint(jget(d, "major"), &major);
		jint(jget(d, "minor"), &minor);
		char t = type[0] == 'u' ? 'c' : type[0];
		check_device_node(path, t, major, minor, 0);
		struct stat st;
		if (stat(path, &st) != 0)
			continue;
		unsigned long long mode, uid, gid;
		if (juint(jget(d, "fileMode"), &mode))
			if (!point((st.st_mode & 07777) == (mode & 07777), "devices", "%s has mode %04llo", path, mode & 07777))
				diag("got %04o", st.st_mode & 07777);
		if (juint(jget(d, "uid"), &uid))
			point_ull((unsigned long long)st.st_uid, uid, "devices", "%s is owned by uid %llu", path, uid);
		if (juint(jget(d, "gid"), &gid))
			point_ull((unsigned long long)st.st_gid, gid, "devices", "%s has gid %llu", path, gid);
	}

	/* Default devices */
	static const struct {
		const char *path;
		int major, minor, usable;
	} defaults[] = {
		{ "/dev/null", 1, 3, 1 }, { "/dev/zero", 1, 5, 1 }, { "/dev/full", 1, 7, 1 },
		{ "/dev/random", 1, 8, 1 }, { "/dev/urandom", 1, 9, 1 }, { "/dev/tty", 5, 0, 0 },
	};
	for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
		check_device_node(defaults[i].path, 'c', defaults[i].major, defaults[i].minor, defaults[i].usable);
	struct stat a, b;
	int ra = stat("/dev/ptmx", &a), rb = stat("/dev/pts/ptmx", &b);
	if (!point(ra == 0 && rb == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino, "devices",
		   "/dev/ptmx is the container's /dev/pts/ptmx (bind mount or symlink)"))
		diag("/dev/ptmx %s, /dev/pts/ptmx %s", ra ? strerror(errno) : "exists", rb ? "missing" : "exists");
	int terminal = 0;
	jbool(jpath(cfg, "process.terminal"), &terminal);
	if (terminal) {
		struct stat c;
		point(stat("/dev/console", &c) == 0 && S_ISCHR(c.st_mode) && major(c.st_rdev) == 136, "devices",
		      "terminal: /dev/console is the pseudoterminal");
	}

	/* Dev symbolic links (runtime-linux.md) */
	static const struct {
		const char *link, *target;
	} links[] = {
		{ "/dev/fd", "/proc/self/fd" }, { "/dev/stdin", "/proc/self/fd/0" },
		{ "/dev/stdout", "/proc/self/fd/1" }, { "/dev/stderr", "/proc/self/fd/2" },
	};
	struct stat pst;
	int have_proc = stat("/proc/self/fd", &pst) == 0;
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		if (!have_proc) {
			skip("dev-symlinks", "/proc/self/fd does not exist", "%s -> %s", links[i].link, links[i].target);
			continue;
		}
		char got[PATH_MAX];
		ssize_t n = readlink(links[i].link, got, sizeof got - 1);
		if (n < 0)
			snprintf(got, sizeof got, "(readlink: %s)", strerror(errno));
		else
			got[n] = '\0';
		point_str(got, links[i].target, "dev-symlinks", "%s is a symlink to %s", links[i].link, links[i].target);
	}
}
