/* Tests of the capture reader and writer.
 *
 * - Old block versions: captures assembled byte by byte here from upstream's
 *   layouts (legacy MI, IL V1 with a no-linkspeed entry, UL V1, PL V1, V4
 *   and V9 with the pre-0.10 tail, FDL V1 and V2 with an unknown fd type, an
 *   unknown block, V1/EVF/large event blocks, an event code above the
 *   schema), with every expected value computed by hand.
 * - Round trip: every shared capture read, written (plain and gzip), read
 *   again: same metadata, same events byte for byte, same cpu and flags.
 * - Damage: the shared captures truncated at many offsets and with bits
 *   flipped give an error naming an offset (or read cleanly), never a crash
 *   (ASan/UBSan run these), and errors name the offset and block type.
 * - Writer errors: metadata after events, names too long, bad path.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "capture/capture.h"

/* ---- byte builder ---- */
struct bb {
	uint8_t *p;
	size_t n, cap;
};
static void put(struct bb *b, const void *v, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->n, v, n);
	b->n += n;
}
static void u8(struct bb *b, uint8_t v) { put(b, &v, 1); }
static void u16(struct bb *b, uint16_t v) { put(b, &v, 2); }
static void u32(struct bb *b, uint32_t v) { put(b, &v, 4); }
static void u64(struct bb *b, uint64_t v) { put(b, &v, 8); }
static void str16(struct bb *b, const char *s) { u16(b, (uint16_t)strlen(s)); put(b, s, strlen(s)); }
static void strn16(struct bb *b, const char *s, size_t n) { u16(b, (uint16_t)n); put(b, s, n); }

/* Appends a block with body `body`. */
static void block(struct bb *out, uint32_t type, const struct bb *body)
{
	size_t pad = (4 - (body->n & 3)) & 3;
	uint32_t total = (uint32_t)(12 + body->n + pad);
	u32(out, type);
	u32(out, total);
	put(out, body->p, body->n);
	put(out, "\0\0\0", pad);
	u32(out, total);
}

static void shb(struct bb *out)
{
	struct bb b = {0};
	u32(&b, CAP_SHB_MAGIC);
	u16(&b, 1);
	u16(&b, 2);
	u64(&b, UINT64_MAX);
	block(out, CAP_BLOCK_SHB, &b);
	free(b.p);
}

/* ---- old versions, hand-built ---- */

static void pl_v1_entry(struct bb *b)
{
	u64(b, 100); u64(b, 101); u64(b, 1);           /* tid pid ptid */
	str16(b, "sh"); str16(b, "/bin/sh");            /* comm exe */
	strn16(b, "-c\0ls", 5);                          /* args without final NUL */
	str16(b, "/tmp");                               /* cwd */
	u64(b, 1024); u32(b, 7); u32(b, 1000); u32(b, 1001); /* fdlimit flags uid gid */
}

static void pl_v4_entry(struct bb *b)
{
	u64(b, 200); u64(b, 200); u64(b, 1);
	str16(b, "cat"); str16(b, "cat");
	strn16(b, "a\0", 2);
	str16(b, "/");
	u64(b, 10); u32(b, 0); u32(b, 0); u32(b, 0);
	u32(b, 11); u32(b, 12); u32(b, 13); u64(b, 14); u64(b, 15); /* vm*, pf* */
	strn16(b, "A=1\0B=2\0", 8);                    /* env (V3+) */
	u64(b, 20); u64(b, 21);                         /* vtid vpid (V4+) */
	strn16(b, "cpu=/x\0", 7);                       /* cgroups */
}

/* V9 entry ending right after cap_effective: a producer before libs 0.10,
 * so pidns_init_start_ts and tty are absent (<= 29 bytes left). */
static void pl_v9_old_entry(struct bb *b)
{
	struct bb e = {0};
	u64(&e, 300); u64(&e, 300); u64(&e, 2); u64(&e, 299); u64(&e, 298); /* tid pid ptid sid vpgid */
	str16(&e, "bash"); str16(&e, "-bash"); str16(&e, "/usr/bin/bash");
	strn16(&e, "", 0);
	str16(&e, "/root");
	u64(&e, 65536); u32(&e, 0); u32(&e, 0); u32(&e, 0);
	u32(&e, 1); u32(&e, 2); u32(&e, 3); u64(&e, 4); u64(&e, 5);
	strn16(&e, "", 0);
	u64(&e, 30); u64(&e, 31);
	strn16(&e, "", 0);
	str16(&e, "/r");
	u32(&e, 4242); u8(&e, 1); u64(&e, 0x11); u64(&e, 0x22); u64(&e, 0x33); /* 29 bytes */
	u32(b, (uint32_t)(e.n + 4));
	put(b, e.p, e.n);
	free(e.p);
}

static struct bb old_capture(void)
{
	struct bb f = {0}, b = {0};
	shb(&f);

	/* legacy machine info */
	u32(&b, 8); u64(&b, 1u << 30); u64(&b, 32768);
	char host[128] = "oldhost";
	put(&b, host, 128);
	u64(&b, 555); u64(&b, 9); u64(&b, 0); u64(&b, 0);
	block(&f, CAP_BLOCK_MI_INT, &b);

	/* IL V1: IPv4 with link speed, IPv6 without */
	b.n = 0;
	u16(&b, 1); u16(&b, 2); u32(&b, 0x0100007f); u32(&b, 0xff); u32(&b, 0); u64(&b, 1000);
	put(&b, "lo", 2);
	u16(&b, 4); u16(&b, 4);
	uint8_t a6[16] = {0xfe, 0x80};
	put(&b, a6, 16); put(&b, a6, 16); put(&b, a6, 16);
	put(&b, "eth0", 4);
	block(&f, CAP_BLOCK_IL, &b);

