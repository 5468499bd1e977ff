/*
 * The converter on hand-built events of old captures.
 *
 * Each case builds the enter/exit events with the values a shared capture
 * holds and checks the converted event against what upstream Falco 0.44
 * delivered for it: the line of ../shared/oracle/<capture>.events.jsonl
 * cited in the comment (evt.num, evt.args). "<NA>" in the oracle means the
 * parameter is empty (zero length).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "event/event.h"

#define MAXP 32

/* A hand-built event: parameters given as (pointer, length) pairs. */
struct tev {
	uint8_t buf[4096];
	size_t len;
};

static void build(struct tev *t, uint64_t tid, uint64_t ts, uint16_t type, uint32_t n, const void *const vals[],
                  const uint32_t lens[])
{
	int64_t r = ev_encode(t->buf, sizeof(t->buf), ts, tid, type, n, vals, lens);
	assert_true(r > 0);
	t->len = (size_t)r;
}

static const uint64_t TID = 20072;

/* Runs one event through `c`; returns the verdict and decodes the output. */
static int run(struct ev_conv *c, const struct tev *t, struct ev_view *v)
{
	const void *out = NULL;
	int rc = ev_conv_next(c, t->buf, t->len, &out);
	if (rc == EV_CONV_PASS) {
		const struct ev_hdr *h = out;
		assert_int_equal(ev_decode(out, h->len, v), 0);
	}
	return rc;
}

static int64_t p_i64(const struct ev_view *v, unsigned i)
{
	int64_t x;
	assert_int_equal(v->len[i], 8);
	memcpy(&x, v->val[i], 8);
	return x;
}

static uint32_t p_u32(const struct ev_view *v, unsigned i)
{
	uint32_t x;
	assert_int_equal(v->len[i], 4);
	memcpy(&x, v->val[i], 4);
	return x;
}

static uint16_t p_u16(const struct ev_view *v, unsigned i)
{
	uint16_t x;
	assert_int_equal(v->len[i], 2);
	memcpy(&x, v->val[i], 2);
	return x;
}

static void p_str(const struct ev_view *v, unsigned i, const char *s)
{
	assert_int_equal(v->len[i], strlen(s) + 1);
	assert_memory_equal(v->val[i], s, strlen(s) + 1);
}

/* cat_write evt.num 140: "close < res=0 fd=3(<f>/etc/ld.so.cache)" from
 * close enter (fd=3) and close exit (res=0). */
static void close_takes_fd_from_enter(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(0);
	struct tev e, x;
	struct ev_view v;
	int64_t fd = 3, res = 0;
	build(&e, TID, 1470327477881788861ull, EV_SYSCALL_CLOSE_E, 1, (const void *[]){&fd}, (uint32_t[]){8});
	build(&x, TID, 1470327477881789181ull, EV_SYSCALL_CLOSE_X, 1, (const void *[]){&res}, (uint32_t[]){8});
	assert_int_equal(run(c, &e, &v), EV_CONV_DROP);
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(v.hdr->type, EV_SYSCALL_CLOSE_X);
	assert_int_equal(v.hdr->ts, 1470327477881789181ull);
	assert_int_equal(v.hdr->tid, TID);
	assert_int_equal(v.nparams, 2);
	assert_int_equal(p_i64(&v, 0), 0);
	assert_int_equal(p_i64(&v, 1), 3);
	/* the enter event is consumed: a second exit finds none (default fd 0) */
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(p_i64(&v, 1), 0);
	struct ev_conv_stats st;
	ev_conv_get_stats(c, &st);
	assert_int_equal(st.events, 3);
	assert_int_equal(st.passed, 2);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.stored, 1);
	assert_int_equal(st.no_enter, 1);
	ev_conv_free(c);
}

