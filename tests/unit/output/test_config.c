/*
 * The seam with core/config: a falco.yaml (keys as upstream documents them
 * in its default falco.yaml) read by core/config lands in out_config.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "output/output.h"

static const char yaml[] =
        "json_output: true\n"
        "json_include_message_property: true\n"
        "json_include_tags_property: false\n"
        "time_format_iso_8601: true\n"
        "buffered_outputs: true\n"
        "outputs_queue:\n  capacity: 10\n"
        "output_timeout: 500\n"
        "stdout_output:\n  enabled: false\n"
        "syslog_output:\n  enabled: false\n"
        "file_output:\n  enabled: true\n  keep_alive: true\n  filename: /tmp/x.txt\n"
        "program_output:\n  enabled: true\n  keep_alive: false\n  program: \"jq '{text: .output}'\"\n"
        "http_output:\n  enabled: true\n  url: http://127.0.0.1:2801/\n  user_agent: ua\n"
        "  insecure: true\n  echo: true\n  compress_uploads: true\n  keep_alive: true\n"
        "  max_consecutive_timeouts: 3\n"
        "append_output:\n"
        "  - match:\n      source: syscall\n      tags: [a, b]\n      rule: R\n"
        "    extra_output: \"x=%proc.name\"\n"
        "    extra_fields:\n      - k: \"%proc.pid\"\n      - proc.name\n"
        "  - suggested_output: true\n"
        "static_fields:\n  env: prod\n";

static void test_from_falco(void **st)
{
	(void)st;
	struct falco_config *fc = NULL;
	struct cfg_err err = {0};
	if (cfg_load_string(yaml, "t.yaml", NULL, 0, &fc, NULL, &err))
		fail_msg("%s", err.msg);
	struct out_config oc;
	assert_int_equal(out_config_from_falco(&oc, fc, false, "%evt.num"), 0);
	assert_true(oc.json_output);
	assert_true(oc.json_include_message_property);
	assert_false(oc.json_include_tags_property);
	assert_true(oc.json_include_output_property);
	assert_true(oc.time_format_iso_8601);
	assert_true(oc.buffered_outputs);
	assert_int_equal(oc.queue_capacity, 10);
	assert_int_equal(oc.output_timeout_ms, 500);
	assert_false(oc.stdout_enabled);
	assert_false(oc.syslog_enabled);
	assert_true(oc.file_enabled && oc.file_keep_alive);
	assert_string_equal(oc.file_filename, "/tmp/x.txt");
	assert_true(oc.program_enabled && !oc.program_keep_alive);
	assert_string_equal(oc.program, "jq '{text: .output}'");
	assert_true(oc.http.enabled && oc.http.insecure && oc.http.echo && oc.http.compress_uploads &&
	            oc.http.keep_alive);
	assert_string_equal(oc.http.url, "http://127.0.0.1:2801/");
	assert_string_equal(oc.http.user_agent, "ua");
	assert_int_equal(oc.http.max_consecutive_timeouts, 3);
	assert_string_equal(oc.print_format, "%evt.num");
	assert_int_equal(oc.nappend, 2);
	assert_string_equal(oc.append[0].source, "syscall");
	assert_string_equal(oc.append[0].rule, "R");
	assert_int_equal(oc.append[0].ntags, 2);
	assert_string_equal(oc.append[0].tags[1], "b");
	assert_string_equal(oc.append[0].extra_output, "x=%proc.name");
	assert_int_equal(oc.append[0].nextra_fields, 2);
	assert_string_equal(oc.append[0].extra_fields[0].key, "k");
	assert_string_equal(oc.append[0].extra_fields[0].format, "%proc.pid");
	assert_string_equal(oc.append[0].extra_fields[1].key, "proc.name");
	assert_null(oc.append[0].extra_fields[1].format);
	assert_true(oc.append[1].suggested_output);
	assert_int_equal(oc.nstatic_fields, 1);
	assert_string_equal(oc.static_fields[0].key, "env");
	assert_string_equal(oc.static_fields[0].value, "prod");
	out_config_release(&oc);

	/* -U wins over buffered_outputs */
	assert_int_equal(out_config_from_falco(&oc, fc, true, NULL), 0);
	assert_false(oc.buffered_outputs);
	out_config_release(&oc);
	cfg_free(fc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_falco),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