	/* UL V1: one user, one group */
	b.n = 0;
	u8(&b, 0); u32(&b, 1000); u32(&b, 100); str16(&b, "joe"); str16(&b, "/home/joe"); str16(&b, "/bin/zsh");
	u8(&b, 1); u32(&b, 100); str16(&b, "users");
	block(&f, CAP_BLOCK_UL, &b);

	b.n = 0;
	pl_v1_entry(&b);
	block(&f, CAP_BLOCK_PL_V1, &b);
	b.n = 0;
	pl_v4_entry(&b);
	block(&f, CAP_BLOCK_PL_V4, &b);
	b.n = 0;
	pl_v9_old_entry(&b);
	block(&f, CAP_BLOCK_PL_V9, &b);

	/* FDL V1 for tid 100: an IPv4 socket, a file */
	b.n = 0;
	u64(&b, 100);
	u64(&b, 3); u64(&b, 77); u8(&b, CAP_FD_IPV4_SOCK);
	u32(&b, 0x0100007f); u32(&b, 0x0200007f); u16(&b, 1234); u16(&b, 80); u8(&b, 2);
	u64(&b, 4); u64(&b, 78); u8(&b, CAP_FD_FILE); str16(&b, "/etc/passwd");
	block(&f, CAP_BLOCK_FDL, &b);

	/* FDL V2 for tid 300: FILE_V2 with dev, and a type from the future */
	b.n = 0;
	u64(&b, 300);
	u32(&b, 4 + 8 + 8 + 1 + 4 + 2 + 4 + 4); u64(&b, 5); u64(&b, 79); u8(&b, CAP_FD_FILE_V2);
	u32(&b, 0x241); str16(&b, "/tmp"); u32(&b, 0x803);
	u32(&b, 4 + 8 + 8 + 1 + 6); u64(&b, 6); u64(&b, 80); u8(&b, 99); put(&b, "future", 6);
	block(&f, CAP_BLOCK_FDL_V2, &b);

	/* an unknown block */
	b.n = 0;
	put(&b, "ignored", 7);
	block(&f, 0x999, &b);

	/* V1 event: procinfo (2 u64 params), 22-byte header, no nparams */
	b.n = 0;
	u16(&b, 3);
	u64(&b, 1000); u64(&b, 100); u32(&b, 22 + 4 + 16); u16(&b, 234);
	u16(&b, 8); u16(&b, 8); u64(&b, 5); u64(&b, 6);
	block(&f, CAP_BLOCK_EV, &b);

	/* EVF V2 event with STATE_ONLY: procinfo again, 26-byte header */
	b.n = 0;
	u16(&b, 1); u32(&b, CAP_EF_STATE_ONLY);
	u64(&b, 2000); u64(&b, 300); u32(&b, 26 + 4 + 16); u16(&b, 234); u32(&b, 2);
	u16(&b, 8); u16(&b, 8); u64(&b, 7); u64(&b, 8);
	block(&f, CAP_BLOCK_EVF_V2, &b);

	/* an event code beyond the schema: skipped */
	b.n = 0;
	u16(&b, 0);
	u64(&b, 2500); u64(&b, 1); u32(&b, 26); u16(&b, 9999); u32(&b, 0);
	block(&f, CAP_BLOCK_EV_V2, &b);

	/* large block: pluginevent (u32 lengths) */
	b.n = 0;
	u16(&b, 2);
	u64(&b, 3000); u64(&b, UINT64_MAX); u32(&b, 26 + 8 + 4 + 3); u16(&b, 322); u32(&b, 2);
	u32(&b, 4); u32(&b, 3); u32(&b, 999); put(&b, "abc", 3);
	block(&f, CAP_BLOCK_EV_V2_LARGE, &b);

	/* a metadata block after the events: skipped */
	b.n = 0;
	u64(&b, 1);
	block(&f, CAP_BLOCK_FDL_V2, &b);
	free(b.p);
	return f;
}

