/*
 * JSON Schema validation of plugin init configs: the subset of draft-04
 * that plugin schemas use (Go plugins emit draft-04 through a reflector,
 * C++ plugins hand-write them).
 *
 * Supported: $ref to "#" or "#/json/pointer" within the same schema (as
 * reflected Go schemas use with "definitions"); type (a name or a list;
 * "integer" means a number without fraction); enum; const; properties;
 * required; additionalProperties (boolean or schema); patternProperties is
 * NOT supported (ignored); items (one schema or a tuple); minItems,
 * maxItems; minimum, maximum, with exclusiveMinimum/exclusiveMaximum as
 * draft-04 booleans or draft-06 numbers; minLength, maxLength (code
 * points); pattern (POSIX extended regular expressions, which cover the
 * patterns plugins use; a pattern that does not compile is reported);
 * allOf, anyOf, oneOf, not. Other keywords (title, description, default,
 * format, $schema, ...) are ignored, as validators do for annotations.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/internal.h"

#define MAX_DEPTH 64

struct vctx {
	const cJSON *root;
	char *err;
	size_t errlen;
	char path[512]; /* JSON pointer of the instance being checked */
};

static int fail(struct vctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct vctx *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "In %s, %s", c->path[0] ? c->path : "(root)", msg);
	return -EINVAL;
}

static int validate(struct vctx *c, const cJSON *s, const cJSON *v, int depth);

/* Resolves "#/a/b~1c" in the root schema. */
static const cJSON *resolve_ref(const cJSON *root, const char *ref)
{
	if (ref[0] != '#')
		return NULL;
	const cJSON *cur = root;
	const char *p = ref + 1;
	char tok[256];
	while (*p == '/' && cur) {
		p++;
		size_t n = 0;
		while (*p && *p != '/' && n + 1 < sizeof(tok)) {
			if (p[0] == '~' && p[1] == '1') {
				tok[n++] = '/';
				p += 2;
			} else if (p[0] == '~' && p[1] == '0') {
				tok[n++] = '~';
				p += 2;
			} else {
				tok[n++] = *p++;
			}
		}
		tok[n] = '\0';
		cur = cJSON_IsArray(cur) ? cJSON_GetArrayItem(cur, atoi(tok)) : cJSON_GetObjectItemCaseSensitive(cur, tok);
	}
	return *p ? NULL : cur;
}

static const char *type_of(const cJSON *v)
{
	if (cJSON_IsObject(v))
		return "object";
	if (cJSON_IsArray(v))
		return "array";
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsBool(v))
		return "boolean";
	if (cJSON_IsNull(v))
		return "null";
	return "number";
}

static bool is_type(const cJSON *v, const char *t)
{
	if (strcmp(t, "integer") == 0)
		return cJSON_IsNumber(v) && floor(v->valuedouble) == v->valuedouble && isfinite(v->valuedouble);
	return strcmp(type_of(v), t) == 0;
}

static int check_type(struct vctx *c, const cJSON *t, const cJSON *v)
{
	if (cJSON_IsString(t))
		return is_type(v, t->valuestring) ? 0 : fail(c, "expected %s, got %s", t->valuestring, type_of(v));
	if (!cJSON_IsArray(t))
		return 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, t) if (cJSON_IsString(it) && is_type(v, it->valuestring)) return 0;
	return fail(c, "value of type %s is not one of the allowed types", type_of(v));
}

static int check_enum(struct vctx *c, const cJSON *e, const cJSON *v)
{
	const cJSON *it;
	if (!cJSON_IsArray(e))
		return 0;
	cJSON_ArrayForEach(it, e) if (cJSON_Compare(it, v, true)) return 0;
	return fail(c, "value is not one of the enumerated values");
}

