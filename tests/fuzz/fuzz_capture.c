/* libFuzzer target for the capture reader: any byte string is opened as an
 * uncompressed capture, its metadata walked and every event read and
 * decoded. The reader must return errors, never crash, overread, leak,
 * allocate without bound or hang. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "capture/capture.h"

static volatile uint64_t sink;

static void walk_meta(const struct cap_meta *m)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct cap_proc *p = &m->procs[i];
		sink += strlen(p->comm) + strlen(p->exe) + strlen(p->cwd) + p->args_len + p->nfds;
		if (p->args_len)
			sink += (uint8_t)p->args[p->args_len - 1];
		for (size_t j = 0; j < p->nfds; j++)
			sink += strlen(p->fds[j].name);
	}
	for (size_t i = 0; i < m->nusers; i++)
		sink += strlen(m->users[i].name) + strlen(m->users[i].shell);
	for (size_t i = 0; i < m->ngroups; i++)
		sink += strlen(m->groups[i].name);
	for (size_t i = 0; i < m->nifaces; i++)
		sink += strlen(m->ifaces[i].name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cap_open_opts o = {.sz = sizeof(o), .max_block_len = 16u << 20};
	struct cap_reader *r = cap_open_mem(data, size, &o, NULL);
	if (r == NULL)
		return 0;
	walk_meta(cap_meta(r));
	struct cap_event ev;
	while (cap_next(r, &ev) == 0) {
		struct ev_view v;
		uint32_t len;
		memcpy(&len, &ev.hdr->len, 4);
		if (ev_decode(ev.hdr, len, &v) != 0)
			__builtin_trap(); /* the reader must only yield valid events */
		for (uint32_t i = 0; i < v.nparams; i++)
			if (v.len[i])
				sink += v.val[i][v.len[i] - 1];
	}
	cap_close(r);
	return 0;
}
