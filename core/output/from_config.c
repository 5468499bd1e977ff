/* The seam with core/config: falco.yaml's typed config to out_config. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "output/output_int.h"

static int fill_append(struct out_config *oc, const struct falco_config *fc)
{
	struct out_append *a = calloc(fc->n_append_output ? fc->n_append_output : 1, sizeof *a);
	if (!a)
		return -ENOMEM;
	oc->append = a;
	for (size_t i = 0; i < fc->n_append_output; i++, oc->nappend++) {
		const struct cfg_append_output *s = &fc->append_output[i];
		struct out_extra_field *ef = calloc(s->n_fields ? s->n_fields : 1, sizeof *ef);
		if (!ef)
			return -ENOMEM;
		for (size_t k = 0; k < s->n_fields; k++)
			ef[k] = (struct out_extra_field){s->fields[k].name, s->fields[k].fmt};
		a[i] = (struct out_append){
			.source = s->match_source,
			.tags = (const char *const *)s->match_tags.v,
			.ntags = (uint32_t)s->match_tags.n,
			.rule = s->match_rule,
			.extra_output = s->extra_output,
			.suggested_output = s->suggested_output,
			.extra_fields = ef,
			.nextra_fields = (uint32_t)s->n_fields,
		};
	}
	return 0;
}

static int fill_static(struct out_config *oc, const struct falco_config *fc)
{
	struct out_kv *kv = calloc(fc->n_static_fields ? fc->n_static_fields : 1, sizeof *kv);
	if (!kv)
		return -ENOMEM;
	for (size_t i = 0; i < fc->n_static_fields; i++)
		kv[i] = (struct out_kv){fc->static_fields[i].key, fc->static_fields[i].value};
	oc->static_fields = kv;
	oc->nstatic_fields = (uint32_t)fc->n_static_fields;
	return 0;
}

static void fill_http(struct out_http_config *h, const struct falco_config *fc)
{
	h->enabled = fc->http_output.enabled;
	h->url = fc->http_output.url;
	h->user_agent = fc->http_output.user_agent;
	h->insecure = fc->http_output.insecure;
	h->ca_cert = fc->http_output.ca_cert;
	h->ca_bundle = fc->http_output.ca_bundle;
	h->ca_path = fc->http_output.ca_path;
	h->mtls = fc->http_output.mtls;
	h->client_cert = fc->http_output.client_cert;
	h->client_key = fc->http_output.client_key;
	h->echo = fc->http_output.echo;
	h->compress_uploads = fc->http_output.compress_uploads;
	h->keep_alive = fc->http_output.keep_alive;
	h->max_consecutive_timeouts = fc->http_output.max_consecutive_timeouts;
}

int out_config_from_falco(struct out_config *oc, const struct falco_config *fc, bool unbuffered,
                          const char *print_format)
{
	out_config_defaults(oc);
	oc->json_output = fc->json_output;
	oc->json_include_output_property = fc->json_include_output_property;
	oc->json_include_message_property = fc->json_include_message_property;
	oc->json_include_output_fields_property = fc->json_include_output_fields_property;
	oc->json_include_tags_property = fc->json_include_tags_property;
	oc->time_format_iso_8601 = fc->time_format_iso_8601;
	oc->buffer_format_base64 = fc->buffer_format_base64;
	oc->buffered_outputs = fc->buffered_outputs && !unbuffered;
	oc->queue_capacity = fc->outputs_queue_capacity;
	oc->output_timeout_ms = fc->output_timeout_ms;
	oc->print_format = print_format;
	oc->stdout_enabled = fc->stdout_output.enabled;
	oc->syslog_enabled = fc->syslog_output.enabled;
	oc->file_enabled = fc->file_output.enabled;
	oc->file_keep_alive = fc->file_output.keep_alive;
	if (fc->file_output.filename)
		oc->file_filename = fc->file_output.filename;
	oc->program_enabled = fc->program_output.enabled;
	oc->program_keep_alive = fc->program_output.keep_alive;
	oc->program = fc->program_output.program;
	fill_http(&oc->http, fc);
	if (fill_append(oc, fc) || fill_static(oc, fc)) {
		out_config_release(oc);
		return -ENOMEM;
	}
	return 0;
}

void out_config_release(struct out_config *oc)
{
	for (uint32_t i = 0; oc->append && i < oc->nappend; i++)
		free((void *)oc->append[i].extra_fields);
	free((void *)oc->append);
	free((void *)oc->static_fields);
	oc->append = NULL;
	oc->nappend = 0;
	oc->static_fields = NULL;
	oc->nstatic_fields = 0;
}
