/*
 * `falco --list`: every field class of the requested sources, in upstream's
 * three formats (text, markdown, JSON) or names only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields/fields.h"

#define RIGHT 30u  /* the description column */
#define WIDTH 120u

/* The tags upstream shows, in its (sorted) order. */
static size_t tags(uint32_t f, const char **out)
{
	size_t n = 0;
	bool arg = f & (FLD_F_ARG_REQUIRED | FLD_F_ARG_ALLOWED);
	if (arg && !(f & FLD_F_ARG_REQUIRED))
		out[n++] = "ARG_ALLOWED";
	if (arg && (f & FLD_F_ARG_INDEX))
		out[n++] = "ARG_INDEX";
	if (arg && (f & FLD_F_ARG_KEY))
		out[n++] = "ARG_KEY";
	if (f & FLD_F_ARG_REQUIRED)
		out[n++] = "ARG_REQUIRED";
	if (f & FLD_F_DEPRECATED)
		out[n++] = "EPF_DEPRECATED";
	if (f & FLD_F_IS_LIST)
		out[n++] = "EPF_IS_LIST";
	if (f & FLD_F_NO_RHS)
		out[n++] = "EPF_NO_RHS";
	if (f & FLD_F_NO_TRANSFORMER)
		out[n++] = "EPF_NO_TRANSFORMER";
	if (f & FLD_F_TABLE_ONLY)
		out[n++] = "EPF_TABLE_ONLY";
	if (f & FLD_F_FILTER_ONLY)
		out[n++] = "FILTER_ONLY";
	return n;
}

static bool listed(const struct fld_info *fi)
{
	return !(fi->flags & (FLD_F_PRINT_ONLY | FLD_F_TABLE_ONLY | FLD_F_DEPRECATED | FLD_F_HIDDEN));
}

