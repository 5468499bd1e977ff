/*
 * Compile-time acceptance against upstream: every case of compile_cases.txt
 * (upstream's filter compiler tests: operator/type compatibility, value
 * parsing, right-hand fields, transformers, NUL bytes) compiled with our
 * syscall fields. A case naming a field we do not have (mock fields, or
 * fields core/state does not provide yet) is counted as skipped, never as
 * agreeing. Prints compared / agree / mismatches / skipped; fails on any
 * mismatch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"
#include "state/state.h"

static void decode(const char *in, char *out)
{
	size_t n = 0;
	for (const char *p = in; *p && *p != '\n'; p++) {
		if (*p != '\\') {
			out[n++] = *p;
			continue;
		}
		p++;
		if (*p == 'n')
			out[n++] = '\n';
		else if (*p == 'x') {
			unsigned v;
			sscanf(p + 1, "%2x", &v);
			out[n++] = (char)v;
			p += 2;
		} else
			out[n++] = *p;
	}
	out[n] = '\0';
}

int main(int argc, char **argv)
{
	const char *dir = getenv("CASES_DIR") ? getenv("CASES_DIR") : ".";
	char path[4096], line[4096], in[4096];
	snprintf(path, sizeof path, "%s/compile_cases.txt", dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return 2;
	}
	struct fld_reg *reg = fld_reg_new();
	fld_reg_add_builtin(reg);
	st_fields_register(reg);
	int n = 0, agree = 0, bad = 0, skipped = 0;
	bool verbose = argc > 1 && argv[1][0] == '-';
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		decode(line + 2, in);
		bool want = line[0] == 'C';
		struct flt_error err = {0};
		struct flt_compiler *c = flt_compiler_new(reg, "syscall");
		struct flt_node *ast = flt_parse(in, NULL, &err, NULL);
		struct flt_prog *p = ast ? flt_compile(c, ast, &err) : NULL;
		bool got = p != NULL;
		flt_prog_free(p);
		flt_node_free(ast);
		flt_compiler_free(c);
		n++;
		if (!got && strstr(err.msg, "nonexistent field")) {
			skipped++;
			if (verbose)
				printf("skip     [%s]: %s\n", in, err.msg);
			continue;
		}
		if (got == want) {
			agree++;
			continue;
		}
		bad++;
		printf("MISMATCH [%s]: upstream %s, ours %s%s%s\n", in, want ? "compiles" : "rejects",
		       got ? "compiles" : "rejects: ", got ? "" : err.msg, "");
	}
	fclose(f);
	fld_reg_free(reg);
	printf("compile compat: %d cases, %d agree, %d mismatches, %d skipped (field not available)\n",
	       n, agree, bad, skipped);
	return bad ? 1 : 0;
}
