/*
 * The json plugin: field extraction over plugin events (code 322) whose
 * payload is a JSON document, as Falco's json plugin 0.7 defines it.
 *
 * Fields (all strings):
 *   json.value[PTR]  the value at the RFC 6901 pointer PTR (the leading "/"
 *                    may be omitted): a string value unescaped, any other
 *                    value as its JSON text with the insignificant
 *                    whitespace removed; no value when PTR does not resolve;
 *                    an empty PTR gives the whole document
 *   json.obj         the whole document indented by two spaces per level
 *                    (object members as `"key": value`, empty {} and []
 *                    kept on one line, trailing bytes after the document
 *                    kept)
 *   json.rawtime     the event timestamp in decimal nanoseconds
 *   jevt.value, jevt.obj, jevt.rawtime: the same, under their old names.
 *
 * A payload that does not start with '{' or '[', or is not valid JSON,
 * fails the extraction with an error.
 *
 * cJSON validates each payload (once per event). Values are then located
 * in the payload text itself and copied from it, so that numbers, escapes
 * and key order come out exactly as the producer wrote them, as the
 * upstream plugin returns them. Results live in per-request buffers that
 * only grow, so steady-state extraction does not allocate beyond cJSON's
 * validation.
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_api.h"
#include "plugin_events.h"

#define MAX_DEPTH 512

enum field_id { F_VALUE, F_OBJ, F_RAWTIME, F_JEVT_VALUE, F_JEVT_OBJ, F_JEVT_RAWTIME, F_COUNT };

/* A growable byte buffer; `oom` sticks once an allocation failed. */
struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

struct result {
	struct sbuf text;
	const char *ptr; /* what res.str points at */
};

struct state {
	char err[PLUGIN_MAX_ERRLEN];
	/* the payload validated last, to validate each event once */
	uint64_t valid_evtnum;
	const char *valid_data;
	uint32_t valid_len;
	bool valid;
	struct result *results; /* one per request position */
	uint32_t nresults;
	struct sbuf token; /* scratch for pointer tokens */
};

/* ---- identity ---- */

const char *plugin_get_required_api_version(void) { return "3.0.0"; }
const char *plugin_get_version(void) { return "0.7.4"; }
const char *plugin_get_name(void) { return "json"; }
const char *plugin_get_description(void) { return "Extracts values from event payloads that hold JSON documents"; }
const char *plugin_get_contact(void) { return "the falco-c project"; }

/* The config is accepted and ignored; its schema matches the upstream
 * plugin's (an object with an optional boolean useAsync, anything else
 * allowed). */
const char *plugin_get_init_schema(ss_plugin_schema_type *t)
{
	*t = SS_PLUGIN_SCHEMA_JSON;
	return "{\"$schema\":\"http://json-schema.org/draft-04/schema#\",\"type\":\"object\","
	       "\"properties\":{\"useAsync\":{\"type\":\"boolean\",\"description\":\"accepted for compatibility; "
	       "extraction is always synchronous\"}},\"additionalProperties\":true}";
}

const char *plugin_get_fields(void)
{
	return "["
	       "{\"type\":\"string\",\"name\":\"json.value\",\"arg\":{\"isRequired\":true,\"isKey\":true},"
	       "\"desc\":\"The value at a JSON pointer (RFC 6901) in the event's JSON payload, e.g. "
	       "json.value[/user/name]; strings unescaped, other values as compact JSON.\"},"
	       "{\"type\":\"string\",\"name\":\"json.obj\",\"desc\":\"The event's whole JSON payload, indented.\"},"
	       "{\"type\":\"string\",\"name\":\"json.rawtime\",\"desc\":\"The event's timestamp in nanoseconds, as "
	       "evt.rawtime.\"},"
	       "{\"type\":\"string\",\"name\":\"jevt.value\",\"arg\":{\"isRequired\":true,\"isKey\":true},"
	       "\"desc\":\"Old name of json.value.\"},"
	       "{\"type\":\"string\",\"name\":\"jevt.obj\",\"desc\":\"Old name of json.obj.\"},"
	       "{\"type\":\"string\",\"name\":\"jevt.rawtime\",\"desc\":\"Old name of json.rawtime.\"}"
	       "]";
}

/* Plugin events of any source. */
uint16_t *plugin_get_extract_event_types(uint32_t *n, ss_plugin_t *s)
{
	static uint16_t types[] = {PLUGIN_EVT_PLUGINEVENT};
	(void)s;
	*n = 1;
	return types;
}

ss_plugin_t *plugin_init(const ss_plugin_init_input *in, ss_plugin_rc *rc)
{
	(void)in;
	struct state *s = calloc(1, sizeof(*s));
	*rc = s ? SS_PLUGIN_SUCCESS : SS_PLUGIN_FAILURE;
	return s;
}