static void test_old_versions(void **state)
{
	(void)state;
	struct bb f = old_capture();
	char err[CAP_ERR_LEN] = "";
	struct cap_reader *r = cap_open_mem(f.p, f.n, NULL, err);
	if (r == NULL)
		fail_msg("%s", err);
	const struct cap_meta *m = cap_meta(r);

	assert_true(m->has_machine);
	assert_int_equal(m->machine.num_cpus, 8);
	assert_int_equal(m->machine.memory_size_bytes, 1u << 30);
	assert_string_equal(m->machine.hostname, "oldhost");
	assert_int_equal(m->machine.boot_ts_epoch, 555);
	assert_int_equal(m->machine.flags, 9);

	assert_int_equal(m->nifaces, 2);
	assert_int_equal(m->ifaces[0].type, CAP_IF_IPV4);
	assert_int_equal(m->ifaces[0].u.v4.addr, 0x0100007f);
	assert_int_equal(m->ifaces[0].linkspeed, 1000);
	assert_string_equal(m->ifaces[0].name, "lo");
	assert_int_equal(m->ifaces[1].type, CAP_IF_IPV6);
	assert_int_equal(m->ifaces[1].u.v6.addr[0], 0xfe);
	assert_int_equal(m->ifaces[1].linkspeed, 0);
	assert_string_equal(m->ifaces[1].name, "eth0");

	assert_int_equal(m->nusers, 1);
	assert_int_equal(m->users[0].uid, 1000);
	assert_string_equal(m->users[0].shell, "/bin/zsh");
	assert_int_equal(m->ngroups, 1);
	assert_string_equal(m->groups[0].name, "users");

	assert_int_equal(m->nprocs, 3);
	const struct cap_proc *p = &m->procs[0];
	assert_int_equal(p->version, 1);
	assert_int_equal(p->tid, 100);
	assert_string_equal(p->exe, "/bin/sh");
	assert_int_equal(p->args_len, 6); /* "-c\0ls" + the NUL upstream appends */
	assert_memory_equal(p->args, "-c\0ls\0", 6);
	assert_int_equal(p->uid, 1000);
	assert_int_equal(p->gid, 1001);
	assert_int_equal(p->sid, -1); /* defaults of fields V1 lacks */
	assert_int_equal(p->vtid, -1);
	assert_int_equal(p->vpgid, -1);
	assert_int_equal(p->pgid, -1);
	assert_int_equal(p->loginuid, UINT32_MAX);
	assert_string_equal(p->env, "");
	assert_int_equal(p->nfds, 2);

	p = &m->procs[1];
	assert_int_equal(p->version, 4);
	assert_int_equal(p->vmswap_kb, 13);
	assert_int_equal(p->pfminor, 15);
	assert_int_equal(p->env_len, 8);
	assert_int_equal(p->vtid, 20);
	assert_int_equal(p->vpid, 21);
	assert_int_equal(p->cgroups_len, 7);
	assert_string_equal(p->cgroups, "cpu=/x");
	assert_string_equal(p->root, "");
	assert_int_equal(p->nfds, 0);
	assert_null(p->fds);

	p = &m->procs[2];
	assert_int_equal(p->version, 9);
	assert_int_equal(p->sid, 299);
	assert_int_equal(p->vpgid, 298);
	assert_string_equal(p->exepath, "/usr/bin/bash");
	assert_string_equal(p->root, "/r");
	assert_int_equal(p->pidns_init_start_ts, 0); /* pre-0.10: absent */
	assert_int_equal(p->tty, 0);
	assert_int_equal(p->loginuid, 4242);
	assert_true(p->exe_writable);
	assert_int_equal(p->cap_inheritable, 0x11);
	assert_int_equal(p->cap_effective, 0x33);
	assert_int_equal(p->exe_ino, 0);
	assert_int_equal(p->pgid, -1);
	assert_int_equal(p->nfds, 2);

	assert_int_equal(m->nfds, 4);
	const struct cap_fd *fd = &m->procs[0].fds[0];
	assert_int_equal(fd->type, CAP_FD_IPV4_SOCK);
	assert_int_equal(fd->u.ipv4.dip, 0x0200007f);
	assert_int_equal(fd->u.ipv4.sport, 1234);
	assert_int_equal(fd->u.ipv4.dport, 80);
	assert_int_equal(fd->u.ipv4.l4proto, 2);
	assert_string_equal(fd->name, "");
	assert_string_equal(m->procs[0].fds[1].name, "/etc/passwd");
	fd = &m->procs[2].fds[0];
	assert_int_equal(fd->type, CAP_FD_FILE_V2);
	assert_int_equal(fd->u.file.open_flags, 0x241);
	assert_int_equal(fd->u.file.dev, 0x803);
	assert_string_equal(fd->name, "/tmp");
	fd = &m->procs[2].fds[1];
	assert_int_equal(fd->type, CAP_FD_UNSUPPORTED);
	assert_string_equal(fd->name, "unknown-type:[99]");

	struct cap_event ev;
	struct ev_hdr h;
	assert_int_equal(cap_next(r, &ev), 0);
	memcpy(&h, ev.hdr, sizeof(h));
	assert_int_equal(h.ts, 1000);
	assert_int_equal(h.tid, 100);
	assert_int_equal(h.len, 26 + 4 + 16);
	assert_int_equal(h.type, 234);
	assert_int_equal(h.nparams, 2);
	assert_int_equal(ev.cpu, 3);
	assert_int_equal(ev.flags, 0);
	assert_int_equal(ev.block_type, CAP_BLOCK_EV);
	uint64_t v;
	memcpy(&v, (const uint8_t *)ev.hdr + 30 + 8, 8);
	assert_int_equal(v, 6);

	assert_int_equal(cap_next(r, &ev), 0);
	memcpy(&h, ev.hdr, sizeof(h));
	assert_int_equal(h.ts, 2000);
	assert_int_equal(ev.flags, CAP_EF_STATE_ONLY);
	assert_int_equal(ev.cpu, 1);

	assert_int_equal(cap_next(r, &ev), 0); /* code 9999 skipped */
	memcpy(&h, ev.hdr, sizeof(h));
	assert_int_equal(h.type, 322);
	assert_int_equal(h.len, 26 + 8 + 4 + 3);
	assert_int_equal(ev.block_type, CAP_BLOCK_EV_V2_LARGE);
	assert_memory_equal((const uint8_t *)ev.hdr + 34, "\xe7\x03\0\0abc", 7);

	assert_int_equal(cap_next(r, &ev), CAP_EOF);
	assert_int_equal(cap_next(r, &ev), CAP_EOF);
	struct cap_stats st;
	cap_get_stats(r, &st);
	assert_int_equal(st.events, 3);
	assert_int_equal(st.skipped_events, 1);
	assert_int_equal(st.skipped_blocks, 1);
	assert_int_equal(st.bytes, f.n);
	cap_close(r);
	free(f.p);
}

