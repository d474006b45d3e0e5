/*
 * oci-check: runs as the container process and checks, from inside, that the runtime did what
 * the OCI runtime-spec says for each field of the bundle's config.json. Written for csrun's
 * conformance suite from the runtime-spec text (config.md, config-linux.md, runtime-linux.md).
 *
 *   oci-check            reads /.oci/config.json (the bundle's config, copied by the runner)
 *                        and /.oci/host-info (facts measured outside: namespace inodes, ...)
 *
 * Prints TAP on stdout: "ok N - section: what", "not ok N - ...", "# SKIP reason", "# ..."
 * diagnostics, and the plan "1..N" last. Exit status 0 when every point passed, 1 otherwise,
 * 2 when the config could not be read.
 */
#include "check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OCI_DIR "/.oci"

struct jval *cfg;
static int npoints, nfailed;

/* ---------------------------------------------------------------- TAP ---- */

static void vpoint(int pass, const char *section, const char *fmt, va_list ap, const char *directive)
{
	npoints++;
	if (!pass)
		nfailed++;
	printf("%s %d - %s: ", pass ? "ok" : "not ok", npoints, section);
	vprintf(fmt, ap);
	if (directive)
		printf(" # %s", directive);
	putchar('\n');
}

int point(int pass, const char *section, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vpoint(pass, section, fmt, ap, NULL);
	va_end(ap);
	return pass;
}

void skip(const char *section, const char *reason, const char *fmt, ...)
{
	char directive[512];
	snprintf(directive, sizeof directive, "SKIP %s", reason);
	va_list ap;
	va_start(ap, fmt);
	vpoint(1, section, fmt, ap, directive);
	va_end(ap);
}

void diag(const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* one diagnostic per line, every line marked */
	for (char *s = line, *nl; s; s = nl) {
		nl = strchr(s, '\n');
		if (nl)
			*nl++ = '\0';
		printf("#   %s\n", s);
	}
}

int point_str(const char *got, const char *want, const char *section, const char *fmt, ...)
{
	int pass = got && strcmp(got, want ? want : "") == 0;
	va_list ap;
	va_start(ap, fmt);
	vpoint(pass, section, fmt, ap, NULL);
	va_end(ap);
	if (!pass)
		diag("got \"%s\", want \"%s\"", got ? got : "(nothing)", want ? want : "");
	return pass;
}

int point_ull(unsigned long long got, unsigned long long want, const char *section, const char *fmt, ...)
{
	int pass = got == want;
	va_list ap;
	va_start(ap, fmt);
	vpoint(pass, section, fmt, ap, NULL);
	va_end(ap);
	if (!pass)
		diag("got %llu, want %llu", got, want);
	return pass;
}

/* ------------------------------------------------------------ helpers ---- */

void *xcalloc(size_t n, size_t size)
{
	void *m = calloc(n ? n : 1, size ? size : 1);
	if (!m) {
		fputs("oci-check: out of memory\n", stderr);
		exit(99);
	}
	return m;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d) {
		fputs("oci-check: out of memory\n", stderr);
		exit(99);
	}
	return d;
}