void plugin_destroy(ss_plugin_t *st)
{
	struct state *s = st;
	for (uint32_t i = 0; i < s->nresults; i++)
		free(s->results[i].text.p);
	free(s->results);
	free(s->token.p);
	free(s);
}

const char *plugin_get_last_error(ss_plugin_t *s) { return ((struct state *)s)->err; }

/* ---- buffers ---- */

static void sb_reserve(struct sbuf *b, size_t more)
{
	if (b->oom || b->len + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	sb_reserve(b, n);
	if (b->oom)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_putc(struct sbuf *b, char c) { sb_put(b, &c, 1); }

static void sb_reset(struct sbuf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->p)
		b->p[0] = '\0';
}

/* ---- scanning validated JSON text ---- */

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && is_ws(*p))
		p++;
	return p;
}

/* The end of the string starting at p (on its opening quote): the first
 * quote not escaped by an odd run of backslashes. */
static const char *skip_string(const char *p, const char *end)
{
	for (const char *q = p + 1; q < end;) {
		const char *quote = memchr(q, '"', (size_t)(end - q));
		if (!quote)
			return end;
		size_t n = 0;
		while (quote - n > p + 1 && quote[-1 - (ptrdiff_t)n] == '\\')
			n++;
		if (n % 2 == 0)
			return quote + 1;
		q = quote + 1;
	}
	return end;
}