/* A full V9 entry in upstream's current field order, followed by 5 bytes of
 * a future field that must be skipped by the entry length; then a second
 * entry to prove the reader stays aligned. */
static void v9_full_entry(struct bb *b, uint64_t tid)
{
	struct bb e = {0};
	u64(&e, tid); u64(&e, 2); u64(&e, 3); u64(&e, 4); u64(&e, 5); /* tid pid ptid sid vpgid */
	str16(&e, "comm"); str16(&e, "exe"); str16(&e, "/exepath");
	strn16(&e, "x\0y\0", 4);
	str16(&e, "/cwd");
	u64(&e, 6); u32(&e, 7); u32(&e, 8); u32(&e, 9);                /* fdlimit flags uid gid */
	u32(&e, 10); u32(&e, 11); u32(&e, 12); u64(&e, 13); u64(&e, 14); /* vm*, pfmajor, pfminor */
	strn16(&e, "E=1\0", 4);
	u64(&e, 15); u64(&e, 16);                                       /* vtid vpid */
	strn16(&e, "cpu=/c\0", 7);
	str16(&e, "/root");
	u64(&e, 17); u32(&e, 18); u32(&e, 19); u8(&e, 1);              /* pidns tty loginuid writable */
	u64(&e, 20); u64(&e, 21); u64(&e, 22);                          /* caps i p e */
	u8(&e, 1); u64(&e, 23); u64(&e, 24); u64(&e, 25);              /* upper ino ctime mtime */
	u8(&e, 1); u8(&e, 1); u64(&e, 26);                              /* memfd lower pgid */
	put(&e, "\xAA\xBB\xCC\xDD\xEE", 5);                      /* a field from the future */
	u32(b, (uint32_t)(e.n + 4));
	put(b, e.p, e.n);
	free(e.p);
}

static void test_pl_v9_full(void **state)
{
	(void)state;
	struct bb f = {0}, b = {0};
	shb(&f);
	v9_full_entry(&b, 1);
	v9_full_entry(&b, 77);
	block(&f, CAP_BLOCK_PL_V9, &b);
	char err[CAP_ERR_LEN];
	struct cap_reader *r = cap_open_mem(f.p, f.n, NULL, err);
	if (r == NULL)
		fail_msg("%s", err);
	const struct cap_meta *m = cap_meta(r);
	assert_int_equal(m->nprocs, 2);
	for (int i = 0; i < 2; i++) {
		const struct cap_proc *p = &m->procs[i];
		assert_int_equal(p->tid, i ? 77 : 1);
		assert_int_equal(p->pid, 2);
		assert_int_equal(p->ptid, 3);
		assert_int_equal(p->sid, 4);
		assert_int_equal(p->vpgid, 5);
		assert_string_equal(p->comm, "comm");
		assert_string_equal(p->exe, "exe");
		assert_string_equal(p->exepath, "/exepath");
		assert_int_equal(p->args_len, 4);
		assert_memory_equal(p->args, "x\0y\0", 4);
		assert_string_equal(p->cwd, "/cwd");
		assert_int_equal(p->fdlimit, 6);
		assert_int_equal(p->flags, 7);
		assert_int_equal(p->uid, 8);
		assert_int_equal(p->gid, 9);
		assert_int_equal(p->vmsize_kb, 10);
		assert_int_equal(p->vmrss_kb, 11);
		assert_int_equal(p->vmswap_kb, 12);
		assert_int_equal(p->pfmajor, 13);
		assert_int_equal(p->pfminor, 14);
		assert_int_equal(p->env_len, 4);
		assert_int_equal(p->vtid, 15);
		assert_int_equal(p->vpid, 16);
		assert_int_equal(p->cgroups_len, 7);
		assert_string_equal(p->root, "/root");
		assert_int_equal(p->pidns_init_start_ts, 17);
		assert_int_equal(p->tty, 18);
		assert_int_equal(p->loginuid, 19);
		assert_true(p->exe_writable);
		assert_int_equal(p->cap_inheritable, 20);
		assert_int_equal(p->cap_permitted, 21);
		assert_int_equal(p->cap_effective, 22);
		assert_true(p->exe_upper_layer);
		assert_int_equal(p->exe_ino, 23);
		assert_int_equal(p->exe_ino_ctime, 24);
		assert_int_equal(p->exe_ino_mtime, 25);
		assert_true(p->exe_from_memfd);
		assert_true(p->exe_lower_layer);
		assert_int_equal(p->pgid, 26);
	}

	/* our writer produces the same bytes, minus the future field */
	char path[] = "/tmp/falco-capv9-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	struct cap_writer *w = cap_writer_open(path, NULL, err);
	assert_int_equal(cap_write_procs(w, m->procs, 1), 0);
	assert_int_equal(cap_writer_close(w, err), 0);
	struct bb want = {0};
	v9_full_entry(&want, 1);
	uint32_t wlen = (uint32_t)want.n - 5;
	memcpy(want.p, &wlen, 4);
	uint8_t got[1024];
	FILE *fp = fopen(path, "rb");
	size_t n = fread(got, 1, sizeof(got), fp);
	fclose(fp);
	unlink(path);
	assert_true(n >= 28 + 8 + wlen);
	assert_memory_equal(got + 28 + 8, want.p, wlen); /* after SHB and the block header */
	free(want.p);
	cap_close(r);
	free(f.p);
	free(b.p);
}

/* ---- shared captures ---- */

