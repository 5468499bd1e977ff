/*
 * `falco -V` reports of a rules file: the verbose text and one element of
 * the `falco_load_results` JSON array, both in upstream's shape.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"

/* Longer explanations of the warning codes (the JSON `codedesc`), in our
 * own words. */
static const char *const warn_descs[] = {
	"The rule names an event source that no loaded plugin or driver provides; it is ignored.",
	"The condition compares a field with <NA>, which rarely means what it says; use 'exists'.",
	"The condition does not narrow the event types enough, so the rule runs on most events.",
	"The condition or output uses a field or event type that is unknown here.",
	"The macro is defined but no rule or macro uses it.",
	"The list is defined but no rule, macro or list uses it.",
	"The rules file holds a top-level item that is not a list, macro, rule or requirement; it is ignored.",
	"The item uses a deprecated key or form.",
	"An extension item raised a warning.",
	"An exception is appended or overridden without values.",
	"The rule defines several exceptions with the same name.",
	"The macro name is not a valid identifier.",
	"The list name contains characters a list reference cannot hold.",
	"The condition compiled with a warning.",
	"The item holds a key this item type does not have; the key is ignored.",
};

const char *rules_warn_desc(enum rules_warn_code c)
{
	return (unsigned)c < sizeof(warn_descs) / sizeof(warn_descs[0]) ? warn_descs[c] : "?";
}

/* ---------------- text ---------------- */

static void print_ctx(FILE *out, const struct rules_ctx *ctx)
{
	for (size_t i = 0; i < ctx->n; i++) {
		const struct rules_loc *l = &ctx->locs[i];
		fprintf(out, "%s%s", i ? "    " : "In ", rules_ctx_type_str(l->type));
		if (l->item_name[0])
			fprintf(out, " '%s'", l->item_name);
		fprintf(out, ": (%s:%u:%u)\n", l->name, l->line, l->col);
	}
}

static void print_msgs(FILE *out, const struct rules_msg *m, size_t n, bool errors,
		       const char *content, size_t len)
{
	if (!n)
		return;
	fprintf(out, "\n%zu %s:\n", n, errors ? "Errors" : "Warnings");
	for (size_t i = 0; i < n; i++) {
		char *snip = m[i].alt ? rules_ctx_snippet(&m[i].ctx, m[i].alt, strlen(m[i].alt), RULES_SNIPPET_WIDTH)
				      : rules_ctx_snippet(&m[i].ctx, content, len, RULES_SNIPPET_WIDTH);
		print_ctx(out, &m[i].ctx);
		fprintf(out, "------\n%s------\n", snip ? snip : "");
		free(snip);
		if (errors)
			fprintf(out, "%s (%s): %s\n", rules_err_code_str(m[i].code),
				rules_err_str(m[i].code), m[i].msg);
		else
			fprintf(out, "%s (%s): %s\n", rules_warn_code_str(m[i].code),
				rules_warn_str(m[i].code), m[i].msg);
	}
}

void rules_result_print_text(FILE *out, const struct rules_result *r, const char *content, size_t len)
{
	fprintf(out, "%s: %s", r->name, !r->ok ? "Invalid" : r->nwarns ? "Ok, with warnings" : "Ok");
	print_msgs(out, r->errs, r->nerrs, true, content, len);
	print_msgs(out, r->warns, r->nwarns, false, content, len);
}

/* ---------------- JSON ---------------- */

/* Length of a valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* A JSON string: `"` `\` and control characters escaped, UTF-8 kept, and
 * invalid bytes replaced by U+FFFD (as upstream's dump with `replace`). */
void rules_json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	fputc('"', out);
	while (*p) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20) {
				fprintf(out, "\\u%04x", *p);
			} else if (*p < 0x80) {
				fputc(*p, out);
			} else {
				size_t n = utf8_len(p);
				if (n) {
					fwrite(p, 1, n, out);
					p += n;
					continue;
				}
				fputs("\xef\xbf\xbd", out);
			}
		}
		p++;
	}
	fputc('"', out);
}

static void json_ctx(FILE *out, const struct rules_ctx *ctx, const char *content, size_t len)
{
	fputs("{\"locations\":[", out);
	for (size_t i = 0; i < ctx->n; i++) {
		const struct rules_loc *l = &ctx->locs[i];
		fputs(i ? ",{\"item_name\":" : "{\"item_name\":", out);
		rules_json_string(out, l->item_name);
		fputs(",\"item_type\":", out);
		rules_json_string(out, rules_ctx_type_str(l->type));
		fprintf(out, ",\"position\":{\"column\":%u,\"line\":%u,\"name\":", l->col, l->line);
		rules_json_string(out, l->name);
		fprintf(out, ",\"offset\":%llu}}", (unsigned long long)l->offset);
	}
	char *snip = rules_ctx_snippet(ctx, content, len, RULES_SNIPPET_WIDTH);
	fputs("],\"snippet\":", out);
	rules_json_string(out, snip ? snip : "");
	free(snip);
	fputc('}', out);
}

static void json_msgs(FILE *out, const struct rules_msg *m, size_t n, bool errors,
		      const char *content, size_t len)
{
	fputc('[', out);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",{\"code\":" : "{\"code\":", out);
		/* Upstream's error `codedesc` is the short string. */
		rules_json_string(out, errors ? rules_err_code_str(m[i].code) : rules_warn_code_str(m[i].code));
		fputs(",\"codedesc\":", out);
		rules_json_string(out, errors ? rules_err_str(m[i].code) : rules_warn_desc(m[i].code));
		fputs(",\"context\":", out);
		json_ctx(out, &m[i].ctx, m[i].alt ? m[i].alt : content, m[i].alt ? strlen(m[i].alt) : len);
		fputs(",\"message\":", out);
		rules_json_string(out, m[i].msg);
		fputc('}', out);
	}
	fputc(']', out);
}

void rules_result_print_json(FILE *out, const struct rules_result *r, const char *content, size_t len)
{
	fputs("{\"errors\":", out);
	json_msgs(out, r->errs, r->nerrs, true, content, len);
	fputs(",\"name\":", out);
	rules_json_string(out, r->name);
	fprintf(out, ",\"successful\":%s,\"warnings\":", r->ok ? "true" : "false");
	json_msgs(out, r->warns, r->nwarns, false, content, len);
	fputc('}', out);
}