static int check_number(struct vctx *c, const cJSON *s, const cJSON *v)
{
	const cJSON *min = cJSON_GetObjectItemCaseSensitive(s, "minimum");
	const cJSON *max = cJSON_GetObjectItemCaseSensitive(s, "maximum");
	const cJSON *xmin = cJSON_GetObjectItemCaseSensitive(s, "exclusiveMinimum");
	const cJSON *xmax = cJSON_GetObjectItemCaseSensitive(s, "exclusiveMaximum");
	double d = v->valuedouble;
	if (cJSON_IsNumber(min) && (cJSON_IsTrue(xmin) ? d <= min->valuedouble : d < min->valuedouble))
		return fail(c, "%g is less than the minimum %g%s", d, min->valuedouble, cJSON_IsTrue(xmin) ? " (exclusive)" : "");
	if (cJSON_IsNumber(max) && (cJSON_IsTrue(xmax) ? d >= max->valuedouble : d > max->valuedouble))
		return fail(c, "%g is greater than the maximum %g%s", d, max->valuedouble, cJSON_IsTrue(xmax) ? " (exclusive)" : "");
	if (cJSON_IsNumber(xmin) && d <= xmin->valuedouble)
		return fail(c, "%g is not greater than %g", d, xmin->valuedouble);
	if (cJSON_IsNumber(xmax) && d >= xmax->valuedouble)
		return fail(c, "%g is not less than %g", d, xmax->valuedouble);
	return 0;
}

static size_t utf8_len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static int check_string(struct vctx *c, const cJSON *s, const cJSON *v)
{
	const cJSON *minl = cJSON_GetObjectItemCaseSensitive(s, "minLength");
	const cJSON *maxl = cJSON_GetObjectItemCaseSensitive(s, "maxLength");
	const cJSON *pat = cJSON_GetObjectItemCaseSensitive(s, "pattern");
	size_t n = utf8_len(v->valuestring);
	if (cJSON_IsNumber(minl) && (double)n < minl->valuedouble)
		return fail(c, "string is shorter than %g characters", minl->valuedouble);
	if (cJSON_IsNumber(maxl) && (double)n > maxl->valuedouble)
		return fail(c, "string is longer than %g characters", maxl->valuedouble);
	if (cJSON_IsString(pat)) {
		regex_t re;
		if (regcomp(&re, pat->valuestring, REG_EXTENDED | REG_NOSUB) != 0)
			return fail(c, "the schema's pattern '%s' is not supported", pat->valuestring);
		int m = regexec(&re, v->valuestring, 0, NULL, 0);
		regfree(&re);
		if (m != 0)
			return fail(c, "string does not match the pattern '%s'", pat->valuestring);
	}
	return 0;
}

/* Appends "/key" (escaped as a JSON pointer) to the path; returns the old
 * length to restore. */
static size_t push(struct vctx *c, const char *key)
{
	size_t old = strlen(c->path), n = old;
	if (n + 1 < sizeof(c->path))
		c->path[n++] = '/';
	for (const char *k = key; *k && n + 2 < sizeof(c->path); k++) {
		if (*k == '/' || *k == '~') {
			c->path[n++] = '~';
			c->path[n++] = *k == '/' ? '1' : '0';
		} else {
			c->path[n++] = *k;
		}
	}
	c->path[n] = '\0';
	return old;
}

static int check_object(struct vctx *c, const cJSON *s, const cJSON *v, int depth)
{
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(s, "properties");
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(s, "required");
	const cJSON *addl = cJSON_GetObjectItemCaseSensitive(s, "additionalProperties");
	const cJSON *it;
	if (cJSON_IsArray(req))
		cJSON_ArrayForEach(it, req) if (cJSON_IsString(it) && !cJSON_GetObjectItemCaseSensitive(v, it->valuestring))
			return fail(c, "missing required property '%s'", it->valuestring);
	cJSON_ArrayForEach(it, v)
	{
		const cJSON *ps = cJSON_IsObject(props) ? cJSON_GetObjectItemCaseSensitive(props, it->string) : NULL;
		if (!ps && cJSON_IsFalse(addl))
			return fail(c, "property '%s' is not allowed", it->string);
		if (!ps && cJSON_IsObject(addl))
			ps = addl;
		if (!ps)
			continue;
		size_t old = push(c, it->string);
		int rc = validate(c, ps, it, depth + 1);
		if (rc)
			return rc;
		c->path[old] = '\0';
	}
	return 0;
}

