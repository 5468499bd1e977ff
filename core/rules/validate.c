/*
 * `falco -V FILE...`: every file read and collected in order into one
 * collection (later files see earlier definitions, as upstream's engine
 * keeps them), a result per file, then upstream's report: the text summary
 * (files with only warnings print "NAME: Ok, with warnings" and send their
 * details to the log stream), or one JSON object for all files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"

static int report(const struct rules_set *s, bool json, FILE *out, FILE *log)
{
	bool ok = true;
	if (json)
		fputs("{\"falco_load_results\":[", out);
	for (size_t i = 0; i < s->nresults; i++) {
		const struct rules_result *r = &s->results[i];
		ok &= r->ok;
		if (json) {
			if (i)
				fputc(',', out);
			rules_result_print_json(out, r, s->contents[i], s->lengths[i]);
			continue;
		}
		if (i)
			fputc('\n', out);
		if (!r->ok || !r->nwarns) {
			rules_result_print_text(out, r, s->contents[i], s->lengths[i]);
		} else {
			fprintf(out, "%s: Ok, with warnings", r->name);
			if (log) {
				rules_result_print_text(log, r, s->contents[i], s->lengths[i]);
				fputc('\n', log);
			}
		}
	}
	fputs(json ? "]}\n" : "\n", out);
	return ok ? 0 : 1;
}

int rules_validate(const char *const *files, size_t n, const struct rules_validate_opts *o,
		   bool json, FILE *out, FILE *log, char *err, size_t errlen)
{
	/* Every file is read first: one that cannot be opened is fatal. */
	for (size_t i = 0; i < n; i++) {
		FILE *f = fopen(files[i], "rb");
		if (!f) {
			snprintf(err, errlen, "Could not open file %s for reading", files[i]);
			return -EINVAL;
		}
		fclose(f);
	}
	struct rules_set *s = rules_set_new();
	struct rules_collection *c = rules_collection_new(o ? &o->collect : NULL);
	if (!s || !c) {
		rules_set_free(s);
		rules_collection_free(c);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->on_item = rules_collect_item;
	s->on_item_ud = c;
	int rc = 0;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		int r = rules_set_read_file(s, files[i]);
		if (r == -ENOMEM) {
			snprintf(err, errlen, "out of memory");
			rc = -ENOMEM;
		} else if (o && o->after_file) {
			/* The compiler's turn (and the plugin requirement check):
			 * errors go into the file's result; < 0 is fatal. */
			rc = o->after_file(s, c, s->nresults - 1, o->ud, err, errlen);
		}
	}
	if (rc >= 0)
		rc = report(s, json, out, log);
	rules_collection_free(c);
	rules_set_free(s);
	return rc;
}
