/* json.c: see json.h. A recursive-descent reader; memory is never freed (one short run). */
#include "json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reader {
	const char *p;
	const char *start;
	char *err;
	size_t errlen;
	int depth;
};

static void *xalloc(size_t n)
{
	void *m = calloc(1, n ? n : 1);
	if (!m) {
		fputs("oci-check: out of memory\n", stderr);
		exit(99);
	}
	return m;
}

static void *xgrow(void *m, size_t n)
{
	void *r = realloc(m, n);
	if (!r) {
		fputs("oci-check: out of memory\n", stderr);
		exit(99);
	}
	return r;
}

static struct jval *fail(struct reader *r, const char *fmt, ...)
{
	if (r->err && r->err[0] == '\0') {
		char msg[160];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		snprintf(r->err, r->errlen, "%s at offset %ld", msg, (long)(r->p - r->start));
	}
	return NULL;
}

static void skip_ws(struct reader *r)
{
	while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
		r->p++;
}

static struct jval *new_val(enum jtype t)
{
	struct jval *v = xalloc(sizeof *v);
	v->type = t;
	return v;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int read_hex4(struct reader *r, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(r->p[i]);
		if (h < 0)
			return 0;
		v = v * 16 + (unsigned)h;
	}
	r->p += 4;
	*out = v;
	return 1;
}

