/*
 * The filter parser against upstream's behaviour: the acceptance corpus in
 * parser_cases.txt, tree shapes in upstream's canonical text form, node
 * positions, error messages and positions, and every string escape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "filter/filter.h"

static bool accepts(const char *s)
{
	struct flt_error err;
	struct flt_node *n = flt_parse(s, NULL, &err, NULL);
	flt_node_free(n);
	return n != NULL;
}

static size_t decode(const char *in, char *out)
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
		else if (*p == 't')
			out[n++] = '\t';
		else if (*p == 'x') {
			unsigned v;
			sscanf(p + 1, "%2x", &v);
			out[n++] = (char)v;
			p += 2;
		} else
			out[n++] = *p;
	}
	out[n] = '\0';
	return n;
}

static void replace_all(char *s, char from, char to)
{
	for (; *s; s++)
		if (*s == from)
			*s = to;
}

/* Every case of the corpus, with upstream's whitespace variations. */
static void test_corpus(void **st)
{
	(void)st;
	char path[4096], line[8192], in[8192], v[8200];
	const char *dir = getenv("CASES_DIR");
	snprintf(path, sizeof path, "%s/parser_cases.txt", dir ? dir : ".");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	int n = 0, bad = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		decode(line + 2, in);
		bool want = line[0] != 'R';
		n++;
		if (accepts(in) != want) {
			bad++;
			fprintf(stderr, "case %c [%s]: got %s\n", line[0], in, want ? "reject" : "accept");
		}
		if (line[0] != 'A')
			continue;
		snprintf(v, sizeof v, " %s ", in);
		if (!accepts(v))
			bad++, fprintf(stderr, "padded [%s] rejected\n", v);
		replace_all(v, ' ', '\n');
		if (!accepts(v))
			bad++, fprintf(stderr, "newlines [%s] rejected\n", v);
		replace_all(v, '\n', '\t');
		if (!accepts(v))
			bad++, fprintf(stderr, "tabs [%s] rejected\n", v);
	}
	fclose(f);
	fprintf(stderr, "parser corpus: %d cases, %d mismatches\n", n, bad);
	assert_true(n > 500);
	assert_int_equal(bad, 0);
}

static void expect_str(const char *in, const char *want)
{
	struct flt_error err;
	struct flt_node *n = flt_parse(in, NULL, &err, NULL);
	if (!n)
		fail_msg("[%s] rejected: %s", in, err.msg);
	char *s = flt_node_str(n);
	if (strcmp(s, want) != 0)
		fail_msg("[%s] gave [%s], want [%s]", in, s, want);
	free(s);
	flt_node_free(n);
}

/* Tree shapes, written in upstream's as_string form (hand-derived from its
 * grammar: and binds tighter than or, `not` applies to one check). */
static void test_shapes(void **st)
{
	(void)st;
	expect_str("evt.name exists and evt.type in (a, b) or proc.name=cat",
	           "((evt.name exists and evt.type in (a, b)) or proc.name = cat)");
	expect_str("a or b and c", "(a or (b and c))");
	expect_str("a and b or c and d", "((a and b) or (c and d))");
	expect_str("not a and b", "(not a and b)");
	expect_str("not (a and b)", "not (a and b)");
	expect_str("not not a", "a");
	expect_str("not not not a", "not a");
	expect_str("not not not not not(not not(not not_macro))", "not not not_macro");
	expect_str("a and (b or c)", "(a and (b or c))");
	expect_str("a and(b or c)", "(a and (b or c))");
	expect_str("((a))", "a");
	expect_str("b64(evt.name) exists and tolower(toupper(evt.type)) in val(some.field) or "
	           "proc.name=b64(tolower(some.field))",
	           "((b64(evt.name) exists and tolower(toupper(evt.type)) in val(some.field)) or "
	           "proc.name = b64(tolower(some.field)))");
	expect_str("getopt(proc.args, \"nt:\")[t] = value", "getopt(proc.args,nt:)[t] = value");
	expect_str("getopt(proc.args, \"nt:\")[\"t\"] = value", "getopt(proc.args,nt:)[t] = value");
	expect_str("evt.arg[0] = value", "evt.arg[0] = value");
	expect_str("evt.arg[\"key with space\"] = value", "evt.arg[\"key with space\"] = value");
	expect_str("test.str[\"\"] = x", "test.str[\"\"] = x");
	expect_str("proc.name == oneof (cat, nginx)", "proc.name == oneof (cat, nginx)");
	expect_str("proc.name contains anyof (a)", "proc.name contains anyof (a)");
	expect_str("proc.name == oneof my_list", "proc.name == oneof my_list");
	expect_str("proc.name == anyof and fd.name exists", "(proc.name == anyof and fd.name exists)");
	expect_str("proc.name == oneof", "proc.name == oneof");
	expect_str("proc.name inx", "proc.name in x");
	expect_str("a.b in ()", "a.b in ()");
	
	expect_str("join(\"-\", (fd.name, 'x', 3)) = a", "join(-,(fd.name,x,3)) = a");
	expect_str("fd.name=*.log", "fd.name = *.log");
	expect_str("x.y = 'a b'", "x.y = \"a b\"");
	expect_str("x.y = \"q\\\"q\"", "x.y = \"q\\\"q\"");
	expect_str("x.y contains 'runc:[0:PARENT]'", "x.y contains runc:[0:PARENT]");
	expect_str("x.y in (runc:[0:PARENT], a)", "x.y in (runc:[0:PARENT], a)");
}