static const char *const captures[] = {
	"cat_write", "connect_localhost", "curl_google", "curl_google_comments",
	"empty", "open-multiple-files", "ping_sendto", "syscall",
};
#define NCAPS (sizeof(captures) / sizeof(captures[0]))

static void cap_path(char *out, size_t n, const char *name)
{
	const char *dir = getenv("SHARED_DIR");
	snprintf(out, n, "%s/captures/%s.scap", dir ? dir : "../shared", name);
}

/* The whole uncompressed file. */
static uint8_t *load(const char *name, size_t *len)
{
	char path[512];
	cap_path(path, sizeof(path), name);
	gzFile gz = gzopen(path, "rb");
	assert_non_null(gz);
	size_t cap = 1 << 20, n = 0;
	uint8_t *p = malloc(cap);
	int got;
	while ((got = gzread(gz, p + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)got;
		if (n == cap)
			p = realloc(p, cap *= 2);
	}
	gzclose(gz);
	*len = n;
	return p;
}

static void same_str(const char *a, const char *b) { assert_string_equal(a, b); }

static void same_proc(const struct cap_proc *a, const struct cap_proc *b)
{
	assert_int_equal(a->tid, b->tid);
	assert_int_equal(a->pid, b->pid);
	assert_int_equal(a->ptid, b->ptid);
	assert_int_equal(a->sid, b->sid);
	assert_int_equal(a->vpgid, b->vpgid);
	assert_int_equal(a->pgid, b->pgid);
	same_str(a->comm, b->comm);
	same_str(a->exe, b->exe);
	same_str(a->exepath, b->exepath);
	same_str(a->cwd, b->cwd);
	same_str(a->root, b->root);
	assert_int_equal(a->args_len, b->args_len);
	assert_memory_equal(a->args, b->args, a->args_len);
	assert_int_equal(a->env_len, b->env_len);
	assert_memory_equal(a->env, b->env, a->env_len);
	assert_int_equal(a->cgroups_len, b->cgroups_len);
	assert_memory_equal(a->cgroups, b->cgroups, a->cgroups_len);
	assert_int_equal(a->fdlimit, b->fdlimit);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->uid, b->uid);
	assert_int_equal(a->gid, b->gid);
	assert_int_equal(a->vmsize_kb, b->vmsize_kb);
	assert_int_equal(a->vmrss_kb, b->vmrss_kb);
	assert_int_equal(a->vmswap_kb, b->vmswap_kb);
	assert_int_equal(a->pfmajor, b->pfmajor);
	assert_int_equal(a->pfminor, b->pfminor);
	assert_int_equal(a->vtid, b->vtid);
	assert_int_equal(a->vpid, b->vpid);
	assert_int_equal(a->pidns_init_start_ts, b->pidns_init_start_ts);
	assert_int_equal(a->tty, b->tty);
	assert_int_equal(a->loginuid, b->loginuid);
	assert_int_equal(a->exe_writable, b->exe_writable);
	assert_int_equal(a->exe_upper_layer, b->exe_upper_layer);
	assert_int_equal(a->exe_lower_layer, b->exe_lower_layer);
	assert_int_equal(a->exe_from_memfd, b->exe_from_memfd);
	assert_int_equal(a->cap_inheritable, b->cap_inheritable);
	assert_int_equal(a->cap_permitted, b->cap_permitted);
	assert_int_equal(a->cap_effective, b->cap_effective);
	assert_int_equal(a->exe_ino, b->exe_ino);
	assert_int_equal(a->exe_ino_ctime, b->exe_ino_ctime);
	assert_int_equal(a->exe_ino_mtime, b->exe_ino_mtime);
	assert_int_equal(a->nfds, b->nfds);
}

static void same_fd(const struct cap_fd *a, const struct cap_fd *b)
{
	assert_int_equal(a->tid, b->tid);
	assert_int_equal(a->fd, b->fd);
	assert_int_equal(a->ino, b->ino);
	assert_int_equal(a->type, b->type);
	same_str(a->name, b->name);
	switch (a->type) {
	case CAP_FD_IPV4_SOCK:
		assert_int_equal(a->u.ipv4.sip, b->u.ipv4.sip);
		assert_int_equal(a->u.ipv4.dip, b->u.ipv4.dip);
		assert_int_equal(a->u.ipv4.sport, b->u.ipv4.sport);
		assert_int_equal(a->u.ipv4.dport, b->u.ipv4.dport);
		assert_int_equal(a->u.ipv4.l4proto, b->u.ipv4.l4proto);
		break;
	case CAP_FD_IPV6_SOCK:
		assert_memory_equal(&a->u.ipv6, &b->u.ipv6, offsetof(struct cap_fd, u.ipv6.l4proto) -
		                                                    offsetof(struct cap_fd, u.ipv6) + 1);
		break;
	case CAP_FD_IPV4_SERVSOCK:
		assert_int_equal(a->u.ipv4_server.ip, b->u.ipv4_server.ip);
		assert_int_equal(a->u.ipv4_server.port, b->u.ipv4_server.port);
		assert_int_equal(a->u.ipv4_server.l4proto, b->u.ipv4_server.l4proto);
		break;
	case CAP_FD_UNIX_SOCK:
		assert_int_equal(a->u.unix_sock.source, b->u.unix_sock.source);
		assert_int_equal(a->u.unix_sock.destination, b->u.unix_sock.destination);
		break;
	case CAP_FD_FILE_V2:
		assert_int_equal(a->u.file.open_flags, b->u.file.open_flags);
		assert_int_equal(a->u.file.dev, b->u.file.dev);
		break;
	default:
		break;
	}
}

