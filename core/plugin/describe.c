/* Text descriptions of a plugin in the layout of upstream Falco's
 * `--list-plugins` and `--plugin-info` (line for line, so scripts that
 * read them keep working). */
#include <stdio.h>

#include "plugin/internal.h"

void ph_print_info(const struct ph_plugin *p, FILE *out)
{
	fprintf(out, "Name: %s\nDescription: %s\nContact: %s\nVersion: %s\nCapabilities: \n", p->name, p->description,
	        p->contact, p->version);
	if (p->caps & CAP_SOURCING) {
		if (p->id != 0)
			fprintf(out, "  - Event Sourcing (ID=%u, source='%s')\n", p->id, p->source);
		else
			fprintf(out, "  - Event Sourcing (system events)\n");
	}
	if (p->caps & CAP_EXTRACTION)
		fprintf(out, "  - Field Extraction\n");
	if (p->caps & CAP_PARSING)
		fprintf(out, "  - Event Parsing\n");
	if (p->caps & CAP_ASYNC)
		fprintf(out, "  - Async Events\n");
}

void ph_print_init_schema(const struct ph_plugin *p, FILE *out)
{
	ss_plugin_schema_type type;
	const char *schema = ph_init_schema(p, &type);
	if (type == SS_PLUGIN_SCHEMA_JSON)
		fprintf(out, "Init config schema type: JSON\n");
	else
		fprintf(out, "Init config schema type: Not available, plugin does not implement the init config "
		             "schema functionality\n");
	fprintf(out, "%s\n\n", schema ? schema : "");
}

int ph_print_open_params(struct ph_plugin *p, FILE *out, char *err, size_t errlen)
{
	const struct ph_open_param *op;
	uint32_t n;
	if (!(p->caps & CAP_SOURCING))
		return 0;
	int rc = ph_list_open_params(p, &op, &n, err, errlen);
	if (rc)
		return rc;
	if (n == 0) {
		fprintf(out, "No suggested open params available: plugin has not been configured, or it does not "
		             "implement the open params suggestion functionality\n\n");
		return 0;
	}
	fprintf(out, "Suggested open params:\n");
	for (uint32_t i = 0; i < n; i++) {
		if (op[i].desc[0])
			fprintf(out, "%s: %s\n", op[i].value, op[i].desc);
		else
			fprintf(out, "%s\n", op[i].value);
	}
	fprintf(out, "\n");
	return 0;
}