/* Appends the UTF-8 encoding of code point cp to buf (room for 4 bytes is guaranteed). */
static size_t put_utf8(char *buf, unsigned cp)
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (char)(0xc0 | (cp >> 6));
		buf[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | (cp >> 12));
		buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	buf[0] = (char)(0xf0 | (cp >> 18));
	buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	buf[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* r->p is on the opening quote. Returns a malloc'd decoded string or NULL. */
static char *read_string(struct reader *r)
{
	r->p++;
	size_t cap = 32, len = 0;
	char *out = xalloc(cap);
	for (;;) {
		if (len + 5 > cap) {
			cap *= 2;
			out = xgrow(out, cap);
		}
		unsigned char c = (unsigned char)*r->p;
		if (c == '\0') {
			fail(r, "unterminated string");
			return NULL;
		}
		if (c < 0x20) {
			fail(r, "control character in string");
			return NULL;
		}
		if (c == '"') {
			r->p++;
			out[len] = '\0';
			return out;
		}
		if (c != '\\') {
			out[len++] = (char)c;
			r->p++;
			continue;
		}
		r->p++;
		char e = *r->p++;
		switch (e) {
		case '"': out[len++] = '"'; break;
		case '\\': out[len++] = '\\'; break;
		case '/': out[len++] = '/'; break;
		case 'b': out[len++] = '\b'; break;
		case 'f': out[len++] = '\f'; break;
		case 'n': out[len++] = '\n'; break;
		case 'r': out[len++] = '\r'; break;
		case 't': out[len++] = '\t'; break;
		case 'u': {
			unsigned cp;
			if (!read_hex4(r, &cp)) {
				fail(r, "bad \\u escape");
				return NULL;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				unsigned lo;
				if (r->p[0] != '\\' || r->p[1] != 'u') {
					fail(r, "lone high surrogate");
					return NULL;
				}
				r->p += 2;
				if (!read_hex4(r, &lo) || lo < 0xdc00 || lo > 0xdfff) {
					fail(r, "bad low surrogate");
					return NULL;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				fail(r, "lone low surrogate");
				return NULL;
			}
			len += put_utf8(out + len, cp);
			break;
		}
		default:
			fail(r, "bad escape \\%c", e);
			return NULL;
		}
	}
}

static struct jval *read_value(struct reader *r);

static struct jval *read_number(struct reader *r)
{
	const char *s = r->p;
	if (*r->p == '-')
		r->p++;
	if (*r->p == '0') {
		r->p++;
	} else if (*r->p >= '1' && *r->p <= '9') {
		while (*r->p >= '0' && *r->p <= '9')
			r->p++;
	} else {
		return fail(r, "bad number");
	}
	if (*r->p == '.') {
		r->p++;
		if (!(*r->p >= '0' && *r->p <= '9'))
			return fail(r, "bad fraction");
		while (*r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	if (*r->p == 'e' || *r->p == 'E') {
		r->p++;
		if (*r->p == '+' || *r->p == '-')
			r->p++;
		if (!(*r->p >= '0' && *r->p <= '9'))
			return fail(r, "bad exponent");
		while (*r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	struct jval *v = new_val(J_NUMBER);
	size_t n = (size_t)(r->p - s);
	v->text = xalloc(n + 1);
	memcpy(v->text, s, n);
	return v;
}

static struct jval *read_array(struct reader *r)
{
	struct jval *v = new_val(J_ARRAY);
	size_t cap = 0;
	r->p++;
	skip_ws(r);
	if (*r->p == ']') {
		r->p++;
		return v;
	}
	for (;;) {
		struct jval *item = read_value(r);
		if (!item)
			return NULL;
		if (v->n == cap) {
			cap = cap ? cap * 2 : 8;
			v->items = xgrow(v->items, cap * sizeof *v->items);
		}
		v->items[v->n++] = item;
		skip_ws(r);
		if (*r->p == ',') {
			r->p++;
			continue;
		}
		if (*r->p == ']') {
			r->p++;
			return v;
		}
		return fail(r, "expected ',' or ']'");
	}
}

static struct jval *read_object(struct reader *r)
{
	struct jval *v = new_val(J_OBJECT);
	size_t cap = 0;
	r->p++;
	skip_ws(r);
	if (*r->p == '}') {
		r->p++;
		return v;
	}
	for (;;) {
		skip_ws(r);
		if (*r->p != '"')
			return fail(r, "expected a key");
		char *key = read_string(r);
		if (!key)
			return NULL;
		skip_ws(r);
		if (*r->p != ':')
			return fail(r, "expected ':'");
		r->p++;
		struct jval *item = read_value(r);
		if (!item)
			return NULL;
		if (v->n == cap) {
			cap = cap ? cap * 2 : 8;
			v->items = xgrow(v->items, cap * sizeof *v->items);
			v->keys = xgrow(v->keys, cap * sizeof *v->keys);
		}
		v->keys[v->n] = key;
		v->items[v->n++] = item;
		skip_ws(r);
		if (*r->p == ',') {
			r->p++;
			continue;
		}
		if (*r->p == '}') {
			r->p++;
			return v;
		}
		return fail(r, "expected ',' or '}'");
	}
}

static struct jval *read_value(struct reader *r)
{
	if (++r->depth > 200)
		return fail(r, "nesting too deep");
	skip_ws(r);
	struct jval *v = NULL;
	switch (*r->p) {
	case '{': v = read_object(r); break;
	case '[': v = read_array(r); break;
	case '"': {
		char *s = read_string(r);
		if (s) {
			v = new_val(J_STRING);
			v->text = s;
		}
		break;
	}
	case 't':
		if (strncmp(r->p, "true", 4) == 0) {
			r->p += 4;
			v = new_val(J_TRUE);
		} else {
			fail(r, "bad literal");
		}
		break;
	case 'f':
		if (strncmp(r->p, "false", 5) == 0) {
			r->p += 5;
			v = new_val(J_FALSE);
		} else {
			fail(r, "bad literal");
		}
		break;
	case 'n':
		if (strncmp(r->p, "null", 4) == 0) {
			r->p += 4;
			v = new_val(J_NULL);
		} else {
			fail(r, "bad literal");
		}
		break;
	default:
		v = read_number(r);
	}
	r->depth--;
	return v;
}

struct jval *json_parse(const char *text, char *err, size_t errlen)
{
	struct reader r = { text, text, err, errlen, 0 };
	if (err && errlen)
		err[0] = '\0';
	struct jval *v = read_value(&r);
	if (!v)
		return NULL;
	skip_ws(&r);
	if (*r.p != '\0')
		return fail(&r, "trailing data");
	return v;
}

struct jval *json_parse_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 65536, len = 0;
	char *buf = xalloc(cap);
	size_t got;
	while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += got;
		if (cap - len < 2) {
			cap *= 2;
			buf = xgrow(buf, cap);
		}
	}
	fclose(f);
	buf[len] = '\0';
	if (strlen(buf) != len) {
		snprintf(err, errlen, "%s: NUL byte in file", path);
		return NULL;
	}
	return json_parse(buf, err, errlen);
}

struct jval *jget(const struct jval *v, const char *key)
{
	if (!v || v->type != J_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->keys[i], key) == 0)
			return v->items[i];
	return NULL;
}

struct jval *jpath(const struct jval *v, const char *dotted)
{
	char key[128];
	const char *p = dotted;
	while (v && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof key)
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		v = jget(v, key);
		p += n;
		if (*p == '.')
			p++;
	}
	return (struct jval *)v;
}

struct jval *jat(const struct jval *v, size_t i)
{
	if (!v || v->type != J_ARRAY || i >= v->n)
		return NULL;
	return v->items[i];
}

size_t jlen(const struct jval *v)
{
	if (!v || (v->type != J_ARRAY && v->type != J_OBJECT))
		return 0;
	return v->n;
}

const char *jstr(const struct jval *v)
{
	return v && v->type == J_STRING ? v->text : NULL;
}

int jbool(const struct jval *v, int *out)
{
	if (!v || (v->type != J_TRUE && v->type != J_FALSE))
		return 0;
	*out = v->type == J_TRUE;
	return 1;
}

/* Integers only: no fraction, no exponent. */
static int is_integer_text(const char *s)
{
	return strpbrk(s, ".eE") == NULL;
}

int jint(const struct jval *v, long long *out)
{
	if (!v || v->type != J_NUMBER || !is_integer_text(v->text))
		return 0;
	errno = 0;
	char *end;
	long long x = strtoll(v->text, &end, 10);
	if (errno || *end)
		return 0;
	*out = x;
	return 1;
}

int juint(const struct jval *v, unsigned long long *out)
{
	if (!v || v->type != J_NUMBER || !is_integer_text(v->text) || v->text[0] == '-')
		return 0;
	errno = 0;
	char *end;
	unsigned long long x = strtoull(v->text, &end, 10);
	if (errno || *end)
		return 0;
	*out = x;
	return 1;
}