static void same_meta(const struct cap_meta *a, const struct cap_meta *b)
{
	assert_int_equal(a->has_machine, b->has_machine);
	assert_memory_equal(&a->machine, &b->machine, sizeof(a->machine));
	assert_int_equal(a->nprocs, b->nprocs);
	for (size_t i = 0; i < a->nprocs; i++)
		same_proc(&a->procs[i], &b->procs[i]);
	assert_int_equal(a->nfds, b->nfds);
	for (size_t i = 0; i < a->nfds; i++)
		same_fd(&a->fds[i], &b->fds[i]);
	assert_int_equal(a->nusers, b->nusers);
	for (size_t i = 0; i < a->nusers; i++) {
		assert_int_equal(a->users[i].uid, b->users[i].uid);
		assert_int_equal(a->users[i].gid, b->users[i].gid);
		same_str(a->users[i].name, b->users[i].name);
		same_str(a->users[i].home, b->users[i].home);
		same_str(a->users[i].shell, b->users[i].shell);
	}
	assert_int_equal(a->ngroups, b->ngroups);
	for (size_t i = 0; i < a->ngroups; i++) {
		assert_int_equal(a->groups[i].gid, b->groups[i].gid);
		same_str(a->groups[i].name, b->groups[i].name);
	}
	assert_int_equal(a->nifaces, b->nifaces);
	for (size_t i = 0; i < a->nifaces; i++) {
		assert_int_equal(a->ifaces[i].type, b->ifaces[i].type);
		assert_int_equal(a->ifaces[i].linkspeed, b->ifaces[i].linkspeed);
		assert_memory_equal(&a->ifaces[i].u, &b->ifaces[i].u, sizeof(a->ifaces[i].u));
		same_str(a->ifaces[i].name, b->ifaces[i].name);
	}
}

static void round_trip(const char *name, bool gzip)
{
	char src[512], dst[] = "/tmp/falco-captest-XXXXXX", err[CAP_ERR_LEN];
	cap_path(src, sizeof(src), name);
	int fd = mkstemp(dst);
	assert_true(fd >= 0);
	close(fd);

	struct cap_reader *a = cap_open(src, NULL, err);
	if (a == NULL)
		fail_msg("%s", err);
	struct cap_writer_opts wo = {.sz = sizeof(wo), .gzip = gzip};
	struct cap_writer *w = cap_writer_open(dst, &wo, err);
	if (w == NULL)
		fail_msg("%s", err);
	assert_int_equal(cap_write_meta(w, cap_meta(a)), 0);
	struct cap_event ev;
	size_t n = 0;
	while (cap_next(a, &ev) == 0) {
		assert_int_equal(cap_write_event(w, ev.hdr, ev.cpu, ev.flags), 0);
		n++;
	}
	assert_string_equal(cap_error(a), "");
	if (cap_writer_close(w, err) != 0)
		fail_msg("%s", err);
	cap_close(a);

	/* compare the original and the copy */
	a = cap_open(src, NULL, err);
	struct cap_reader *b = cap_open(dst, NULL, err);
	if (b == NULL)
		fail_msg("%s", err);
	same_meta(cap_meta(a), cap_meta(b));
	struct cap_event eb;
	size_t m = 0;
	uint8_t *copy = malloc(1 << 17);
	for (;;) {
		int ra = cap_next(a, &ev);
		if (ra == 0) {
			uint32_t len;
			memcpy(&len, &ev.hdr->len, 4);
			memcpy(copy, ev.hdr, len); /* ev is invalidated by the next call on a only */
		}
		int rb = cap_next(b, &eb);
		assert_int_equal(ra, rb);
		if (ra != 0)
			break;
		uint32_t la, lb;
		memcpy(&la, &ev.hdr->len, 4);
		memcpy(&lb, &eb.hdr->len, 4);
		assert_int_equal(la, lb);
		assert_memory_equal(copy, eb.hdr, la);
		assert_int_equal(ev.cpu, eb.cpu);
		assert_int_equal(ev.flags, eb.flags);
		assert_true(eb.block_type == CAP_BLOCK_EV_V2 || eb.block_type == CAP_BLOCK_EVF_V2);
		m++;
	}
	assert_int_equal(m, n);
	assert_true(n > 100);
	free(copy);
	cap_close(a);
	cap_close(b);
	unlink(dst);
}

static void test_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCAPS; i++) {
		round_trip(captures[i], false);
		round_trip(captures[i], true);
	}
}

/* Reads everything; returns 0 when the whole input read cleanly, else the
 * error (and checks the error names an offset). */
static int read_all(const uint8_t *p, size_t n, char *msg)
{
	char err[CAP_ERR_LEN];
	struct cap_reader *r = cap_open_mem(p, n, NULL, err);
	if (r == NULL) {
		assert_non_null(strstr(err, "offset "));
		snprintf(msg, CAP_ERR_LEN, "%s", err);
		return -1;
	}
	struct cap_event ev;
	int rc;
	while ((rc = cap_next(r, &ev)) == 0) {
		struct ev_view v;
		uint32_t len;
		memcpy(&len, &ev.hdr->len, 4);
		assert_int_equal(ev_decode(ev.hdr, len, &v), 0); /* what we yield is valid */
	}
	if (rc != CAP_EOF) {
		assert_non_null(strstr(cap_error(r), "offset "));
		snprintf(msg, CAP_ERR_LEN, "%s", cap_error(r));
	}
	cap_close(r);
	return rc == CAP_EOF ? 0 : rc;
}