/* Node positions, in the `kind idx line col` walk that upstream's tests use. */
static void walk_pos(const struct flt_node *n, char *buf, size_t cap)
{
	static const char *const names[] = {
		[FLT_AND] = "and", [FLT_OR] = "or", [FLT_NOT] = "not", [FLT_IDENT] = "identifier",
		[FLT_VALUE] = "value", [FLT_LIST] = "list", [FLT_TLIST] = "transformer_list",
		[FLT_UNARY] = "unary", [FLT_BINARY] = "binary", [FLT_FIELD] = "field",
		[FLT_TRANSFORMER] = "transformer",
	};
	size_t l = strlen(buf);
	snprintf(buf + l, cap - l, "%s%u %u %u", names[n->kind], n->pos.idx, n->pos.line, n->pos.col);
	if (n->kind == FLT_TLIST)
		return;
	for (uint32_t i = 0; i < n->nkids; i++)
		walk_pos(n->kids[i], buf, cap);
}

static void expect_pos(const char *in, const char *want)
{
	struct flt_error err;
	char buf[4096] = "";
	struct flt_node *n = flt_parse(in, NULL, &err, NULL);
	assert_non_null(n);
	walk_pos(n, buf, sizeof buf);
	if (strcmp(buf, want) != 0)
		fail_msg("[%s]\n got %s\nwant %s", in, buf, want);
	flt_node_free(n);
}

static void test_positions(void **st)
{
	(void)st;
	expect_pos("proc.name exists", "unary0 1 1field0 1 1");
	expect_pos("proc.name=nginx", "binary0 1 1field0 1 1value10 1 11");
	expect_pos("proc.aname[3]=nginx", "binary0 1 1field0 1 1value14 1 15");
	expect_pos("proc.name =nginx", "binary0 1 1field0 1 1value11 1 12");
	expect_pos("proc.name = nginx", "binary0 1 1field0 1 1value12 1 13");
	expect_pos("proc.name in ( nginx, apache)", "binary0 1 1field0 1 1list13 1 14");
	expect_pos("not proc.name=nginx", "not0 1 1binary4 1 5field4 1 5value14 1 15");
	expect_pos("(proc.name=nginx or proc.name=apache)",
	           "or1 1 2binary1 1 2field1 1 2value11 1 12binary20 1 21field20 1 21value30 1 31");
	expect_pos("(proc.aname[2]=nginx and evt.type in (connect,accept)) or (not fd.name exists) or "
	           "(proc.name=apache and evt.type=switch)",
	           "or0 1 1and1 1 2binary1 1 2field1 1 2value15 1 16binary25 1 26field25 1 26list37 "
	           "1 38not59 1 60unary63 1 64field63 1 64and83 1 84binary83 1 84field83 1 84value93 "
	           "1 94binary104 1 105field104 1 105value113 1 114");
	expect_pos("\n(proc.aname[2]=nginx\n     and evt.type in (connect,accept))\n"
	           "   or (not fd.name exists)\n   or (proc.name=apache\n       and evt.type=switch)",
	           "or0 1 1and2 2 2binary2 2 2field2 2 2value16 2 16binary31 3 10field31 3 10list43 "
	           "3 22not68 4 8unary72 4 12field72 4 12and95 5 8binary95 5 8field95 5 8value105 5 "
	           "18binary123 6 12field123 6 12value132 6 21");
	expect_pos("b64(evt.name) exists and tolower(toupper(evt.type)) in val(some.field) or "
	           "proc.name=b64(tolower(some.field))",
	           "or0 1 1and0 1 1unary0 1 1transformer0 1 1field4 1 5binary25 1 26transformer25 1 "
	           "26transformer33 1 34field41 1 42transformer55 1 56field59 1 60binary74 1 "
	           "75field74 1 75transformer84 1 85transformer88 1 89field96 1 97");
	expect_pos("proc.name == oneof (cat)", "binary0 1 1field0 1 1list19 1 20");

	struct flt_pos end;
	struct flt_error err;
	struct flt_node *n = flt_parse("a \n and \n not \n b", NULL, &err, &end);
	assert_non_null(n);
	assert_int_equal(end.idx, 17);
	assert_int_equal(end.line, 4);
	assert_int_equal(end.col, 3);
	flt_node_free(n);
}

