/* The replay source: events of a .scap capture, as core/capture reads them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "engine/engine.h"

struct replay {
	struct cap_reader *r; /* owned */
	char *path;           /* owned */
};

static int replay_next(void *impl, struct eng_raw *out)
{
	struct replay *rp = impl;
	struct cap_event ev;
	int rc = cap_next(rp->r, &ev);
	if (rc == CAP_EOF)
		return ENG_EOF;
	if (rc < 0)
		return rc;
	out->hdr = ev.hdr;
	out->cpu = ev.cpu;
	out->flags = (ev.flags & CAP_EF_STATE_ONLY) ? ENG_RF_STATE_ONLY : 0;
	out->offset = ev.offset;
	return 0;
}

static const char *replay_error(const void *impl)
{
	const struct replay *rp = impl;
	return cap_error(rp->r);
}

static void replay_close(void *impl)
{
	struct replay *rp = impl;
	if (rp == NULL)
		return;
	cap_close(rp->r);
	free(rp->path);
	free(rp);
}

int eng_replay_open(const char *path, struct eng_source *out, char *err)
{
	char cerr[CAP_ERR_LEN] = "";
	struct replay *rp = calloc(1, sizeof(*rp));
	if (rp == NULL || (rp->path = strdup(path)) == NULL) {
		free(rp);
		snprintf(err, ENG_ERR_LEN, "%s: out of memory", path);
		return -ENOMEM;
	}
	rp->r = cap_open(path, NULL, cerr);
	if (rp->r == NULL) {
		snprintf(err, ENG_ERR_LEN, "%s", cerr[0] ? cerr : "cannot open capture");
		replay_close(rp);
		return -EINVAL;
	}
	*out = (struct eng_source){
		.kind = "replay",
		.name = rp->path,
		.convert = true,
		.is_capture = true,
		.impl = rp,
		.next = replay_next,
		.error = replay_error,
		.close = replay_close,
	};
	return 0;
}

const struct cap_meta *eng_replay_meta(const struct eng_source *src)
{
	if (src == NULL || src->next != replay_next)
		return NULL;
	const struct replay *rp = src->impl;
	return cap_meta(rp->r);
}