static int check_array(struct vctx *c, const cJSON *s, const cJSON *v, int depth)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(s, "items");
	const cJSON *mini = cJSON_GetObjectItemCaseSensitive(s, "minItems");
	const cJSON *maxi = cJSON_GetObjectItemCaseSensitive(s, "maxItems");
	int n = cJSON_GetArraySize(v);
	if (cJSON_IsNumber(mini) && n < mini->valuedouble)
		return fail(c, "array has fewer than %g items", mini->valuedouble);
	if (cJSON_IsNumber(maxi) && n > maxi->valuedouble)
		return fail(c, "array has more than %g items", maxi->valuedouble);
	for (int i = 0; i < n && items; i++) {
		const cJSON *is = cJSON_IsArray(items) ? cJSON_GetArrayItem(items, i) : items;
		if (!cJSON_IsObject(is))
			continue;
		char idx[16];
		snprintf(idx, sizeof(idx), "%d", i);
		size_t old = push(c, idx);
		int rc = validate(c, is, cJSON_GetArrayItem(v, i), depth + 1);
		if (rc)
			return rc;
		c->path[old] = '\0';
	}
	return 0;
}

/* allOf / anyOf / oneOf / not. The sub-errors of anyOf and oneOf are
 * replaced by one message naming the combinator. */
static int check_combinators(struct vctx *c, const cJSON *s, const cJSON *v, int depth)
{
	const cJSON *all = cJSON_GetObjectItemCaseSensitive(s, "allOf");
	const cJSON *any = cJSON_GetObjectItemCaseSensitive(s, "anyOf");
	const cJSON *one = cJSON_GetObjectItemCaseSensitive(s, "oneOf");
	const cJSON *not = cJSON_GetObjectItemCaseSensitive(s, "not");
	const cJSON *it;
	char path[sizeof(c->path)];
	memcpy(path, c->path, sizeof(path));
	if (cJSON_IsArray(all))
		cJSON_ArrayForEach(it, all) if (validate(c, it, v, depth + 1)) return -EINVAL;
	if (cJSON_IsArray(any)) {
		int ok = 0;
		cJSON_ArrayForEach(it, any) ok += validate(c, it, v, depth + 1) == 0;
		memcpy(c->path, path, sizeof(path));
		if (!ok)
			return fail(c, "value matches none of the schemas in anyOf");
	}
	if (cJSON_IsArray(one)) {
		int ok = 0;
		cJSON_ArrayForEach(it, one) ok += validate(c, it, v, depth + 1) == 0;
		memcpy(c->path, path, sizeof(path));
		if (ok != 1)
			return fail(c, "value matches %d of the schemas in oneOf, not exactly one", ok);
	}
	if (cJSON_IsObject(not) && validate(c, not, v, depth + 1) == 0)
		return fail(c, "value matches the schema in not");
	memcpy(c->path, path, sizeof(path));
	return 0;
}

static int validate(struct vctx *c, const cJSON *s, const cJSON *v, int depth)
{
	if (depth > MAX_DEPTH)
		return fail(c, "schema nesting (or $ref recursion) deeper than %d", MAX_DEPTH);
	if (cJSON_IsBool(s)) /* draft-06 boolean schemas */
		return cJSON_IsTrue(s) ? 0 : fail(c, "no value is allowed here");
	if (!cJSON_IsObject(s))
		return 0;
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(s, "$ref");
	if (cJSON_IsString(ref)) {
		const cJSON *target = resolve_ref(c->root, ref->valuestring);
		if (!target)
			return fail(c, "the schema's $ref '%s' cannot be resolved", ref->valuestring);
		return validate(c, target, v, depth + 1); /* draft-04: $ref replaces its siblings */
	}
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(s, "type");
	int rc = t ? check_type(c, t, v) : 0;
	if (!rc && cJSON_GetObjectItemCaseSensitive(s, "enum"))
		rc = check_enum(c, cJSON_GetObjectItemCaseSensitive(s, "enum"), v);
	if (!rc && cJSON_GetObjectItemCaseSensitive(s, "const") &&
	    !cJSON_Compare(cJSON_GetObjectItemCaseSensitive(s, "const"), v, true))
		rc = fail(c, "value is not the constant the schema requires");
	if (!rc && cJSON_IsNumber(v))
		rc = check_number(c, s, v);
	if (!rc && cJSON_IsString(v))
		rc = check_string(c, s, v);
	if (!rc && cJSON_IsObject(v))
		rc = check_object(c, s, v, depth);
	if (!rc && cJSON_IsArray(v))
		rc = check_array(c, s, v, depth);
	if (!rc)
		rc = check_combinators(c, s, v, depth);
	return rc;
}

int ph_json_validate(const cJSON *schema, const cJSON *doc, char *err, size_t errlen)
{
	struct vctx c = {.root = schema, .err = err, .errlen = errlen};
	return validate(&c, schema, doc, 0);
}