/* Block boundaries of an intact capture. */
static bool at_boundary(const uint8_t *p, size_t n, size_t off)
{
	size_t o = 0;
	while (o < off && o + 8 <= n) {
		uint32_t t;
		memcpy(&t, p + o + 4, 4);
		o += t;
	}
	return o == off;
}

/* Three captures cover the layouts: V1 events with a V6 process list,
 * V2 events with V9 lists, and a section header with pcapng options. */
static void test_truncation(void **state)
{
	(void)state;
	static const char *const which[] = {"cat_write", "empty", "curl_google_comments"};
	char msg[CAP_ERR_LEN];
	for (size_t c = 0; c < 3; c++) {
		size_t n;
		uint8_t *p = load(which[c], &n);
		for (size_t off = 0; off < n; off += (off < 4096 ? 7 : 397)) {
			uint8_t *cut = malloc(off ? off : 1); /* exact size: ASan sees overreads */
			memcpy(cut, p, off);
			int rc = read_all(cut, off, msg);
			if (at_boundary(p, n, off) && off >= 28)
				assert_int_equal(rc, 0);
			else
				assert_true(rc < 0);
			free(cut);
		}
		free(p);
	}
}

static void test_bit_flips(void **state)
{
	(void)state;
	char msg[CAP_ERR_LEN];
	uint64_t x = 88172645463325252ull; /* xorshift64 */
	size_t errors = 0, runs = 0;
	for (size_t c = 0; c < NCAPS; c++) {
		size_t n;
		uint8_t *p = load(captures[c], &n);
		for (int k = 0; k < 60; k++) {
			uint8_t *q = malloc(n);
			memcpy(q, p, n);
			for (int f = 0; f < 1 + k % 4; f++) {
				x ^= x << 13; x ^= x >> 7; x ^= x << 17;
				q[x % n] ^= (uint8_t)(1u << (x >> 60 & 7));
			}
			errors += read_all(q, n, msg) != 0;
			runs++;
			free(q);
		}
		free(p);
	}
	/* many flips land in parameter data, which is not checked */
	assert_true(errors > 0 && errors < runs);
}

static void test_error_names_place(void **state)
{
	(void)state;
	size_t n;
	uint8_t *p = load("cat_write", &n);
	/* find the 3rd event block and corrupt its trailer */
	size_t o = 0, k = 0, target = 0;
	while (o < n) {
		uint32_t t, len;
		memcpy(&t, p + o, 4);
		memcpy(&len, p + o + 4, 4);
		if (t == CAP_BLOCK_EV && ++k == 3) {
			target = o;
			p[o + len - 1] ^= 0x40;
			break;
		}
		o += len;
	}
	assert_true(target > 0);
	char msg[CAP_ERR_LEN], want[64];
	assert_true(read_all(p, n, msg) < 0);
	snprintf(want, sizeof(want), "offset %zu: block 0x204", target);
	if (strstr(msg, want) == NULL)
		fail_msg("message '%s' lacks '%s'", msg, want);
	assert_non_null(strstr(msg, "trailer"));

	/* not a capture at all */
	assert_true(read_all((const uint8_t *)"hello world, not a capture", 26, msg) < 0);
	assert_non_null(strstr(msg, "offset 0"));
	free(p);

	char err[CAP_ERR_LEN];
	assert_null(cap_open("/nonexistent/dir/x.scap", NULL, err));
	assert_non_null(strstr(err, "/nonexistent/dir/x.scap"));
}

static void test_writer_errors(void **state)
{
	(void)state;
	char path[] = "/tmp/falco-capw-XXXXXX", err[CAP_ERR_LEN];
	int fd = mkstemp(path);
	close(fd);
	struct cap_writer *w = cap_writer_open(path, NULL, err);
	assert_non_null(w);

	char big[1100];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	struct cap_fd f = {.tid = 1, .fd = 3, .type = CAP_FD_FILE, .name = big};
	assert_int_equal(cap_write_fds(w, 1, &f, 1), -ENAMETOOLONG);
	assert_non_null(strstr(cap_writer_error(w), "1024"));
	assert_int_equal(cap_writer_close(w, err), -ENAMETOOLONG);

	w = cap_writer_open(path, NULL, err);
	uint8_t evbuf[64];
	int64_t len = ev_encode(evbuf, sizeof(evbuf), 1, 2, 234, 0, NULL, NULL);
	assert_true(len == 26);
	assert_int_equal(cap_write_event(w, (const struct ev_hdr *)evbuf, 0, 0), 0);
	struct cap_machine_info mi = {.num_cpus = 1};
	assert_int_equal(cap_write_machine_info(w, &mi), -EINVAL);
	assert_non_null(strstr(cap_writer_error(w), "after the first event"));
	assert_int_equal(cap_writer_close(w, err), -EINVAL);

	assert_null(cap_writer_open("/nonexistent/dir/out.scap", NULL, err));
	assert_non_null(strstr(err, "/nonexistent/dir/out.scap"));
	unlink(path);
}

/* Truncated files on disk, plain and gzip: the error names the file and an
 * offset; the window logic of the file reader sees every cut. */
