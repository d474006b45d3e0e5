/*
 * json.h: a small JSON reader for oci-check (RFC 8259, whole document in memory).
 *
 * Numbers keep their source text so 64-bit integers (rlimits, seccomp values) survive exactly;
 * strings are decoded to UTF-8 (\uXXXX and surrogate pairs included). Objects keep their keys
 * in document order; lookups are linear, which is fine for a config.json.
 */
#ifndef OCI_CHECK_JSON_H
#define OCI_CHECK_JSON_H

#include <stddef.h>

enum jtype { J_NULL, J_FALSE, J_TRUE, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT };

struct jval {
	enum jtype type;
	char *text;		/* J_STRING: decoded value; J_NUMBER: the number as written */
	size_t n;		/* J_ARRAY / J_OBJECT: element count */
	struct jval **items;	/* J_ARRAY / J_OBJECT: elements (object values) */
	char **keys;		/* J_OBJECT: keys, parallel to items */
};

/* Parses text; NULL on error with a message in err. */
struct jval *json_parse(const char *text, char *err, size_t errlen);
/* Reads and parses a file; NULL on error with a message in err. */
struct jval *json_parse_file(const char *path, char *err, size_t errlen);

/* Member of an object (NULL when v is not an object or lacks key). */
struct jval *jget(const struct jval *v, const char *key);
/* Follows a dotted path of object keys: jpath(cfg, "linux.resources.memory"). */
struct jval *jpath(const struct jval *v, const char *dotted);
/* Element i of an array (NULL out of range or not an array). */
struct jval *jat(const struct jval *v, size_t i);
/* Element count of an array or object, 0 otherwise. */
size_t jlen(const struct jval *v);

/* Typed accessors: return 1 and store the value when v has that type (and fits). */
const char *jstr(const struct jval *v);			/* NULL unless a string */
int jbool(const struct jval *v, int *out);
int jint(const struct jval *v, long long *out);
int juint(const struct jval *v, unsigned long long *out);

#endif