static void expect_err(const char *in, const char *msg, int idx)
{
	struct flt_error err;
	struct flt_node *n = flt_parse(in, NULL, &err, NULL);
	if (n)
		fail_msg("[%s] accepted", in);
	if (strcmp(err.msg, msg) != 0)
		fail_msg("[%s] message\n got %s\nwant %s", in, err.msg, msg);
	if (idx >= 0 && (int)err.pos.idx != idx)
		fail_msg("[%s] error at %u, want %d", in, err.pos.idx, idx);
}

/* Messages are upstream's; positions are where its parser stands when it
 * throws (after the last token and the blanks it consumed). */
static void test_errors(void **st)
{
	(void)st;
	char *deep = malloc(100001);
	memset(deep, '(', 100000);
	deep[100000] = '\0';
	expect_err(deep, "exceeded max depth limit of 100", -1);
	free(deep);
	expect_err("", "filter input string is empty", 0);
	expect_err("evt.arg[] = value", "expected a valid field argument: a quoted string or a bare string", 8);
	expect_err("evt.arg[\"x\" = value", "expected a ']' token", 11);
	expect_err("getopt(proc.args, \"nt:\")[] = value",
	           "expected a valid field argument: a quoted string or a bare string", -1);
	expect_err("fd.name = /etc/ld.so.cache or", "expected blank or '(' after 'or'", 29);
	expect_err("fd.name = x or ", "expected a '(' token, a field check, or an identifier", 15);
	expect_err("(evt.type = open", "expected a ')' token", 16);
	expect_err("evt.type = open)", "unexpected token after 'open', expecting 'or', 'and'", 15);
	expect_err("proc.name =", "expected a string value or a field with a valid transformer: "
	           "'val', 'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'", 11);
	expect_err("a.b > x", "expected a number value or a field with a valid transformer: "
	           "'val', 'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'", 6);
	expect_err("a.b in", "expected a list, an identifier, or a field with a valid transformer: "
	           "'val', 'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'", 6);
	expect_err("a.b xx 1", "expected a valid check operator: one of 'exists', '<=', '<', '>=', '>', "
	           "'==', '=', '!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', "
	           "'startswith', 'bstartswith', 'endswith', 'regex', 'intersects', 'in', 'pmatch'", 4);
	expect_err("a andb", "expected blank or '(' after 'and'", 5);
	expect_err("a orb", "expected blank or '(' after 'or'", 4);
	expect_err("a.b = val(x)", "expected a field within 'val' transformer", 10);
	expect_err("a.b = val(x.y", "expected a ')' token closing the transformer", 13);
	expect_err("b64(x.y exists", "expected a ')' token closing the transformer", 8);
	expect_err("b64(1x) = 1", "expected a ')' token closing the transformer", 5);
	expect_err("b64(,) = 1", "expected field transformer argument: "
	           "field, transformer, quoted string, number, or transformer list", 4);
	expect_err("join(\"-\", (macro)) = a", "expected transformer list argument: "
	           "field, transformer, quoted string, or number", 11);
	expect_err("join(\"-\", (a.b,)) = a", "expected transformer list argument: "
	           "field, transformer, quoted string, or number", 15);
	expect_err("join(\"-\", (a.b x)) = a", "expected ')'", 15);
	expect_err("a.b in (x,)", "expected a string value", 10);
	expect_err("a.b in (x", "expected a ')' token", 9);
	expect_err("a.b == oneof (x", "expected a ')' token", 15);
	expect_err("a.b == oneof )", "unexpected token after 'oneof', expecting 'or', 'and'", 13);
	/* escapes */
	expect_err("a.b = \"\\q\"", "unsupported string escape sequence: \\q", 10);
	expect_err("a.b = '\\\"'", "invalid \\\" escape in '-quoted string", -1);
	expect_err("a.b = \"\\'\"", "invalid \\' escape in \"-quoted string", -1);
	expect_err("a.b = \"\\x4\"", "truncated hex char escape sequence", -1);
	expect_err("a.b = \"\\xzz\"", "invalid hex char escape sequence: zz", -1);
	/* an unterminated quote is not a string; the bare-string lexer cannot
	 * start at a quote either */
	expect_err("a.b = 'abc", "expected a string value or a field with a valid transformer: "
	           "'val', 'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'", 6);
	/* a quoted list item that fails to unescape makes upstream treat the list
	 * as empty (its parser swallows the error) */
	assert_true(accepts("a.b in (\"\\q\")"));
}

