/*
 * check.h: what the sections of oci-check share: TAP output, the config, the facts the runner
 * measured outside the container (host-info), /proc/self/mountinfo and small file helpers.
 */
#ifndef OCI_CHECK_H
#define OCI_CHECK_H

#include <stddef.h>
#include "json.h"

/* ---- TAP ---- */
/* One point: "ok N - section: description" or "not ok N - ...". Returns pass. */
int point(int pass, const char *section, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A point that cannot be judged here: "ok N - section: description # SKIP reason". */
void skip(const char *section, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A diagnostic line after a point: "# ...". */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Compares strings; on failure prints got/want. want NULL compares with "" */
int point_str(const char *got, const char *want, const char *section, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int point_ull(unsigned long long got, unsigned long long want, const char *section,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- the configuration (config.json copied into /.oci by the runner) ---- */
extern struct jval *cfg;

/* ---- facts from outside (/.oci/host-info), written by the runner ---- */
struct kv {
	char *key;
	char *value;
};
/* Lines "WORD REST": the value of the first line whose first word and (for keyed lines)
 * second word match; hostinfo("capbnd") or hostinfo2("ns", "net"). NULL when absent. */
const char *hostinfo(const char *word);
const char *hostinfo2(const char *word, const char *key);
/* Every line starting with word, in order: returns count, fills up to max "rest" strings. */
size_t hostinfo_all(const char *word, const char **out, size_t max);

/* ---- /proc/self/mountinfo ---- */
struct mnt {
	int id, parent;
	unsigned major, minor;
	char *root;		/* root of the mount within its filesystem */
	char *point;		/* mount point, unescaped */
	char *opts;		/* per-mount options: rw,nosuid,... */
	char *optional;		/* optional fields: "shared:2 master:1" (may be "") */
	char *fstype;
	char *source;
	char *super;		/* per-superblock options */
};
extern struct mnt *mounts;
extern size_t nmounts;
void load_mountinfo(void);
/* The topmost mount whose point is path (the last one listed), or NULL. */
struct mnt *mount_at(const char *path);
/* Index of m in mounts[]. */
size_t mount_index(const struct mnt *m);
/* 1 when the comma-separated list has the word exactly (e.g. "ro" in "ro,nosuid"). */
int has_opt(const char *list, const char *word);
/* Value of key=VALUE in a comma-separated list, copied into buf; 0 when absent. */
int opt_value(const char *list, const char *key, char *buf, size_t len);
/* Propagation tag from the optional fields: the number after "shared:" or "master:", or -1. */
long peer_group(const struct mnt *m, const char *tag);

/* ---- helpers ---- */
/* Reads a whole small file into a static-lifetime malloc'd buffer; NULL on error (errno). */
char *read_file(const char *path);
/* Reads a file and strips trailing whitespace; NULL on error. */
char *read_trim(const char *path);
/* Value after "Name:\t" in /proc/self/status (trimmed), or NULL. */
const char *proc_status(const char *name);
/* Normalizes a container path: relative paths are taken from "/", "//" and trailing "/"
 * removed, "." and ".." resolved lexically. Returns a malloc'd string. */
char *clean_path(const char *p);
char *xstrdup(const char *s);
void *xcalloc(size_t n, size_t size);

/* ---- sections (one file each) ---- */
void check_process(void);	/* process.c: args, env, cwd, fds, user, umask, rlimits, ... */
void check_capabilities(void);	/* process.c */
void check_namespaces(void);	/* ns.c */
void check_mounts(void);	/* fs.c: mounts, root, propagation */
void check_paths(void);		/* fs.c: maskedPaths, readonlyPaths */
void check_devices(void);	/* fs.c: linux.devices, default devices, /dev links */
void check_sysctl(void);	/* process.c */
void check_cgroups(void);	/* cgroup.c: values, path, devices allow list */
void check_seccomp(void);	/* seccomp.c */
/* process.c: the fd check must run before anything opens a file. */
void check_fds_early(void);
void report_fds(void);

#endif
