/*
 * Load results: error and warning codes with upstream's names, contexts (the
 * chain of locations an error points at) and the source snippet under them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"

static const char *const err_codes[] = {
	"LOAD_ERR_FILE_READ", "LOAD_ERR_YAML_PARSE", "LOAD_ERR_YAML_VALIDATE",
	"LOAD_ERR_COMPILE_CONDITION", "LOAD_ERR_COMPILE_OUTPUT", "LOAD_ERR_VALIDATE",
	"LOAD_ERR_EXTENSION",
};
static const char *const err_strs[] = {
	"File read error", "YAML parse error", "Error validating internal structure of YAML file",
	"Error compiling condition", "Error compiling output",
	"Error validating rule/macro/list/exception objects", "Error in extension item",
};
static const char *const warn_codes[] = {
	"LOAD_UNKNOWN_SOURCE", "LOAD_UNSAFE_NA_CHECK", "LOAD_NO_EVTTYPE", "LOAD_UNKNOWN_FILTER",
	"LOAD_UNUSED_MACRO", "LOAD_UNUSED_LIST", "LOAD_UNKNOWN_ITEM", "LOAD_DEPRECATED_ITEM",
	"LOAD_WARNING_EXTENSION", "LOAD_APPEND_NO_VALUES", "LOAD_EXCEPTION_NAME_NOT_UNIQUE",
	"LOAD_INVALID_MACRO_NAME", "LOAD_INVALID_LIST_NAME", "LOAD_COMPILE_CONDITION",
	"LOAD_UNKNOWN_KEY",
};
static const char *const warn_strs[] = {
	"Unknown event source", "Unsafe <NA> comparison in condition",
	"Condition has no event-type restriction",
	"Unknown field or event-type in condition or output", "Unused macro", "Unused list",
	"Unknown rules file item", "Used deprecated item", "Warning in extension item",
	"Overriding/appending with no values", "Multiple exceptions defined with the same name",
	"Invalid macro name", "Invalid list name", "Warning in rule condition",
	"Unknown key in item definition",
};
static const char *const ctx_types[] = {
	"value for", "exceptions", "exception", "exception values", "exception value",
	"rules content", "rules content item", "required_engine_version",
	"required plugin versions", "required plugin versions entry",
	"required plugin versions alternative", "list", "list item", "macro", "macro condition",
	"rule", "rule condition", "condition expression", "rule output", "rule output expression",
	"rule priority", "overrides", "extension item",
};

#define PICK(tab, i) ((unsigned)(i) < sizeof(tab) / sizeof(tab[0]) ? tab[i] : "?")

const char *rules_err_code_str(enum rules_err_code c) { return PICK(err_codes, c); }
const char *rules_err_str(enum rules_err_code c) { return PICK(err_strs, c); }
const char *rules_warn_code_str(enum rules_warn_code c) { return PICK(warn_codes, c); }
const char *rules_warn_str(enum rules_warn_code c) { return PICK(warn_strs, c); }
const char *rules_ctx_type_str(enum rules_ctx_type t) { return PICK(ctx_types, t); }

void rules_ctx_free(struct rules_ctx *ctx)
{
	for (size_t i = 0; i < ctx->n; i++) {
		free(ctx->locs[i].item_name);
		free(ctx->locs[i].name);
	}
	free(ctx->locs);
	*ctx = (struct rules_ctx){ 0 };
}

int rules_ctx_copy(struct rules_ctx *out, const struct rules_ctx *in)
{
	*out = (struct rules_ctx){ 0 };
	if (!in->n)
		return 0;
	out->locs = calloc(in->n, sizeof(*out->locs));
	if (!out->locs)
		return -ENOMEM;
	for (size_t i = 0; i < in->n; i++) {
		struct rules_loc *l = &out->locs[out->n++];
		*l = in->locs[i];
		l->item_name = strdup(in->locs[i].item_name);
		l->name = strdup(in->locs[i].name);
		if (!l->item_name || !l->name) {
			rules_ctx_free(out);
			return -ENOMEM;
		}
	}
	return 0;
}

int rules_ctx_extend(struct rules_ctx *out, const struct rules_ctx *parent,
		     enum rules_ctx_type type, const char *item_name, const char *name,
		     uint32_t line, uint32_t col, uint64_t offset)
{
	struct rules_ctx c;
	if (rules_ctx_copy(&c, parent))
		return -ENOMEM;
	struct rules_loc *locs = realloc(c.locs, (c.n + 1) * sizeof(*locs));
	if (!locs) {
		rules_ctx_free(&c);
		return -ENOMEM;
	}
	c.locs = locs;
	struct rules_loc *l = &c.locs[c.n];
	*l = (struct rules_loc){ .type = type, .line = line, .col = col, .offset = offset };
	l->item_name = strdup(item_name ? item_name : "");
	l->name = strdup(name ? name : "");
	c.n++;
	if (!l->item_name || !l->name) {
		rules_ctx_free(&c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

/* Follows upstream's walk: back off trailing newlines (a position may sit
 * past the end), then take up to width/2 characters either side within the
 * line, marking cuts with "...", then a caret line. */