static void test_file_truncation(void **state)
{
	(void)state;
	size_t n;
	uint8_t *p = load("curl_google", &n);
	char path[] = "/tmp/falco-capt-XXXXXX", err[CAP_ERR_LEN];
	int fd = mkstemp(path);
	close(fd);
	const char *base = strrchr(path, '/') + 1;
	for (int gz = 0; gz < 2; gz++) {
		for (size_t cut = 13; cut < n; cut += n / 7) {
			gzFile f = gzopen(path, gz ? "wb1" : "wbT");
			assert_non_null(f);
			assert_int_equal(gzwrite(f, p, (unsigned)cut), (int)cut);
			gzclose(f);
			if (gz) { /* cut the compressed stream too */
				assert_int_equal(truncate(path, (off_t)(cut / 8 + 20)), 0);
			}
			struct cap_reader *r = cap_open(path, NULL, err);
			const char *msg = err;
			if (r) {
				struct cap_event ev;
				int rc;
				while ((rc = cap_next(r, &ev)) == 0)
					;
				assert_true(rc < 0);
				msg = cap_error(r);
			}
			if (strstr(msg, base) == NULL || strstr(msg, "offset ") == NULL)
				fail_msg("cut %zu: message '%s'", cut, msg);
			cap_close(r);
		}
	}
	unlink(path);
	free(p);
}

/* The writer picks the block type from the flags and the size: EVF for
 * flags, a large block for CAP_EF_LARGE or an event above 64 KiB. */
static void test_writer_blocks(void **state)
{
	(void)state;
	char path[] = "/tmp/falco-capb-XXXXXX", err[CAP_ERR_LEN];
	int fd = mkstemp(path);
	close(fd);
	struct cap_writer_opts wo = {.sz = sizeof(wo), .gzip = true, .level = 1};
	struct cap_writer *w = cap_writer_open(path, &wo, err);
	assert_non_null(w);

	size_t big = 3000000; /* above the 1 MiB read window: it has to grow */
	uint8_t *payload = malloc(big), *evbuf = malloc(big + 64);
	for (size_t i = 0; i < big; i++)
		payload[i] = (uint8_t)(i * 7);
	uint32_t id = 999;
	const void *vals[2] = {&id, payload};
	uint32_t lens[2] = {4, (uint32_t)big};
	int64_t l1 = ev_encode(evbuf, big + 64, 10, UINT64_MAX, EV_PLUGINEVENT_E, 2, vals, lens);
	assert_int_equal(l1, 26 + 8 + 4 + big);
	assert_int_equal(cap_write_event(w, (const struct ev_hdr *)evbuf, 1, 0), 0);
	lens[1] = 10;
	assert_true(ev_encode(evbuf, big + 64, 11, UINT64_MAX, EV_PLUGINEVENT_E, 2, vals, lens) > 0);
	assert_int_equal(cap_write_event(w, (const struct ev_hdr *)evbuf, 2, CAP_EF_LARGE), 0);
	assert_int_equal(cap_write_event(w, (const struct ev_hdr *)evbuf, 3, CAP_EF_STATE_ONLY), 0);
	assert_int_equal(cap_write_event(w, (const struct ev_hdr *)evbuf, 4,
	                                 CAP_EF_STATE_ONLY | CAP_EF_LARGE), 0);
	assert_int_equal(cap_writer_close(w, err), 0);

	struct cap_reader *r = cap_open(path, NULL, err);
	assert_non_null(r);
	struct cap_event ev;
	static const uint32_t want_bt[] = {CAP_BLOCK_EV_V2_LARGE, CAP_BLOCK_EV_V2_LARGE,
	                                   CAP_BLOCK_EVF_V2, CAP_BLOCK_EVF_V2_LARGE};
	static const uint32_t want_flags[] = {0, 0, CAP_EF_STATE_ONLY, CAP_EF_STATE_ONLY};
	for (int i = 0; i < 4; i++) {
		assert_int_equal(cap_next(r, &ev), 0);
		assert_int_equal(ev.block_type, want_bt[i]);
		assert_int_equal(ev.flags, want_flags[i]);
		assert_int_equal(ev.cpu, i + 1);
		struct ev_view v;
		uint32_t len;
		memcpy(&len, &ev.hdr->len, 4);
		assert_int_equal(ev_decode(ev.hdr, len, &v), 0);
		assert_int_equal(v.len[1], i == 0 ? big : 10);
		assert_memory_equal(v.val[1], payload, v.len[1]);
	}
	assert_int_equal(cap_next(r, &ev), CAP_EOF);
	cap_close(r);
	free(payload);
	free(evbuf);
	unlink(path);
}

/* A metadata-only file and an empty event stream read cleanly. */
static void test_minimal(void **state)
{
	(void)state;
	struct bb f = {0};
	shb(&f);
	struct cap_reader *r = cap_open_mem(f.p, f.n, NULL, NULL);
	assert_non_null(r);
	struct cap_event ev;
	assert_int_equal(cap_next(r, &ev), CAP_EOF);
	assert_int_equal(cap_meta(r)->major, 1);
	assert_int_equal(cap_meta(r)->minor, 2);
	cap_close(r);
	free(f.p);
}

/* `test_capture --write-seed PATH` writes the hand-built capture of old
 * block versions (tests/fuzz/seeds/old_versions.scap was made this way). */
static int write_seed(const char *path)
{
	struct bb f = old_capture();
	FILE *fp = fopen(path, "wb");
	int ok = fp && fwrite(f.p, 1, f.n, fp) == f.n;
	if (fp)
		ok = fclose(fp) == 0 && ok;
	free(f.p);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--write-seed") == 0)
		return write_seed(argv[2]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_old_versions),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_pl_v9_full),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_error_names_place),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test(test_writer_blocks),
		cmocka_unit_test(test_file_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
