/*
 * Test plugins the host must refuse (or, for a few, accept), built from
 * this one file with -DVARIANT=<n>. Each variant changes one thing from a
 * minimal valid extraction plugin:
 *   1  no_close       open + next_batch without close         (broken sourcing)
 *   2  extract_only   extract_fields without get_fields       (broken extraction)
 *   3  async_half     set_async_event_handler, no get_async_events (broken async)
 *   4  capture_half   capture_open without capture_close      (broken capture listening)
 *   5  id_no_source   get_id 5 with an empty event source     (broken sourcing)
 *   6  no_caps        only the required functions             (no capability)
 *   7  api_major      requires API 4.0.0
 *   8  api_minor      requires API 3.13.0
 *   9  api_patch      requires API 3.12.1
 *   10 api_garbage    requires API "three"
 *   11 no_contact     lacks plugin_get_contact                 (required symbol)
 *   12 syscall_src    names its source "syscall"
 *   13 bad_field      a field of type "float"
 *   14 schema_none    extracts syscall events, declares no schema version
 *   15 schema_ok      same, declares 4.0.0                     (accepted)
 *   16 schema_newer   same, declares 4.6.0
 *   17 init_fail      init fails with an error message
 *   18 api_same       requires exactly 3.12.0                  (accepted)
 *   19 bad_version    plugin version "1.0"
 *   20 arg_no_kind    isRequired without isIndex or isKey
 *   21 dup_field      two fields with one name            (accepted, as upstream)
 *   22 crasher        extract_fields writes to an unmapped address (accepted;
 *                     used to check crash reports)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_api.h"

#ifndef VARIANT
#error "build with -DVARIANT=n"
#endif

static char err[PLUGIN_MAX_ERRLEN];

const char *plugin_get_required_api_version(void)
{
	switch (VARIANT) {
	case 7: return "4.0.0";
	case 8: return "3.13.0";
	case 9: return "3.12.1";
	case 10: return "three";
	case 18: return "3.12.0";
	default: return "3.3.0";
	}
}

const char *plugin_get_version(void) { return VARIANT == 19 ? "1.0" : "0.0.1"; }
const char *plugin_get_name(void) { return "broken"; }
const char *plugin_get_description(void) { return "refuse me"; }
#if VARIANT != 11
const char *plugin_get_contact(void) { return "tests"; }
#endif

ss_plugin_t *plugin_init(const ss_plugin_init_input *in, ss_plugin_rc *rc)
{
	(void)in;
	if (VARIANT == 17) {
		strcpy(err, "cannot reach the collector at 127.0.0.1:1");
		*rc = SS_PLUGIN_FAILURE;
		return err; /* a state, so the host can read the error */
	}
	*rc = SS_PLUGIN_SUCCESS;
	return err;
}

void plugin_destroy(ss_plugin_t *s) { (void)s; }
const char *plugin_get_last_error(ss_plugin_t *s) { (void)s; return err; }

#if VARIANT != 2 && VARIANT != 6
const char *plugin_get_fields(void)
{
	switch (VARIANT) {
	case 13: return "[{\"type\":\"float\",\"name\":\"b.x\",\"desc\":\"x\"}]";
	case 20: return "[{\"type\":\"string\",\"name\":\"b.x\",\"desc\":\"x\",\"arg\":{\"isRequired\":true}}]";
	case 21: return "[{\"type\":\"string\",\"name\":\"b.x\",\"desc\":\"x\"},{\"type\":\"uint64\",\"name\":\"b.x\",\"desc\":\"y\"}]";
	default: return "[{\"type\":\"string\",\"name\":\"b.x\",\"desc\":\"x\"}]";
	}
}
#endif

#if VARIANT != 6
ss_plugin_rc plugin_extract_fields(ss_plugin_t *s, const ss_plugin_event_input *e, const ss_plugin_field_extract_input *in)
{
	(void)s, (void)e, (void)in;
	if (VARIANT == 22) {
		/* an unmapped page, not NULL: sanitizers stop on NULL stores */
		volatile int *volatile nowhere = (volatile int *)(uintptr_t)64;
		*nowhere = 1;
	}
	return SS_PLUGIN_SUCCESS;
}
#endif

#if VARIANT >= 14 && VARIANT <= 16
const char *plugin_get_extract_event_sources(void) { return "[\"syscall\"]"; }
uint16_t *plugin_get_extract_event_types(uint32_t *n, ss_plugin_t *s)
{
	static uint16_t types[] = {3, 322}; /* open exit, plugin event */
	(void)s;
	*n = 2;
	return types;
}
#endif
#if VARIANT == 15 || VARIANT == 16
const char *plugin_get_required_event_schema_version(ss_plugin_t *s)
{
	(void)s;
	return VARIANT == 15 ? "4.0.0" : "4.6.0";
}
#endif

#if VARIANT == 1 || VARIANT == 5 || VARIANT == 12
ss_instance_t *plugin_open(ss_plugin_t *s, const char *p, ss_plugin_rc *rc)
{
	(void)s, (void)p;
	*rc = SS_PLUGIN_FAILURE;
	return NULL;
}
ss_plugin_rc plugin_next_batch(ss_plugin_t *s, ss_instance_t *h, uint32_t *n, ss_plugin_event ***e)
{
	(void)s, (void)h, (void)e;
	*n = 0;
	return SS_PLUGIN_EOF;
}
#endif
#if VARIANT == 5 || VARIANT == 12
void plugin_close(ss_plugin_t *s, ss_instance_t *h) { (void)s, (void)h; }
uint32_t plugin_get_id(void) { return 5; }
const char *plugin_get_event_source(void) { return VARIANT == 12 ? "syscall" : ""; }
#endif

#if VARIANT == 3
ss_plugin_rc plugin_set_async_event_handler(ss_plugin_t *s, ss_plugin_owner_t *o, const ss_plugin_async_event_handler_t h)
{
	(void)s, (void)o, (void)h;
	return SS_PLUGIN_SUCCESS;
}
#endif

#if VARIANT == 4
ss_plugin_rc plugin_capture_open(ss_plugin_t *s, const ss_plugin_capture_listen_input *i)
{
	(void)s, (void)i;
	return SS_PLUGIN_SUCCESS;
}
#endif