char *rules_ctx_snippet(const struct rules_ctx *ctx, const char *content, size_t len,
			size_t width)
{
	size_t half = width / 2;
	if (!ctx->n || !content || !len)
		return strdup("<No context available>\n");
	size_t pos = (size_t)ctx->locs[ctx->n - 1].offset;
	while (pos > 0 && (pos >= len || content[pos] == '\n'))
		pos--;
	size_t from = pos, to = pos;
	while (from > 0 && content[from] != '\n' && pos - from < half)
		from--;
	while (to < len - 1 && content[to] != '\n' && to - pos < half)
		to++;
	if (content[from] == '\n')
		from++;
	if (content[to] == '\n') {
		if (to == 0)
			return strdup("<No context available>\n");
		to--;
	}
	if (to + 1 <= from)
		return strdup("<No context available>\n");
	size_t n = to - from + 1;
	size_t caret = pos >= from ? pos - from : 0;
	char *out = malloc(n + caret + 4);
	if (!out)
		return NULL;
	memcpy(out, content + from, n);
	if (pos >= from && pos - from >= half && n >= 3)
		memcpy(out, "...", 3);
	if (to - pos >= half && n >= 3)
		memcpy(out + n - 3, "...", 3);
	out[n++] = '\n';
	if (pos >= from && caret <= n - 1) {
		memset(out + n, ' ', caret);
		n += caret;
		out[n++] = '^';
		out[n++] = '\n';
	}
	out[n] = 0;
	return out;
}

static int add_msg(struct rules_msg **v, size_t *n, int code, const char *msg,
		   const struct rules_ctx *ctx)
{
	struct rules_msg *m = realloc(*v, (*n + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	*v = m;
	m = &m[*n];
	m->code = code;
	m->alt = NULL;
	m->msg = strdup(msg);
	if (!m->msg || rules_ctx_copy(&m->ctx, ctx)) {
		free(m->msg);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

int rules_result_error(struct rules_result *r, enum rules_err_code code, const char *msg,
		       const struct rules_ctx *ctx)
{
	r->ok = false;
	return add_msg(&r->errs, &r->nerrs, (int)code, msg, ctx);
}

int rules_result_warning(struct rules_result *r, enum rules_warn_code code, const char *msg,
			 const struct rules_ctx *ctx)
{
	return add_msg(&r->warns, &r->nwarns, (int)code, msg, ctx);
}

int rules_ctx_condition(struct rules_ctx *out, const struct rules_ctx *parent, const char *condition,
			uint32_t line, uint32_t col, uint32_t idx)
{
	/* The location is named after the condition: its first 17 characters
	 * and "..." when longer than 20, in double quotes, newlines as spaces;
	 * the parser's 1-based position is added to the parent's 0-based one. */
	char name[32];
	size_t len = strlen(condition);
	if (len > 20)
		snprintf(name, sizeof(name), "\"%.17s...\"", condition);
	else
		snprintf(name, sizeof(name), "\"%s\"", condition);
	for (char *p = name; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	const struct rules_loc *last = parent->n ? &parent->locs[parent->n - 1] : NULL;
	return rules_ctx_extend(out, parent, RULES_CTX_CONDITION_EXPRESSION, "", name,
				line + (last ? last->line : 0), col + (last ? last->col : 0),
				idx + (last ? last->offset : 0));
}

int rules_result_set_alt(struct rules_result *r, bool warn, const char *text)
{
	size_t n = warn ? r->nwarns : r->nerrs;
	struct rules_msg *m = warn ? r->warns : r->errs;
	if (!n)
		return 0;
	free(m[n - 1].alt);
	return (m[n - 1].alt = strdup(text)) ? 0 : -ENOMEM;
}
