/*
 * Test plugin "tabler": parsing + extraction over the host's `threads`
 * table, written against our plugin_api/ headers only. It uses the table
 * API the way the container plugin and the C++ SDK do:
 *  init:  get_table("threads", INT64); fields tid (INT64), comm (STRING),
 *         cgroups (TABLE); adds the dynamic field "tabler_tag" (STRING);
 *         reaches the cgroups subtable's field "second" through a detached
 *         entry (create_table_entry, read cgroups, destroy_table_entry);
 *         asks for tid as UINT64 (wrong type: must fail; the owner error is
 *         kept for tabler.err).
 *  parse_event (plugin events of source "counter"), payload
 *         "TID TAG"          writes tabler_tag of thread TID;
 *         "add TID COMM"     creates a detached entry, writes comm, adds it.
 *  fields tabler.tag[TID], tabler.comm[TID] (strings), tabler.count (table
 *         size), tabler.iter (entries seen by iterate_entries), tabler.err,
 *         tabler.book[N]: the title of book N of the "books" table (key
 *         UINT64) when another plugin offers one (the shelf test plugin).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_api.h"
#include "plugin_events.h"

struct state {
	char err[PLUGIN_MAX_ERRLEN];
	char bad_field_err[PLUGIN_MAX_ERRLEN];
	ss_plugin_owner_t *owner;
	const char *(*owner_err)(ss_plugin_owner_t *);
	ss_plugin_table_t *threads;
	ss_plugin_table_field_t *f_tid, *f_comm, *f_cg, *f_tag, *f_second;
	ss_plugin_table_t *books;
	ss_plugin_table_field_t *f_title;
	char text[256];
	const char *str;
	uint64_t u64;
};

const char *plugin_get_required_api_version(void) { return "3.10.0"; }
const char *plugin_get_version(void) { return "0.1.0"; }
const char *plugin_get_name(void) { return "tabler"; }
const char *plugin_get_description(void) { return "uses the threads table"; }
const char *plugin_get_contact(void) { return "tests"; }
const char *plugin_get_last_error(ss_plugin_t *s) { return ((struct state *)s)->err; }
void plugin_destroy(ss_plugin_t *s) { free(s); }

static int init_fail(struct state *s, const char *what)
{
	const char *oe = s->owner_err(s->owner);
	snprintf(s->err, sizeof(s->err), "%s: %s", what, oe ? oe : "(no owner error)");
	return 0;
}

static int setup(struct state *s, const ss_plugin_init_input *in)
{
	const ss_plugin_init_tables_input *t = in->tables;
	uint32_t n = 0;
	ss_plugin_table_info *list = t->list_tables(in->owner, &n);
	if (!list || n < 1 || strcmp(list[0].name, "threads") != 0 || list[0].key_type != SS_PLUGIN_ST_INT64)
		return init_fail(s, "list_tables");
	if (!(s->threads = t->get_table(in->owner, "threads", SS_PLUGIN_ST_INT64)))
		return init_fail(s, "get_table");
	if (t->fields_ext->get_table_field(s->threads, "tid", SS_PLUGIN_ST_UINT64) == NULL)
		snprintf(s->bad_field_err, sizeof(s->bad_field_err), "%s", s->owner_err(s->owner));
	s->f_tid = t->fields_ext->get_table_field(s->threads, "tid", SS_PLUGIN_ST_INT64);
	s->f_comm = t->fields_ext->get_table_field(s->threads, "comm", SS_PLUGIN_ST_STRING);
	s->f_cg = t->fields_ext->get_table_field(s->threads, "cgroups", SS_PLUGIN_ST_TABLE);
	s->f_tag = t->fields_ext->add_table_field(s->threads, "tabler_tag", SS_PLUGIN_ST_STRING);
	if (!s->f_tid || !s->f_comm || !s->f_cg || !s->f_tag)
		return init_fail(s, "fields");
	ss_plugin_table_entry_t *e = t->writer_ext->create_table_entry(s->threads);
	ss_plugin_state_data d;
	if (!e || t->reader_ext->read_entry_field(s->threads, e, s->f_cg, &d) != SS_PLUGIN_SUCCESS) {
		if (e)
			t->writer_ext->destroy_table_entry(s->threads, e);
		return init_fail(s, "detached entry");
	}
	s->f_second = t->fields_ext->get_table_field(d.table, "second", SS_PLUGIN_ST_STRING);
	t->writer_ext->destroy_table_entry(s->threads, e);
	if ((s->books = t->get_table(in->owner, "books", SS_PLUGIN_ST_UINT64)) != NULL)
		s->f_title = t->fields_ext->get_table_field(s->books, "title", SS_PLUGIN_ST_STRING);
	return s->f_second ? 1 : init_fail(s, "subtable field");
}

ss_plugin_t *plugin_init(const ss_plugin_init_input *in, ss_plugin_rc *rc)
{
	struct state *s = calloc(1, sizeof(*s));
	s->owner = in->owner;
	s->owner_err = in->get_owner_last_error;
	*rc = setup(s, in) ? SS_PLUGIN_SUCCESS : SS_PLUGIN_FAILURE;
	return s;
}

const char *plugin_get_parse_event_sources(void) { return "[\"counter\"]"; }
const char *plugin_get_extract_event_sources(void) { return "[\"counter\"]"; }

ss_plugin_rc plugin_parse_event(ss_plugin_t *st, const ss_plugin_event_input *evt, const ss_plugin_event_parse_input *in)
{
	struct state *s = st;
	uint32_t len;
	const char *p = plugin_evt_payload(evt->evt, &len);
	char buf[128], a[64], b[64];
	snprintf(buf, sizeof(buf), "%.*s", (int)(len < 127 ? len : 127), p);
	long long tid;
	ss_plugin_state_data key, v;
	if (sscanf(buf, "add %lld %63s", &tid, a) == 2) {
		ss_plugin_table_entry_t *e = in->table_writer_ext->create_table_entry(s->threads);
		v.str = a;
		key.s64 = tid;
		if (!e || in->table_writer_ext->write_entry_field(s->threads, e, s->f_comm, &v) != SS_PLUGIN_SUCCESS ||
		    !in->table_writer_ext->add_table_entry(s->threads, &key, e)) {
			snprintf(s->err, sizeof(s->err), "add: %s", in->get_owner_last_error(in->owner));
			return SS_PLUGIN_FAILURE;
		}
		return SS_PLUGIN_SUCCESS;
	}
	if (sscanf(buf, "%lld %63s", &tid, b) != 2)
		return SS_PLUGIN_SUCCESS;
	key.s64 = tid;
	ss_plugin_table_entry_t *e = in->table_reader_ext->get_table_entry(s->threads, &key);
	if (!e) {
		snprintf(s->err, sizeof(s->err), "no thread %lld: %s", tid, in->get_owner_last_error(in->owner));
		return SS_PLUGIN_FAILURE;
	}
	v.str = b;
	ss_plugin_rc rc = in->table_writer_ext->write_entry_field(s->threads, e, s->f_tag, &v);
	in->table_reader_ext->release_table_entry(s->threads, e);
	return rc;
}

const char *plugin_get_fields(void)
{
	return "[{\"type\":\"string\",\"name\":\"tabler.tag\",\"desc\":\"tag\",\"arg\":{\"isRequired\":true,\"isIndex\":true}},"
	       "{\"type\":\"string\",\"name\":\"tabler.comm\",\"desc\":\"comm\",\"arg\":{\"isRequired\":true,\"isIndex\":true}},"
	       "{\"type\":\"uint64\",\"name\":\"tabler.count\",\"desc\":\"threads\"},"
	       "{\"type\":\"uint64\",\"name\":\"tabler.iter\",\"desc\":\"threads iterated\"},"
	       "{\"type\":\"string\",\"name\":\"tabler.err\",\"desc\":\"error of a wrong field type\"},"
	       "{\"type\":\"string\",\"name\":\"tabler.book\",\"desc\":\"a title\",\"arg\":{\"isRequired\":true,\"isIndex\":true}}]";
}

static ss_plugin_bool count_one(ss_plugin_table_iterator_state_t *st, ss_plugin_table_entry_t *e)
{
	(void)e;
	(*(uint64_t *)st)++;
	return 1;
}

ss_plugin_rc plugin_extract_fields(ss_plugin_t *st, const ss_plugin_event_input *evt,
                                   const ss_plugin_field_extract_input *in)
{
	struct state *s = st;
	(void)evt;
	for (uint32_t i = 0; i < in->num_fields; i++) {
		ss_plugin_extract_field *f = &in->fields[i];
		ss_plugin_state_data key = {.s64 = (int64_t)f->arg_index}, v;
		f->res_len = 0;
		if (f->field_id <= 1) {
			ss_plugin_table_entry_t *e = in->table_reader_ext->get_table_entry(s->threads, &key);
			if (!e)
				continue;
			if (in->table_reader_ext->read_entry_field(s->threads, e, f->field_id ? s->f_comm : s->f_tag, &v) ==
			    SS_PLUGIN_SUCCESS) {
				snprintf(s->text, sizeof(s->text), "%s", v.str);
				s->str = s->text;
				f->res.str = &s->str;
				f->res_len = 1;
			}
			in->table_reader_ext->release_table_entry(s->threads, e);
		} else if (f->field_id == 2 || f->field_id == 3) {
			s->u64 = 0;
			if (f->field_id == 2)
				s->u64 = in->table_reader_ext->get_table_size(s->threads);
			else
				in->table_reader_ext->iterate_entries(s->threads, count_one, &s->u64);
			f->res.u64 = &s->u64;
			f->res_len = 1;
		} else if (f->field_id == 5) {
			ss_plugin_state_data bk = {.u64 = f->arg_index};
			ss_plugin_table_entry_t *e = s->books ? in->table_reader_ext->get_table_entry(s->books, &bk) : NULL;
			if (e && in->table_reader_ext->read_entry_field(s->books, e, s->f_title, &v) == SS_PLUGIN_SUCCESS) {
				snprintf(s->text, sizeof(s->text), "%s", v.str);
				s->str = s->text;
				f->res.str = &s->str;
				f->res_len = 1;
			}
		} else {
			s->str = s->bad_field_err;
			f->res.str = &s->str;
			f->res_len = 1;
		}
	}
	return SS_PLUGIN_SUCCESS;
}