static void check_value(const char *in, const char *want, size_t wantlen)
{
	struct flt_error err;
	struct flt_node *n = flt_parse(in, NULL, &err, NULL);
	if (!n)
		fail_msg("[%s] rejected: %s", in, err.msg);
	assert_int_equal(n->kind, FLT_BINARY);
	const struct flt_node *v = n->kids[1];
	assert_int_equal(v->kind, FLT_VALUE);
	assert_int_equal(v->len, wantlen);
	assert_memory_equal(v->str, want, wantlen);
	flt_node_free(n);
}

static void test_escapes(void **st)
{
	(void)st;
	check_value("a.b = \"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t", 5);
	check_value("a.b = '\\\\ \\/'", "\\ /", 3);
	check_value("a.b = \"a\\ b\"", "a\\b", 3);
	check_value("a.b = \"\\x41\\x00z\"", "A\0z", 3);
	check_value("a.b = \"\\\"\"", "\"", 1);
	check_value("a.b = '\\''", "'", 1);
	check_value("a.b = 'mixed \"'", "mixed \"", 7);
	check_value("a.b = \"\"", "", 0);
	check_value("a.b = 0x1F", "0x1F", 4);
	check_value("a.b > -1.5e+3", "-1.5e+3", 7);
	check_value("a.b = 0a!@#456:/\\.;!$%^&*[]{}|", "0a!@#456:/\\.;!$%^&*[]{}|", 24);
	/* a quote right after a backslash never closes: the string continues */
	check_value("a.b = 'x \\\\''", "x \\'", 4);
}

static void test_depth_option(void **st)
{
	(void)st;
	char buf[2100];
	struct flt_error err;
	memset(buf, (int)'(', 150);
	buf[150] = 'a';
	memset(buf + 151, ')', 150);
	buf[301] = 0;
	assert_null(flt_parse(buf, NULL, &err, NULL));
	struct flt_parse_opts o = {.max_depth = 1000};
	struct flt_node *n = flt_parse(buf, &o, &err, NULL);
	assert_non_null(n);
	assert_int_equal(n->kind, FLT_IDENT);
	flt_node_free(n);
	/* partial parsing stops at the first token that cannot continue */
	struct flt_pos end;
	struct flt_parse_opts part = {.partial = true};
	n = flt_parse("a.b = 1 garbage", &part, &err, &end);
	assert_non_null(n);
	assert_int_equal(end.idx, 8);
	flt_node_free(n);
}

static void test_parse_field(void **st)
{
	(void)st;
	struct flt_error err;
	size_t used;
	struct flt_node *n = flt_parse_field("proc.aname[2] rest", &err, &used);
	assert_non_null(n);
	assert_int_equal(used, 13);
	assert_string_equal(n->arg, "2");
	flt_node_free(n);
	n = flt_parse_field("tolower(proc.name)x", &err, &used);
	assert_non_null(n);
	assert_int_equal(used, 18);
	flt_node_free(n);
	assert_null(flt_parse_field("notafield", &err, &used));
}

static void test_clone_and_ops(void **st)
{
	(void)st;
	struct flt_error err;
	struct flt_node *n = flt_parse("a.b in (x, y) and not c.d[1] = z or m", NULL, &err, NULL);
	assert_non_null(n);
	struct flt_node *c = flt_node_clone(n);
	char *s1 = flt_node_str(n), *s2 = flt_node_str(c);
	assert_string_equal(s1, s2);
	free(s1);
	free(s2);
	flt_node_free(n);
	flt_node_free(c);

	enum flt_op op;
	enum flt_mod mod;
	assert_true(flt_op_parse("==", &op, &mod));
	assert_int_equal(op, FLT_OP_EQ);
	assert_true(flt_op_parse("contains anyof", &op, &mod));
	assert_int_equal(op, FLT_OP_CONTAINS);
	assert_int_equal(mod, FLT_MOD_ANYOF);
	assert_true(flt_op_parse("bstartswith", &op, &mod));
	assert_int_equal(op, 17);
	assert_false(flt_op_parse("nope", &op, &mod));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),      cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_positions),   cmocka_unit_test(test_errors),
		cmocka_unit_test(test_escapes),     cmocka_unit_test(test_depth_option),
		cmocka_unit_test(test_parse_field), cmocka_unit_test(test_clone_and_ops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