/* Bytes that matter when skipping a container. */
static const unsigned char structural[256] = {['"'] = 1, ['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1};

/* The end of the value starting at p. The text has been validated, so
 * this only tracks nesting; it still never reads past `end`. */
static const char *skip_value(const char *p, const char *end)
{
	if (p >= end)
		return p;
	if (*p == '"')
		return skip_string(p, end);
	if (*p == '{' || *p == '[') {
		int depth = 0;
		while (p < end) {
			while (p < end && !structural[(unsigned char)*p])
				p++;
			if (p == end)
				break;
			char c = *p;
			if (c == '"') {
				p = skip_string(p, end);
				continue;
			}
			p++;
			if (c == '{' || c == '[')
				depth++;
			else if (--depth == 0)
				return p;
		}
		return end;
	}
	while (p < end && !is_ws(*p) && *p != ',' && *p != '}' && *p != ']')
		p++; /* a number or a literal */
	return p;
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

static bool read_u4(const char *p, const char *end, uint32_t *out)
{
	if (end - p < 4)
		return false;
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return false;
		v = v << 4 | (uint32_t)h;
	}
	*out = v;
	return true;
}

static void put_utf8(struct sbuf *b, uint32_t cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	sb_put(b, u, n);
}

/* Handles one escape at p (after the backslash); returns the next byte.
 * A lone surrogate is kept as its escape text. */
static const char *unescape_one(struct sbuf *b, const char *p, const char *end)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit = p < end ? strchr(from, *p) : NULL;
	if (hit && *p) {
		sb_putc(b, to[hit - from]);
		return p + 1;
	}
	uint32_t cp, lo;
	if (p < end && *p == 'u' && read_u4(p + 1, end, &cp)) {
		if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 11 && p[5] == '\\' && p[6] == 'u' &&
		    read_u4(p + 7, end, &lo) && lo >= 0xDC00 && lo < 0xE000) {
			put_utf8(b, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
			return p + 11;
		}
		if (cp >= 0xD800 && cp < 0xE000) {
			sb_put(b, p - 1, 6);
			return p + 5;
		}
		put_utf8(b, cp);
		return p + 5;
	}
	sb_putc(b, '\\');
	return p;
}

/* The content of the string [p, end) (quotes included), unescaped. */
static void unescape(struct sbuf *b, const char *p, const char *end)
{
	for (p++, end--; p < end;) {
		const char *bs = memchr(p, '\\', (size_t)(end - p));
		if (!bs) {
			sb_put(b, p, (size_t)(end - p));
			return;
		}
		sb_put(b, p, (size_t)(bs - p));
		p = unescape_one(b, bs + 1, end);
	}
}

/* Whether the raw key string [k, kend) (quotes included) equals `tok`. */
static bool key_equals(const char *k, const char *kend, const char *tok, size_t toklen)
{
	if (!memchr(k, '\\', (size_t)(kend - k)))
		return (size_t)(kend - k - 2) == toklen && memcmp(k + 1, tok, toklen) == 0;
	struct sbuf tmp = {0};
	unescape(&tmp, k, kend);
	bool eq = !tmp.oom && tmp.len == toklen && memcmp(tmp.p, tok, toklen) == 0;
	free(tmp.p);
	return eq;
}

/* Go's strconv.Atoi as the upstream plugin uses it for array indexes. */
static bool parse_index(const char *t, size_t n, uint64_t *out)
{
	size_t i = 0;
	bool neg = false;
	if (n && (t[0] == '+' || t[0] == '-'))
		neg = t[i++] == '-';
	if (i == n)
		return false;
	uint64_t v = 0;
	for (; i < n; i++) {
		if (t[i] < '0' || t[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(t[i] - '0');
	}
	if (neg && v != 0)
		return false;
	*out = v;
	return true;
}

/* Steps from the value at *p into its member/element named `tok`. */
static bool step(const char **p, const char *end, const char *tok, size_t toklen)
{
	const char *c = *p;
	if (*c == '{') {
		for (c = skip_ws(c + 1, end); c < end && *c == '"';) {
			const char *kend = skip_string(c, end);
			const char *v = skip_ws(skip_ws(kend, end) + 1, end); /* past ':' */
			if (key_equals(c, kend, tok, toklen)) {
				*p = v;
				return true;
			}
			c = skip_ws(skip_value(v, end), end);
			if (c < end && *c == ',')
				c = skip_ws(c + 1, end);
		}
		return false;
	}
	uint64_t idx;
	if (*c != '[' || !parse_index(tok, toklen, &idx))
		return false;
	for (c = skip_ws(c + 1, end); c < end && *c != ']'; idx--) {
		if (idx == 0) {
			*p = c;
			return true;
		}
		c = skip_ws(skip_value(c, end), end);
		if (c < end && *c == ',')
			c = skip_ws(c + 1, end);
	}
	return false;
}

/* Resolves pointer `ptr` in the document [doc, end); *v gets the value. */
static bool resolve(struct state *s, const char *doc, const char *end, const char *ptr, const char **v)
{
	*v = doc;
	if (!ptr[0])
		return true;
	if (ptr[0] == '/')
		ptr++;
	for (;;) {
		const char *slash = strchr(ptr, '/');
		size_t n = slash ? (size_t)(slash - ptr) : strlen(ptr);
		sb_reset(&s->token);
		for (size_t i = 0; i < n; i++) {
			if (ptr[i] == '~' && i + 1 < n && (ptr[i + 1] == '1' || ptr[i + 1] == '0')) {
				sb_putc(&s->token, ptr[i + 1] == '1' ? '/' : '~');
				i++;
			} else {
				sb_putc(&s->token, ptr[i]);
			}
		}
		if (s->token.oom || !step(v, end, s->token.p ? s->token.p : "", s->token.len))
			return false;
		if (!slash)
			return true;
		ptr = slash + 1;
	}
}

/* The value [p, end) without whitespace outside strings. */
static void compact(struct sbuf *b, const char *p, const char *end)
{
	while (p < end) {
		if (*p == '"') {
			const char *q = skip_string(p, end);
			sb_put(b, p, (size_t)(q - p));
			p = q;
		} else {
			if (!is_ws(*p))
				sb_putc(b, *p);
			p++;
		}
	}
}

static void newline(struct sbuf *b, int depth)
{
	sb_putc(b, '\n');
	for (int i = 0; i < depth; i++)
		sb_put(b, "  ", 2);
}

/* The document [p, end) indented two spaces per level (Go's json.Indent
 * layout: the value, then whatever bytes follow it). */
static void indent(struct sbuf *b, const char *p, const char *end)
{
	const char *vend = skip_value(p, end);
	int depth = 0;
	bool open = false; /* just after '{' or '[': indent deferred */
	for (; p < vend; p++) {
		char c = *p;
		if (is_ws(c))
			continue;
		bool closing = c == '}' || c == ']';
		if (open && !closing) {
			open = false;
			newline(b, ++depth);
		}
		if (c == '"') {
			const char *q = skip_string(p, vend);
			sb_put(b, p, (size_t)(q - p));
			p = q - 1;
		} else if (c == '{' || c == '[') {
			sb_putc(b, c);
			open = true;
		} else if (closing) {
			if (open)
				open = false;
			else
				newline(b, --depth);
			sb_putc(b, c);
		} else if (c == ',') {
			sb_putc(b, c);
			newline(b, depth);
		} else if (c == ':') {
			sb_put(b, ": ", 2);
		} else {
			sb_putc(b, c);
		}
	}
	sb_put(b, vend, (size_t)(end - vend));
}

/* ---- extraction ---- */

static bool payload_of(const ss_plugin_event *e, const char **data, uint32_t *len)
{
	uint32_t l[2];
	if (e->type != PLUGIN_EVT_PLUGINEVENT || e->nparams != 2 || e->len < PLUGIN_EVENT_PAYLOAD_OFFSET)
		return false;
	memcpy(l, (const char *)e + PLUGIN_EVT_HDR_LEN, sizeof(l));
	if (l[0] != 4 || (uint64_t)l[1] + PLUGIN_EVENT_PAYLOAD_OFFSET > e->len)
		return false;
	*data = (const char *)e + PLUGIN_EVENT_PAYLOAD_OFFSET;
	*len = l[1];
	return true;
}

static bool validate(struct state *s, const ss_plugin_event_input *in, const char *data, uint32_t len)
{
	if (s->valid_data == data && s->valid_len == len && s->valid_evtnum == in->evtnum)
		return s->valid;
	s->valid_data = data;
	s->valid_len = len;
	s->valid_evtnum = in->evtnum;
	s->valid = false;
	if (len == 0 || (data[0] != '{' && data[0] != '[')) {
		snprintf(s->err, sizeof(s->err), "invalid json format: the payload of event %" PRIu64
		                                 " does not start with '{' or '['", in->evtnum);
		return false;
	}
	const char *stop = NULL;
	cJSON *doc = cJSON_ParseWithLengthOpts(data, len, &stop, 0);
	if (!doc) {
		const char *at = cJSON_GetErrorPtr();
		snprintf(s->err, sizeof(s->err), "invalid json in the payload of event %" PRIu64 " near byte %td",
		         in->evtnum, at && at >= data && at <= data + len ? at - data : (ptrdiff_t)-1);
		return false;
	}
	cJSON_Delete(doc);
	for (const char *p = stop; p && p < data + len; p++)
		if (!is_ws(*p)) {
			snprintf(s->err, sizeof(s->err), "invalid json in the payload of event %" PRIu64
			                                 ": unexpected data at byte %td",
			         in->evtnum, p - data);
			return false;
		}
	s->valid = true;
	return true;
}

static bool ensure_results(struct state *s, uint32_t n)
{
	if (n <= s->nresults)
		return true;
	struct result *r = realloc(s->results, n * sizeof(*r));
	if (!r)
		return false;
	memset(r + s->nresults, 0, (n - s->nresults) * sizeof(*r));
	s->results = r;
	s->nresults = n;
	return true;
}

/* Fills one request; false only when out of memory. */
static bool extract_one(struct state *s, const ss_plugin_event *e, const char *data, uint32_t len,
                        ss_plugin_extract_field *f, struct result *r)
{
	const char *end = data + len, *v;
	sb_reset(&r->text);
	f->res_len = 0;
	switch (f->field_id) {
	case F_VALUE:
	case F_JEVT_VALUE:
		if (!resolve(s, skip_ws(data, end), end, f->arg_key ? f->arg_key : "", &v))
			return !s->token.oom;
		if (*v == '"')
			unescape(&r->text, v, skip_string(v, end));
		else
			compact(&r->text, v, skip_value(v, end));
		break;
	case F_OBJ:
	case F_JEVT_OBJ:
		indent(&r->text, data, end);
		break;
	case F_RAWTIME:
	case F_JEVT_RAWTIME: {
		char num[24];
		int n = snprintf(num, sizeof(num), "%" PRIu64, e->ts);
		sb_put(&r->text, num, (size_t)n);
		break;
	}
	default:
		return true;
	}
	if (r->text.oom)
		return false;
	r->ptr = r->text.p ? r->text.p : "";
	f->res.str = &r->ptr;
	f->res_len = 1;
	return true;
}

ss_plugin_rc plugin_extract_fields(ss_plugin_t *st, const ss_plugin_event_input *evt,
                                   const ss_plugin_field_extract_input *in)
{
	struct state *s = st;
	const char *data;
	uint32_t len;
	for (uint32_t i = 0; i < in->num_fields; i++)
		in->fields[i].res_len = 0;
	if (!payload_of(evt->evt, &data, &len)) {
		snprintf(s->err, sizeof(s->err), "event %" PRIu64 " is not a well-formed plugin event", evt->evtnum);
		return SS_PLUGIN_FAILURE;
	}
	if (!validate(s, evt, data, len))
		return SS_PLUGIN_FAILURE;
	if (!ensure_results(s, in->num_fields)) {
		snprintf(s->err, sizeof(s->err), "out of memory");
		return SS_PLUGIN_FAILURE;
	}
	for (uint32_t i = 0; i < in->num_fields; i++)
		if (!extract_one(s, evt->evt, data, len, &in->fields[i], &s->results[i])) {
			snprintf(s->err, sizeof(s->err), "out of memory");
			return SS_PLUGIN_FAILURE;
		}
	return SS_PLUGIN_SUCCESS;
}