/* cat_write evt.num 172: "read < res=0 data=NULL fd=3(<f>/dev/null) size=131072". */
static void read_appends_fd_and_size(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(0);
	struct tev e, x;
	struct ev_view v;
	int64_t fd = 3, res = 0;
	uint32_t size = 131072;
	build(&e, TID, 1, EV_SYSCALL_READ_E, 2, (const void *[]){&fd, &size}, (uint32_t[]){8, 4});
	build(&x, TID, 2, EV_SYSCALL_READ_X, 2, (const void *[]){&res, NULL}, (uint32_t[]){8, 0});
	assert_int_equal(run(c, &e, &v), EV_CONV_DROP);
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(v.nparams, 4);
	assert_int_equal(p_i64(&v, 0), 0);
	assert_int_equal(v.len[1], 0);
	assert_int_equal(p_i64(&v, 2), 3);
	assert_int_equal(p_u32(&v, 3), 131072);
	ev_conv_free(c);
}

/* cat_write evt.num 168: "open < fd=3(<f>/dev/null) name=/dev/null
 * flags=1(O_RDONLY) mode=0 dev=<NA> ino=<NA>"; the open enter event of the
 * capture (no parameters) is delivered too, as evt.num 167, with three
 * empty parameters (upstream numbers it but does not show it to rules). */