/* Words of s, wrapped at WIDTH with continuation lines indented to RIGHT. */
static void wrap(FILE *out, const char *s)
{
	size_t len = 0;
	while (*s) {
		while (*s == ' ' || *s == '\n' || *s == '\t')
			s++;
		if (!*s)
			break;
		size_t w = strcspn(s, " \n\t");
		if (len + w + 1 > WIDTH - RIGHT) {
			fprintf(out, "\n%-*s", (int)RIGHT, " ");
			len = 0;
		}
		fprintf(out, "%.*s ", (int)w, s);
		len += w + 1;
		s += w;
	}
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void print_text(FILE *out, const struct fld_class *c, const char *const *srcs, size_t ns,
                       bool verbose)
{
	fprintf(out, "-------------------------------\n");
	fprintf(out, "%-*s%s", (int)RIGHT, "Field Class:", c->name);
	if (c->shortdesc && *c->shortdesc)
		fprintf(out, " (%s)", c->shortdesc);
	fputc('\n', out);
	if (c->desc && *c->desc) {
		fprintf(out, "%-*s", (int)RIGHT, "Description:");
		wrap(out, c->desc);
		fputc('\n', out);
	}
	if (ns) {
		fprintf(out, "%-*s", (int)RIGHT, "Event Sources:");
		for (size_t i = 0; i < ns; i++)
			fprintf(out, "%s ", srcs[i]);
		fputc('\n', out);
	}
	fputc('\n', out);
	for (uint32_t i = 0; i < c->nfields; i++) {
		const struct fld_info *fi = &c->fields[i];
		if (!listed(fi))
			continue;
		if (strlen(fi->name) > RIGHT)
			fprintf(out, "%s\n%-*s", fi->name, (int)RIGHT, " ");
		else
			fprintf(out, "%-*s", (int)RIGHT, fi->name);
		char desc[2048];
		size_t o = 0;
		const char *t[12];
		size_t nt = tags(fi->flags, t);
		if (verbose)
			o += (size_t)snprintf(desc + o, sizeof desc - o, "(Type: %s) ", fld_type_name(fi->type));
		for (size_t k = 0; k < nt; k++)
			o += (size_t)snprintf(desc + o, sizeof desc - o, "%s%s%s", k ? "," : "(", t[k],
			                      k + 1 == nt ? ") " : "");
		snprintf(desc + o, sizeof desc - o, "%s", fi->desc ? fi->desc : "");
		wrap(out, desc);
		fputc('\n', out);
	}
	fputc('\n', out);
}

static void print_markdown(FILE *out, const struct fld_class *c, const char *const *srcs, size_t ns)
{
	fprintf(out, "## Field Class: %s\n\n", c->name);
	if (c->desc && *c->desc)
		fprintf(out, "%s\n\n", c->desc);
	if (ns) {
		fprintf(out, "Event Sources: ");
		for (size_t i = 0; i < ns; i++)
			fprintf(out, "%s ", srcs[i]);
		fprintf(out, "\n\n");
	}
	fprintf(out, "Name | Type | Description\n:----|:-----|:-----------\n");
	for (uint32_t i = 0; i < c->nfields; i++) {
		const struct fld_info *fi = &c->fields[i];
		if (!listed(fi))
			continue;
		if (fi->flags & FLD_F_IS_LIST)
			fprintf(out, "`%s` | LIST(%s) | %s\n", fi->name, fld_type_name(fi->type), fi->desc);
		else
			fprintf(out, "`%s` | %s | %s\n", fi->name, fld_type_name(fi->type), fi->desc);
	}
	fputc('\n', out);
}

/* One class as JSON, keys sorted as upstream's writer leaves them. */
static void print_json(FILE *out, const struct fld_class *c, const char *const *srcs, size_t ns,
                       bool first)
{
	fprintf(out, "%s    {\n", first ? "" : ",\n");
	if (c->desc && *c->desc) {
		fprintf(out, "      \"desc\": ");
		json_str(out, c->desc);
		fprintf(out, ",\n");
	}
	if (ns) {
		fprintf(out, "      \"event_sources\": [\n");
		for (size_t i = 0; i < ns; i++) {
			fprintf(out, "        ");
			json_str(out, srcs[i]);
			fprintf(out, "%s\n", i + 1 < ns ? "," : "");
		}
		fprintf(out, "      ],\n");
	}
	fprintf(out, "      \"fields\": [");
	bool any = false;
	for (uint32_t i = 0; i < c->nfields; i++) {
		const struct fld_info *fi = &c->fields[i];
		if (!listed(fi))
			continue;
		fprintf(out, "%s\n        {\n          \"argument\": ", any ? "," : "");
		any = true;
		uint32_t f = fi->flags;
		if (f & (FLD_F_ARG_REQUIRED | FLD_F_ARG_ALLOWED)) {
			bool idx = f & FLD_F_ARG_INDEX, key = f & FLD_F_ARG_KEY;
			fprintf(out, "{\n            \"required\": %s,\n            \"type\": %s",
			        f & FLD_F_ARG_REQUIRED ? "true" : "false", idx || key ? "[" : "[]");
			if (idx || key)
				fprintf(out, "\n%s%s%s\n            ]", idx ? "              \"INDEX\"" : "",
				        idx && key ? ",\n" : "", key ? "              \"KEY\"" : "");
			fprintf(out, "\n          },\n");
		} else {
			fprintf(out, "null,\n");
		}
		fprintf(out, "          \"desc\": ");
		json_str(out, fi->desc ? fi->desc : "");
		fprintf(out, ",\n          \"is_list\": %s,\n          \"name\": ",
		        f & FLD_F_IS_LIST ? "true" : "false");
		json_str(out, fi->name);
		fprintf(out, ",\n          \"type\": ");
		json_str(out, fld_type_name(fi->type));
		fprintf(out, "\n        }");
	}
	fprintf(out, "%s],\n      \"name\": ", any ? "\n      " : "");
	json_str(out, c->name);
	fprintf(out, "\n    }");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int fld_list(FILE *out, const struct fld_reg *reg, const char *const *sources, const char *only,
             enum fld_list_fmt fmt, bool verbose, bool names_only)
{
	const struct fld_class *c;
	bool first = true, any_names = false;
	if (fmt == FLD_LIST_JSON)
		fprintf(out, "{\n  \"%s\": [\n", names_only ? "fieldnames" : "fieldclasses");
	for (uint32_t i = 0; (c = fld_reg_class(reg, i)); i++) {
		if (c->flags & FLD_CLS_HIDDEN)
			continue;
		const char *srcs[64];
		size_t ns = 0;
		for (size_t k = 0; sources && sources[k] && ns < 64; k++)
			if ((!only || !strcmp(only, sources[k])) && fld_class_has_source(c, sources[k]))
				srcs[ns++] = sources[k];
		if (ns == 0)
			continue;
		qsort(srcs, ns, sizeof srcs[0], cmp_str);
		if (names_only) {
			for (uint32_t f = 0; f < c->nfields; f++) {
				if (!listed(&c->fields[f]))
					continue;
				if (fmt == FLD_LIST_JSON) {
					fprintf(out, "%s    ", any_names ? ",\n" : "");
					json_str(out, c->fields[f].name);
				} else {
					fprintf(out, "%s\n", c->fields[f].name);
				}
				any_names = true;
			}
			continue;
		}
		if (fmt == FLD_LIST_TEXT)
			print_text(out, c, srcs, ns, verbose);
		else if (fmt == FLD_LIST_MARKDOWN)
			print_markdown(out, c, srcs, ns);
		else
			print_json(out, c, srcs, ns, first);
		first = false;
	}
	if (fmt == FLD_LIST_JSON)
		fprintf(out, "\n  ]\n}\n");
	return 0;
}