char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0, got;
	char *buf = xcalloc(1, cap);
	while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += got;
		if (cap - len < 2) {
			cap *= 2;
			char *nb = realloc(buf, cap);
			if (!nb)
				exit(99);
			buf = nb;
		}
	}
	int e = ferror(f) ? errno : 0;
	fclose(f);
	if (e) {
		free(buf);
		errno = e;
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

char *read_trim(const char *path)
{
	char *s = read_file(path);
	if (!s)
		return NULL;
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

const char *proc_status(const char *name)
{
	static char *status;
	if (!status)
		status = read_file("/proc/self/status");
	if (!status)
		return NULL;
	size_t n = strlen(name);
	for (char *line = status; *line;) {
		char *nl = strchr(line, '\n');
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			const char *v = line + n + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			size_t len = nl ? (size_t)(nl - v) : strlen(v);
			char *out = xcalloc(1, len + 1);
			memcpy(out, v, len);
			return out;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	return NULL;
}

char *clean_path(const char *p)
{
	size_t n = strlen(p);
	char *out = xcalloc(1, n + 2);
	size_t len = 0;
	const char *s = p;
	while (*s) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		const char *e = strchr(s, '/');
		size_t seg = e ? (size_t)(e - s) : strlen(s);
		if (seg == 1 && s[0] == '.') {
			/* nothing */
		} else if (seg == 2 && s[0] == '.' && s[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
		} else {
			out[len++] = '/';
			memcpy(out + len, s, seg);
			len += seg;
		}
		s += seg;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return out;
}

/* ---------------------------------------------------------- host-info ---- */

static struct kv *hinfo;
static size_t nhinfo;

static void load_hostinfo(void)
{
	char *text = read_file(OCI_DIR "/host-info");
	if (!text)
		return;
	size_t cap = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *sp = strchr(line, ' ');
		if (nhinfo == cap) {
			cap = cap ? cap * 2 : 32;
			hinfo = realloc(hinfo, cap * sizeof *hinfo);
			if (!hinfo)
				exit(99);
		}
		if (sp)
			*sp = '\0';
		hinfo[nhinfo].key = line;
		hinfo[nhinfo].value = sp ? sp + 1 : line + strlen(line);
		nhinfo++;
	}
}

const char *hostinfo(const char *word)
{
	for (size_t i = 0; i < nhinfo; i++)
		if (strcmp(hinfo[i].key, word) == 0)
			return hinfo[i].value;
	return NULL;
}

const char *hostinfo2(const char *word, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; i < nhinfo; i++)
		if (strcmp(hinfo[i].key, word) == 0 && strncmp(hinfo[i].value, key, n) == 0 &&
		    hinfo[i].value[n] == ' ')
			return hinfo[i].value + n + 1;
	return NULL;
}

size_t hostinfo_all(const char *word, const char **out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < nhinfo; i++)
		if (strcmp(hinfo[i].key, word) == 0) {
			if (k < max)
				out[k] = hinfo[i].value;
			k++;
		}
	return k;
}

/* --------------------------------------------------------- mountinfo ---- */

struct mnt *mounts;
size_t nmounts;

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *unescape(const char *s)
{
	char *out = xcalloc(1, strlen(s) + 1), *o = out;
	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	return out;
}

void load_mountinfo(void)
{
	char *text = read_file("/proc/self/mountinfo");
	if (!text)
		return;
	size_t cap = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue */
		char *f[64];
		size_t nf = 0;
		char *s2 = NULL;
		for (char *w = strtok_r(line, " ", &s2); w && nf < 64; w = strtok_r(NULL, " ", &s2))
			f[nf++] = w;
		size_t dash = 0;
		for (size_t i = 6; i < nf; i++)
			if (strcmp(f[i], "-") == 0) {
				dash = i;
				break;
			}
		if (nf < 8 || dash == 0 || dash + 1 >= nf)
			continue;
		if (nmounts == cap) {
			cap = cap ? cap * 2 : 64;
			mounts = realloc(mounts, cap * sizeof *mounts);
			if (!mounts)
				exit(99);
		}
		struct mnt *m = &mounts[nmounts++];
		m->id = atoi(f[0]);
		m->parent = atoi(f[1]);
		if (sscanf(f[2], "%u:%u", &m->major, &m->minor) != 2)
			m->major = m->minor = 0;
		m->root = unescape(f[3]);
		m->point = unescape(f[4]);
		m->opts = xstrdup(f[5]);
		size_t olen = 0;
		for (size_t i = 6; i < dash; i++)
			olen += strlen(f[i]) + 1;
		m->optional = xcalloc(1, olen + 1);
		for (size_t i = 6; i < dash; i++) {
			if (i > 6)
				strcat(m->optional, " ");
			strcat(m->optional, f[i]);
		}
		m->fstype = xstrdup(f[dash + 1]);
		m->source = dash + 2 < nf ? unescape(f[dash + 2]) : xstrdup("");
		m->super = dash + 3 < nf ? xstrdup(f[dash + 3]) : xstrdup("");
	}
}

struct mnt *mount_at(const char *path)
{
	for (size_t i = nmounts; i-- > 0;)
		if (strcmp(mounts[i].point, path) == 0)
			return &mounts[i];
	return NULL;
}

size_t mount_index(const struct mnt *m)
{
	return (size_t)(m - mounts);
}

int has_opt(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; p && *p;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		if (len == n && strncmp(p, word, n) == 0)
			return 1;
		p = c ? c + 1 : NULL;
	}
	return 0;
}

int opt_value(const char *list, const char *key, char *buf, size_t len)
{
	size_t n = strlen(key);
	for (const char *p = list; p && *p;) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);
		if (l > n && strncmp(p, key, n) == 0 && p[n] == '=') {
			size_t vl = l - n - 1;
			if (vl >= len)
				vl = len - 1;
			memcpy(buf, p + n + 1, vl);
			buf[vl] = '\0';
			return 1;
		}
		p = c ? c + 1 : NULL;
	}
	return 0;
}

long peer_group(const struct mnt *m, const char *tag)
{
	size_t n = strlen(tag);
	for (const char *p = m->optional; p && *p;) {
		while (*p == ' ')
			p++;
		if (strncmp(p, tag, n) == 0 && p[n] == ':')
			return strtol(p + n + 1, NULL, 10);
		p = strchr(p, ' ');
	}
	return -1;
}

/* --------------------------------------------------------------- main ---- */

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	check_fds_early();

	char err[256];
	cfg = json_parse_file(OCI_DIR "/config.json", err, sizeof err);
	if (!cfg) {
		printf("not ok 1 - checker: read %s/config.json\n", OCI_DIR);
		diag("%s", err);
		printf("1..1\n");
		return 2;
	}
	load_hostinfo();
	load_mountinfo();

	report_fds();
	check_process();
	check_capabilities();
	check_namespaces();
	check_mounts();
	check_paths();
	check_devices();
	check_sysctl();
	check_cgroups();
	check_seccomp();

	printf("1..%d\n", npoints);
	return nfailed ? 1 : 0;
}