static void open_enter_passes_and_exit_gets_empty_dev_ino(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(0);
	struct tev e, x;
	struct ev_view v;
	int64_t fd = 3;
	uint32_t flags = 1, mode = 0;
	build(&e, TID, 1, EV_SYSCALL_OPEN_E, 0, NULL, NULL);
	build(&x, TID, 2, EV_SYSCALL_OPEN_X, 4, (const void *[]){&fd, "/dev/null", &flags, &mode},
	      (uint32_t[]){8, 10, 4, 4});
	assert_int_equal(run(c, &e, &v), EV_CONV_PASS);
	assert_int_equal(v.hdr->type, EV_SYSCALL_OPEN_E);
	assert_int_equal(v.nparams, 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(v.len[i], 0);
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(v.hdr->type, EV_SYSCALL_OPEN_X);
	assert_int_equal(v.nparams, 6);
	assert_int_equal(p_i64(&v, 0), 3);
	p_str(&v, 1, "/dev/null");
	assert_int_equal(p_u32(&v, 2), 1);
	assert_int_equal(p_u32(&v, 3), 0);
	assert_int_equal(v.len[4], 0);
	assert_int_equal(v.len[5], 0);
	ev_conv_free(c);
}

/* cat_write evt.num 132: "brk < res=926000 vm_size=360 vm_rss=4 vm_swap=0 addr=0"
 * from brk enter (addr=0) and a 4-parameter brk exit. */
static void brk_exit_takes_addr_from_enter(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(0);
	struct tev e, x;
	struct ev_view v;
	uint64_t addr = 0, res = 0x926000;
	uint32_t vm_size = 360, vm_rss = 4, vm_swap = 0;
	build(&e, TID, 1, EV_SYSCALL_BRK_4_E, 1, (const void *[]){&addr}, (uint32_t[]){8});
	build(&x, TID, 2, EV_SYSCALL_BRK_4_X, 4, (const void *[]){&res, &vm_size, &vm_rss, &vm_swap},
	      (uint32_t[]){8, 4, 4, 4});
	assert_int_equal(run(c, &e, &v), EV_CONV_DROP);
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(v.nparams, 5);
	assert_int_equal(p_i64(&v, 0), 0x926000);
	assert_int_equal(p_u32(&v, 1), 360);
	assert_int_equal(p_u32(&v, 2), 4);
	assert_int_equal(p_u32(&v, 3), 0);
	assert_int_equal(p_i64(&v, 4), 0);
	ev_conv_free(c);
}

/* cat_write evt.num 133: "access < res=-2(ENOENT) name=/etc/ld.so.nohwcap mode=0(F_OK)". */
static void access_exit_takes_mode_from_enter(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(0);
	struct tev e, x;
	struct ev_view v;
	uint32_t mode = 0;
	int64_t res = -2;
	build(&e, TID, 1, EV_SYSCALL_ACCESS_E, 1, (const void *[]){&mode}, (uint32_t[]){4});
	build(&x, TID, 2, EV_SYSCALL_ACCESS_X, 2, (const void *[]){&res, "/etc/ld.so.nohwcap"}, (uint32_t[]){8, 19});
	assert_int_equal(run(c, &e, &v), EV_CONV_DROP);
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(v.nparams, 3);
	assert_int_equal(p_i64(&v, 0), -2);
	p_str(&v, 1, "/etc/ld.so.nohwcap");
	assert_int_equal(p_u32(&v, 2), 0);
	ev_conv_free(c);
}

/* connect_localhost evt.num 184: "socket < fd=4(<4>) domain=2(AF_INET) type=1
 * proto=0 flags=0(O_NONE)": two rewrites, the enter's three parameters then
 * the default flags. */
static void socket_exit_chain(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(0);
	struct tev e, x;
	struct ev_view v;
	uint32_t domain = 2, type = 1, proto = 0;
	int64_t fd = 4;
	build(&e, 31699, 1, EV_SOCKET_SOCKET_E, 3, (const void *[]){&domain, &type, &proto}, (uint32_t[]){4, 4, 4});
	build(&x, 31699, 2, EV_SOCKET_SOCKET_X, 1, (const void *[]){&fd}, (uint32_t[]){8});
	assert_int_equal(run(c, &e, &v), EV_CONV_DROP);
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(v.nparams, 5);
	assert_int_equal(p_i64(&v, 0), 4);
	assert_int_equal(p_u32(&v, 1), 2);
	assert_int_equal(p_u32(&v, 2), 1);
	assert_int_equal(p_u32(&v, 3), 0);
	assert_int_equal(p_u32(&v, 4), 0);
	ev_conv_free(c);
}

/* connect_localhost evt.num 186: "connect < res=-115(EINPROGRESS)
 * tuple=127.0.0.1:47192->127.0.0.1:80 fd=4(...) addr=<NA>"; the enter (fd
 * only in the capture) is delivered as evt.num 185 with an empty addr. */
static void connect_enter_passes_and_is_kept(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(0);
	struct tev e, x;
	struct ev_view v;
	int64_t fd = 4, res = -115;
	const uint8_t tuple[] = {0x02, 0x7f, 0x00, 0x00, 0x01, 0x58, 0xb8, 0x7f, 0x00, 0x00, 0x01, 0x50, 0x00};
	build(&e, 31699, 1, EV_SOCKET_CONNECT_E, 1, (const void *[]){&fd}, (uint32_t[]){8});
	build(&x, 31699, 2, EV_SOCKET_CONNECT_X, 2, (const void *[]){&res, tuple}, (uint32_t[]){8, sizeof(tuple)});
	assert_int_equal(run(c, &e, &v), EV_CONV_PASS);
	assert_int_equal(v.hdr->type, EV_SOCKET_CONNECT_E);
	assert_int_equal(v.nparams, 2);
	assert_int_equal(p_i64(&v, 0), 4);
	assert_int_equal(v.len[1], 0);
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(v.nparams, 4);
	assert_int_equal(p_i64(&v, 0), -115);
	assert_int_equal(v.len[1], sizeof(tuple));
	assert_memory_equal(v.val[1], tuple, sizeof(tuple));
	assert_int_equal(p_i64(&v, 2), 4);
	assert_int_equal(v.len[3], 0);
	ev_conv_free(c);
}

/* ping_sendto evt.num 137: "sendmsg < res=64 data=... fd=3(...) size=64
 * tuple=0.0.0.0:1->128.32.41.1". */
static void sendmsg_exit_takes_fd_size_tuple(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(0);
	struct tev e, x;
	struct ev_view v;
	int64_t fd = 3, res = 64;
	uint32_t size = 64;
	const uint8_t tuple[] = {0x02, 0, 0, 0, 0, 0x01, 0x00, 0x80, 0x20, 0x29, 0x01, 0x00, 0x00};
	const char data[] = "0123456789abcdef";
	build(&e, 738, 1, EV_SOCKET_SENDMSG_E, 3, (const void *[]){&fd, &size, tuple}, (uint32_t[]){8, 4, sizeof(tuple)});
	build(&x, 738, 2, EV_SOCKET_SENDMSG_X, 2, (const void *[]){&res, data}, (uint32_t[]){8, 16});
	assert_int_equal(run(c, &e, &v), EV_CONV_DROP);
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(v.nparams, 5);
	assert_int_equal(p_i64(&v, 0), 64);
	assert_memory_equal(v.val[1], data, 16);
	assert_int_equal(p_i64(&v, 2), 3);
	assert_int_equal(p_u32(&v, 3), 64);
	assert_memory_equal(v.val[4], tuple, sizeof(tuple));
	ev_conv_free(c);
}

/* syscall evt.num 183: "madvise <" is a generic exit (ID 0x8b) that takes
 * nativeID (0x1c) from its enter event. */
static void generic_exit_takes_native_id(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(0);
	struct tev e, x;
	struct ev_view v;
	uint16_t id = 0x8b, native = 0x1c;
	build(&e, 16518, 1, EV_GENERIC_E, 2, (const void *[]){&id, &native}, (uint32_t[]){2, 2});
	build(&x, 16518, 2, EV_GENERIC_X, 1, (const void *[]){&id}, (uint32_t[]){2});
	assert_int_equal(run(c, &e, &v), EV_CONV_DROP);
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(v.nparams, 2);
	assert_int_equal(p_u16(&v, 0), 0x8b);
	assert_int_equal(p_u16(&v, 1), 0x1c);
	ev_conv_free(c);
}

/* cat_write evt.num 131: an execve exit of layout 16 (16 parameters, no
 * enter event) becomes the current execve exit; its parameters keep their
 * values and every later one is empty: "... tty=<NA> vpgid=<NA> loginuid=<NA>
 * flags=<NA> cap_inheritable=<NA> ... gid=<NA> filename=<NA>". */
static void execve_16_becomes_current(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(0);
	struct tev x;
	struct ev_view v;
	int64_t res = 0, tid = 20072, pid = 20072, ptid = 11310, fdlimit = 1024;
	uint64_t maj = 0, min = 61;
	uint32_t vm_size = 360, vm_rss = 4, vm_swap = 0;
	const char args[] = "/dev/null", cwd[] = "/mnt", cg[] = "cpuset=/", env[] = "SHELL=/bin/bash";
	const void *vals[16] = {&res, "cat", args, &tid, &pid, &ptid, cwd, &fdlimit, &maj, &min, &vm_size,
	                        &vm_rss, &vm_swap, "cat", cg, env};
	uint32_t lens[16] = {8, 4, sizeof(args), 8, 8, 8, sizeof(cwd), 8, 8, 8, 4, 4, 4, 4, sizeof(cg), sizeof(env)};
	build(&x, TID, 1470327477881730713ull, EV_SYSCALL_EXECVE_16_X, 16, vals, lens);
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(v.hdr->type, EV_SYSCALL_EXECVE_19_X);
	assert_int_equal(v.nparams, ev_info(EV_SYSCALL_EXECVE_19_X)->nparams);
	for (unsigned i = 0; i < 16; i++) {
		assert_int_equal(v.len[i], lens[i]);
		assert_memory_equal(v.val[i], vals[i], lens[i]);
	}
	for (unsigned i = 16; i < v.nparams; i++)
		assert_int_equal(v.len[i], 0);
	ev_conv_free(c);
}

/* open-multiple-files evt.num 1..3: the capture's container_json events
 * (code 272) are numbered by upstream, so they pass, as the current
 * container_json_2 (large payload: u32 lengths) with the same JSON. */
static void container_json_becomes_v2(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(0);
	struct tev x;
	struct ev_view v;
	const char json[] = "{\"container\":{\"id\":\"5ea733068030\"}}";
	build(&x, 0, 0, EV_CONTAINER_JSON_E, 1, (const void *[]){json}, (uint32_t[]){sizeof(json)});
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(v.hdr->type, EV_CONTAINER_JSON_2_E);
	assert_true(ev_is_large(EV_CONTAINER_JSON_2_E));
	assert_int_equal(v.nparams, 1);
	assert_int_equal(v.len[0], sizeof(json));
	assert_memory_equal(v.val[0], json, sizeof(json));
	ev_conv_free(c);
}

/* The oldest container event (id, type, name, image) becomes JSON, built as
 * upstream's converter does (hand-computed expected string). */
static void container_e_becomes_json(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(0);
	struct tev x;
	struct ev_view v;
	uint32_t type = 0;
	build(&x, 0, 0, EV_CONTAINER_E, 4, (const void *[]){"abc", &type, "web", "nginx"}, (uint32_t[]){4, 4, 4, 6});
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(v.hdr->type, EV_CONTAINER_JSON_2_E);
	p_str(&v, 0, "{\"id\":\"abc\",\"type\":0,\"name\":\"web\",\"image\":\"nginx\"}");
	ev_conv_free(c);
}

/* curl_google evt.num 407..: getsockname enter events (old, not managed) are
 * dropped; the exit with the current layout passes untouched (same pointer). */
static void unmanaged_old_enter_dropped_current_passes(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(0);
	struct tev e, x;
	struct ev_view v;
	build(&e, 1, 1, EV_SOCKET_GETSOCKNAME_E, 0, NULL, NULL);
	build(&x, 1, 2, EV_SOCKET_GETSOCKNAME_X, 0, NULL, NULL);
	assert_int_equal(run(c, &e, &v), EV_CONV_DROP);
	const void *out = NULL;
	assert_int_equal(ev_conv_next(c, x.buf, x.len, &out), EV_CONV_PASS);
	assert_ptr_equal(out, x.buf);
	ev_conv_free(c);
}

/* Without its enter event, a `eN` token gives the type's default and a
 * `eN?` token an empty parameter (upstream's fallbacks). */
static void missing_enter_fallbacks(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(0);
	struct tev x;
	struct ev_view v;
	uint64_t res = 7;
	uint32_t z = 0;
	/* brk 4 exit: addr is `e0?` -> empty */
	build(&x, 9, 1, EV_SYSCALL_BRK_4_X, 4, (const void *[]){&res, &z, &z, &z}, (uint32_t[]){8, 4, 4, 4});
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(v.nparams, 5);
	assert_int_equal(v.len[4], 0);
	/* read exit: fd and size are `e0 e1` -> 8 and 4 zero bytes */
	build(&x, 9, 2, EV_SYSCALL_READ_X, 2, (const void *[]){&res, NULL}, (uint32_t[]){8, 0});
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(p_i64(&v, 2), 0);
	assert_int_equal(p_u32(&v, 3), 0);
	ev_conv_free(c);
}

/* An exit whose thread's stored enter event is of another syscall is an
 * error, as upstream (the capture is inconsistent). */
static void mismatched_enter_is_an_error(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(0);
	struct tev e, x;
	struct ev_view v;
	int64_t fd = 3, res = 0;
	build(&e, 5, 1, EV_SYSCALL_CLOSE_E, 1, (const void *[]){&fd}, (uint32_t[]){8});
	build(&x, 5, 2, EV_SYSCALL_READ_X, 2, (const void *[]){&res, NULL}, (uint32_t[]){8, 0});
	assert_int_equal(run(c, &e, &v), EV_CONV_DROP);
	assert_int_equal(run(c, &x, &v), -EPROTO);
	assert_non_null(strstr(ev_conv_error(c), "follows enter event"));
	ev_conv_free(c);
}

/* Malformed input and events with more parameters than the schema. */
static void bad_input_is_an_error(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(0);
	struct tev x;
	int64_t res = 0;
	const void *out;
	build(&x, 5, 1, EV_SYSCALL_CLOSE_X, 1, (const void *[]){&res}, (uint32_t[]){8});
	assert_int_equal(ev_conv_next(c, x.buf, x.len - 1, &out), -EINVAL);
	int64_t many[3] = {0};
	build(&x, 5, 1, EV_SYSCALL_CLOSE_X, 3, (const void *[]){&many[0], &many[1], &many[2]}, (uint32_t[]){8, 8, 8});
	assert_int_equal(ev_conv_next(c, x.buf, x.len, &out), -EINVAL);
	/* an old layout with a parameter count no rule knows */
	build(&x, 5, 1, EV_SYSCALL_EXECVE_16_X, 3, (const void *[]){&many[0], &many[1], &many[2]}, (uint32_t[]){8, 8, 8});
	assert_int_equal(ev_conv_next(c, x.buf, x.len, &out), -EPROTO);
	assert_non_null(strstr(ev_conv_error(c), "no conversion"));
	ev_conv_free(c);
}

/* The enter storage never holds more than its bound: storing the enter
 * events of 1000 threads in a converter bounded to 16 evicts and counts. */
static void storage_is_bounded(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(16);
	struct tev e, x;
	struct ev_view v;
	int64_t fd = 3, res = 0;
	for (uint64_t tid = 1; tid <= 1000; tid++) {
		build(&e, tid, tid, EV_SYSCALL_CLOSE_E, 1, (const void *[]){&fd}, (uint32_t[]){8});
		assert_int_equal(run(c, &e, &v), EV_CONV_DROP);
	}
	struct ev_conv_stats st;
	ev_conv_get_stats(c, &st);
	assert_int_equal(st.stored, 1000);
	assert_true(st.evicted >= 1000 - 16);
	/* the last thread's enter event is still there */
	build(&x, 1000, 2000, EV_SYSCALL_CLOSE_X, 1, (const void *[]){&res}, (uint32_t[]){8});
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(p_i64(&v, 1), 3);
	ev_conv_free(c);
}

/* The byte budget (max_threads * 16 KiB): with room for one thread, an
 * enter event larger than 16 KiB is not kept (counted), and the thread's
 * older enter event does not stand in for it. */
static void storage_byte_budget(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(1);
	struct ev_view v;
	static uint8_t big[20000];
	struct tev e, x;
	int64_t fd = 3, res = 0;
	uint32_t size = 7;
	build(&e, 1, 1, EV_SYSCALL_WRITE_E, 2, (const void *[]){&fd, &size}, (uint32_t[]){8, 4});
	assert_int_equal(run(c, &e, &v), EV_CONV_DROP);
	/* a write enter event of 20000 bytes (a malformed-but-decodable size) */
	static uint8_t pad[19900];
	int64_t r = ev_encode(big, sizeof(big), 2, 1, EV_SYSCALL_WRITE_E, 2, (const void *[]){&fd, pad},
	                      (uint32_t[]){8, sizeof(pad)});
	assert_true(r > 16384);
	const void *out;
	assert_int_equal(ev_conv_next(c, big, (size_t)r, &out), EV_CONV_DROP);
	struct ev_conv_stats st;
	ev_conv_get_stats(c, &st);
	assert_int_equal(st.oversize, 1);
	build(&x, 1, 3, EV_SYSCALL_WRITE_X, 2, (const void *[]){&res, NULL}, (uint32_t[]){8, 0});
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(p_i64(&v, 2), 0); /* default fd: the first enter event was dropped */
	ev_conv_free(c);
}

/* Every rule of the table runs: for each (code, nparams) that has a rule,
 * an event of zero-filled parameters (fixed-size types at their size) is
 * converted without error and the result has the current layout. */
static uint32_t fixed_len(uint8_t t)
{
	switch (t) {
	case EV_PT_INT8: case EV_PT_UINT8: case EV_PT_FLAGS8: case EV_PT_ENUMFLAGS8: case EV_PT_SIGTYPE:
		return 1;
	case EV_PT_INT16: case EV_PT_UINT16: case EV_PT_FLAGS16: case EV_PT_ENUMFLAGS16: case EV_PT_SYSCALLID:
	case EV_PT_PORT:
		return 2;
	case EV_PT_INT32: case EV_PT_UINT32: case EV_PT_FLAGS32: case EV_PT_ENUMFLAGS32: case EV_PT_UID:
	case EV_PT_GID: case EV_PT_MODE: case EV_PT_FD32: case EV_PT_PID32: case EV_PT_SIGSET:
		return 4;
	case EV_PT_INT64: case EV_PT_UINT64: case EV_PT_ERRNO: case EV_PT_FD: case EV_PT_PID:
	case EV_PT_RELTIME: case EV_PT_ABSTIME:
		return 8;
	default:
		return 0;
	}
}

static void every_rule_runs(void **state)
{
	(void)state;
	static const uint8_t zeros[64];
	unsigned rules = 0;
	for (uint32_t code = 0; code < EV_CODE_MAX; code++) {
		const struct ev_info *info = ev_info((uint16_t)code);
		for (uint32_t n = 0; n <= EV_MAX_PARAMS; n++) {
			if (!ev_conv_has_rule((uint16_t)code, n))
				continue;
			rules++;
			const void *vals[MAXP];
			uint32_t lens[MAXP];
			for (uint32_t i = 0; i < n; i++) {
				vals[i] = zeros;
				lens[i] = i < info->nparams ? fixed_len(info->params[i].type) : 0;
			}
			struct ev_conv *c = ev_conv_new(0);
			struct tev x;
			struct ev_view v;
			build(&x, 1, 1, (uint16_t)code, n, vals, lens);
			int rc = run(c, &x, &v);
			if (rc < 0)
				fail_msg("code %u nparams %u: %s", code, n, ev_conv_error(c));
			if (rc == EV_CONV_PASS) {
				const struct ev_info *oi = ev_info(v.hdr->type);
				assert_false(oi->flags & EV_F_OLD_VERSION && ev_is_exit(v.hdr->type));
				if (ev_is_exit(v.hdr->type) && (oi->flags & EV_F_CONVERTER_MANAGED))
					assert_int_equal(v.nparams, oi->nparams);
			}
			ev_conv_free(c);
		}
	}
	/* upstream's table has 253 entries at libs 48dfd53 */
	assert_int_equal(rules, 253);
}

/* Cases from upstream's converter tests (falcosecurity/libs
 * test/libscap/test_suites/engines/savefile/converter.cpp, at 48dfd53):
 * PPME_SOCKET_ACCEPT_X_to_PPME_SOCKET_ACCEPT_5_X: the old accept exit keeps
 * fd, tuple and queuepct and gets queuelen = queuemax = 0. */
static void upstream_accept_to_accept_5(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(0);
	struct tev x;
	struct ev_view v;
	int64_t fd = 25;
	const char tuple[] = "tuple";
	uint8_t queuepct = 3;
	build(&x, 25, 12, EV_SOCKET_ACCEPT_X, 3, (const void *[]){&fd, tuple, &queuepct}, (uint32_t[]){8, 6, 1});
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(v.hdr->type, EV_SOCKET_ACCEPT_5_X);
	assert_int_equal(v.nparams, 5);
	assert_int_equal(p_i64(&v, 0), 25);
	assert_memory_equal(v.val[1], tuple, 6);
	assert_int_equal(v.len[2], 1);
	assert_int_equal(*(const uint8_t *)v.val[2], 3);
	assert_int_equal(p_u32(&v, 3), 0);
	assert_int_equal(p_u32(&v, 4), 0);
	ev_conv_free(c);
}

/* PPME_SYSCALL_BPF_X_1_to_2_X_2_params_with_enter / _no_enter: the enter's
 * int64 cmd lands in a 32-bit parameter (truncated to its width); without
 * the enter event it is empty. */
static void upstream_bpf_cmd_truncated_or_empty(void **state)
{
	(void)state;
	struct ev_conv *c = ev_conv_new(0);
	struct tev e, x;
	struct ev_view v;
	int64_t res = 89, cmd = 0x0011223344556677;
	build(&e, 25, 12, EV_SYSCALL_BPF_E, 1, (const void *[]){&cmd}, (uint32_t[]){8});
	build(&x, 25, 12, EV_SYSCALL_BPF_X, 1, (const void *[]){&res}, (uint32_t[]){8});
	assert_int_equal(run(c, &e, &v), EV_CONV_DROP);
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(v.hdr->type, EV_SYSCALL_BPF_2_X);
	assert_int_equal(v.nparams, 2);
	assert_int_equal(p_i64(&v, 0), 89);
	assert_int_equal(p_u32(&v, 1), (uint32_t)cmd);
	/* no enter event left: the cmd is empty */
	assert_int_equal(run(c, &x, &v), EV_CONV_PASS);
	assert_int_equal(v.nparams, 2);
	assert_int_equal(v.len[1], 0);
	ev_conv_free(c);
}

/* Random events (any code, any parameter count, random lengths and bytes,
 * random threads so enter events meet other exits) never crash the
 * converter or make it read out of bounds (ASan), and whatever it delivers
 * decodes. Deterministic: a fixed xorshift seed. */
static void random_events_never_crash(void **state)
{
	(void)state;
	uint64_t x = 0x9E3779B97F4A7C15ull;
#define NEXT() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
	struct ev_conv *c = ev_conv_new(8);
	static uint8_t pool[64];
	for (unsigned i = 0; i < sizeof(pool); i++)
		pool[i] = (uint8_t)NEXT();
	unsigned passed = 0, errors = 0;
	for (int i = 0; i < 200000; i++) {
		uint16_t code = (uint16_t)(NEXT() % EV_CODE_MAX);
		uint32_t n = (uint32_t)(NEXT() % 8);
		const void *vals[8];
		uint32_t lens[8];
		for (uint32_t k = 0; k < n; k++) {
			vals[k] = pool;
			lens[k] = (uint32_t)(NEXT() % 17);
		}
		struct tev t;
		build(&t, NEXT() % 4, (uint64_t)i, code, n, vals, lens);
		struct ev_view v;
		const void *out;
		int rc = ev_conv_next(c, t.buf, t.len, &out);
		if (rc == EV_CONV_PASS) {
			assert_int_equal(ev_decode(out, ((const struct ev_hdr *)out)->len, &v), 0);
			passed++;
		} else if (rc < 0) {
			assert_true(ev_conv_error(c)[0] != '\0');
			errors++;
		}
	}
#undef NEXT
	assert_true(passed > 0 && errors > 0);
	ev_conv_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(close_takes_fd_from_enter),
		cmocka_unit_test(read_appends_fd_and_size),
		cmocka_unit_test(open_enter_passes_and_exit_gets_empty_dev_ino),
		cmocka_unit_test(brk_exit_takes_addr_from_enter),
		cmocka_unit_test(access_exit_takes_mode_from_enter),
		cmocka_unit_test(socket_exit_chain),
		cmocka_unit_test(connect_enter_passes_and_is_kept),
		cmocka_unit_test(sendmsg_exit_takes_fd_size_tuple),
		cmocka_unit_test(generic_exit_takes_native_id),
		cmocka_unit_test(execve_16_becomes_current),
		cmocka_unit_test(container_json_becomes_v2),
		cmocka_unit_test(container_e_becomes_json),
		cmocka_unit_test(unmanaged_old_enter_dropped_current_passes),
		cmocka_unit_test(missing_enter_fallbacks),
		cmocka_unit_test(mismatched_enter_is_an_error),
		cmocka_unit_test(bad_input_is_an_error),
		cmocka_unit_test(storage_is_bounded),
		cmocka_unit_test(storage_byte_budget),
		cmocka_unit_test(every_rule_runs),
		cmocka_unit_test(upstream_accept_to_accept_5),
		cmocka_unit_test(upstream_bpf_cmd_truncated_or_empty),
		cmocka_unit_test(random_events_never_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
