/* The capture reader: walks the block sequence, hands metadata blocks to
 * the parsers in meta.c, and turns event blocks of every version into
 * events with the current 26-byte header. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture/capture_int.h"

#define NOTIFICATION_E 280u          /* old captures store a len 3 bytes too long */
#define INFRASTRUCTURE_EVENT_E 286u

struct cap_reader {
	struct cap_src src;
	struct cap_meta_store meta;
	uint32_t max_block;
	uint8_t *scratch;    /* a V1 event rewritten with nparams (CAP_MAX_NORMAL_READ + 8) */
	int err;             /* sticky */
	char errmsg[CAP_ERR_LEN];
	char name[64];       /* file name (tail) or "<memory>", for messages */
	struct cap_stats stats;
};

struct blk {
	uint32_t type;
	uint32_t total;
	uint64_t off;          /* stream offset of the block */
	const uint8_t *body;   /* total - 12 bytes */
	uint32_t body_len;
};

const char *cap_block_name(uint32_t t)
{
	static const char pl[][16] = {"", "process list V1", "process list V2", "process list V3",
	                        "process list V4", "process list V5", "process list V6",
	                        "process list V7", "process list V8", "process list V9"};
	int v = cap_pl_version(t);
	if (v)
		return pl[v];
	switch (t) {
	case CAP_BLOCK_SHB: return "section header";
	case CAP_BLOCK_MI: case CAP_BLOCK_MI_INT: return "machine info";
	case CAP_BLOCK_FDL: case CAP_BLOCK_FDL_INT: return "fd list V1";
	case CAP_BLOCK_FDL_V2: return "fd list V2";
	case CAP_BLOCK_EV: case CAP_BLOCK_EV_INT: return "event V1";
	case CAP_BLOCK_EV_V2: return "event V2";
	case CAP_BLOCK_EV_V2_LARGE: return "event V2 large";
	case CAP_BLOCK_EVF: return "event with flags V1";
	case CAP_BLOCK_EVF_V2: return "event with flags V2";
	case CAP_BLOCK_EVF_V2_LARGE: return "event with flags V2 large";
	case CAP_BLOCK_IL: case CAP_BLOCK_IL_INT: return "interface list V1";
	case CAP_BLOCK_IL_V2: return "interface list V2";
	case CAP_BLOCK_UL: case CAP_BLOCK_UL_INT: return "user list V1";
	case CAP_BLOCK_UL_V2: return "user list V2";
	default: return NULL;
	}
}

static bool is_event_block(uint32_t t)
{
	switch (t) {
	case CAP_BLOCK_EV: case CAP_BLOCK_EV_INT: case CAP_BLOCK_EV_V2: case CAP_BLOCK_EV_V2_LARGE:
	case CAP_BLOCK_EVF: case CAP_BLOCK_EVF_V2: case CAP_BLOCK_EVF_V2_LARGE:
		return true;
	default:
		return false;
	}
}

__attribute__((format(printf, 4, 5)))
static int fail(struct cap_reader *r, int err, uint64_t at, const char *fmt, ...)
{
	char m[CAP_ERR_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	r->err = err;
	snprintf(r->errmsg, sizeof(r->errmsg), "%s: offset %" PRIu64 ": %.160s", r->name, at, m);
	return err;
}

static int fail_blk(struct cap_reader *r, int err, const struct blk *b, const char *what)
{
	const char *bn = cap_block_name(b->type);
	return fail(r, err, b->off, "block 0x%x (%s): %s", b->type, bn ? bn : "unknown", what);
}

/* Reads the block at the current position into b (without consuming it).
 * Returns 0, CAP_EOF when no byte is left, or a negative errno. */
static int peek_block(struct cap_reader *r, struct blk *b)
{
	struct cap_src *s = &r->src;
	uint64_t at = cap_src_pos(s);
	int64_t got = cap_src_need(s, 8);
	if (got < 0)
		return fail(r, (int)got, at, "%s", s->errmsg);
	if (got == 0)
		return CAP_EOF;
	if (got < 8)
		return fail(r, -EINVAL, at, "truncated block header (%" PRId64 " of 8 bytes)", got);
	memcpy(&b->type, s->data + s->head, 4);
	memcpy(&b->total, s->data + s->head + 4, 4);
	b->off = at;
	if (b->total < CAP_BLOCK_OVERHEAD)
		return fail_blk(r, -EINVAL, b, "total length below 12");
	if (b->total > r->max_block) {
		char m[96];
		snprintf(m, sizeof(m), "total length %u above the limit %u", b->total, r->max_block);
		return fail_blk(r, -E2BIG, b, m);
	}
	got = cap_src_need(s, b->total);
	if (got < 0)
		return fail(r, (int)got, at, "%s", s->errmsg);
	if ((uint64_t)got < b->total) {
		char m[96];
		snprintf(m, sizeof(m), "truncated: length %u, %" PRId64 " bytes left", b->total, got);
		return fail_blk(r, -EINVAL, b, m);
	}
	const uint8_t *p = s->data + s->head;
	uint32_t trailer;
	memcpy(&trailer, p + b->total - 4, 4);
	if (trailer != b->total) {
		char m[96];
		snprintf(m, sizeof(m), "trailer length %u differs from header length %u", trailer, b->total);
		return fail_blk(r, -EINVAL, b, m);
	}
	b->body = p + 8;
	b->body_len = b->total - CAP_BLOCK_OVERHEAD;
	return 0;
}

static void consume(struct cap_reader *r, const struct blk *b) { r->src.head += b->total; }

/* ---- section header and metadata ---- */

static int read_shb(struct cap_reader *r)
{
	struct blk b;
	int rc = peek_block(r, &b);
	if (rc == CAP_EOF)
		return fail(r, -EINVAL, 0, "empty file");
	if (rc)
		return rc;
	if (b.type != CAP_BLOCK_SHB) {
		char m[64];
		snprintf(m, sizeof(m), "not a capture: first block type is 0x%x", b.type);
		return fail(r, -EINVAL, 0, "%s", m);
	}
	if (b.body_len < 16)
		return fail_blk(r, -EINVAL, &b, "section header shorter than 16 bytes");
	uint32_t magic;
	memcpy(&magic, b.body, 4);
	if (magic != CAP_SHB_MAGIC)
		return fail_blk(r, -EINVAL, &b,
		                magic == __builtin_bswap32(CAP_SHB_MAGIC)
		                        ? "byte-swapped capture (other endianness) is not supported"
		                        : "bad byte-order magic");
	memcpy(&r->meta.pub.major, b.body + 4, 2);
	memcpy(&r->meta.pub.minor, b.body + 6, 2);
	if (r->meta.pub.major > 1)
		return fail_blk(r, -EINVAL, &b, "section major version above 1 (newer format)");
	consume(r, &b); /* pcapng options after the fixed part are skipped */
	return 0;
}

static int parse_meta_block(struct cap_reader *r, const struct blk *b)
{
	struct cap_meta_store *m = &r->meta;
	struct cap_perr e = {{0}, 0};
	uint64_t bo = b->off + 8;
	int rc = 0;
	switch (b->type) {
	case CAP_BLOCK_MI: case CAP_BLOCK_MI_INT:
		rc = cap_parse_mi(m, b->body, b->body_len, bo, &e);
		break;
	case CAP_BLOCK_FDL: case CAP_BLOCK_FDL_INT: case CAP_BLOCK_FDL_V2:
		rc = cap_parse_fdl(m, b->type, b->body, b->body_len, bo, &e);
		break;
	case CAP_BLOCK_IL: case CAP_BLOCK_IL_INT: case CAP_BLOCK_IL_V2:
		rc = cap_parse_il(m, b->type, b->body, b->body_len, bo, &e);
		break;
	case CAP_BLOCK_UL: case CAP_BLOCK_UL_INT: case CAP_BLOCK_UL_V2:
		rc = cap_parse_ul(m, b->type, b->body, b->body_len, bo, &e);
		break;
	default:
		if (cap_pl_version(b->type))
			rc = cap_parse_pl(m, b->type, b->body, b->body_len, bo, &e);
		break; /* unknown: skipped */
	}
	if (rc) {
		r->err = rc;
		snprintf(r->errmsg, sizeof(r->errmsg), "%s: %.190s", r->name, e.msg);
	}
	return rc;
}

/* Everything up to the first event block (left unread) or the end. */
static int read_meta(struct cap_reader *r)
{
	int rc = read_shb(r);
	while (rc == 0) {
		struct blk b;
		rc = peek_block(r, &b);
		if (rc == CAP_EOF)
			break;
		if (rc)
			return rc;
		if (is_event_block(b.type))
			break;
		rc = parse_meta_block(r, &b);
		if (rc == 0)
			consume(r, &b);
	}
	if (rc < 0)
		return rc;
	rc = cap_meta_finish(&r->meta);
	if (rc)
		return fail(r, rc, cap_src_pos(&r->src), "out of memory");
	return 0;
}

/* ---- events ---- */

/* Finds nparams of a V1 event as upstream does: start from the schema's
 * count and go down until the lengths add up exactly to the event's end.
 * ev points to a normalised event of `len` bytes. Returns -1 when no count
 * fits. */
static int64_t v1_nparams(const uint8_t *ev, uint32_t len, uint16_t type)
{
	const struct ev_info *info = ev_info(type);
	int64_t n = info ? info->nparams : 0;
	for (; n >= 0; n--) {
		uint64_t pos = EV_HDR_LEN + 2 * (uint64_t)n;
		if (pos > len)
			continue;
		for (int64_t i = 0; i < n; i++) {
			uint16_t l;
			memcpy(&l, ev + EV_HDR_LEN + 2 * i, 2);
			pos += l;
		}
		if (pos < len)
			return -1;
		if (pos == len)
			return n;
	}
	return -1;
}

/* Rewrites a V1 event (22-byte header) as a current one in r->scratch. */
static int normalize_v1(struct cap_reader *r, const struct blk *b, const uint8_t *ev, uint32_t avail,
                        const struct ev_hdr **out)
{
	struct {
		uint64_t ts, tid;
		uint32_t len;
		uint16_t type;
	} __attribute__((packed)) h1;
	memcpy(&h1, ev, CAP_V1_HDR_LEN);
	uint64_t len = (uint64_t)h1.len + 4;
	if (h1.type == NOTIFICATION_E || h1.type == INFRASTRUCTURE_EVENT_E)
		len -= 3;
	if (h1.len < CAP_V1_HDR_LEN || len < EV_HDR_LEN || len - 4 > avail)
		return fail_blk(r, -EINVAL, b, "V1 event length inconsistent with the block");
	struct ev_hdr h = {h1.ts, h1.tid, (uint32_t)len, h1.type, 0};
	memcpy(r->scratch + EV_HDR_LEN, ev + CAP_V1_HDR_LEN, len - EV_HDR_LEN);
	int64_t np = v1_nparams(r->scratch, (uint32_t)len, h1.type);
	if (np < 0)
		return fail_blk(r, -EINVAL, b, "V1 event: parameter lengths do not add up to its length");
	h.nparams = (uint32_t)np;
	memcpy(r->scratch, &h, sizeof(h));
	*out = (const struct ev_hdr *)r->scratch;
	return 0;
}

/* Decodes event block b into ev. Returns 0, 1 to skip it, or an error. */
static int event_from_block(struct cap_reader *r, const struct blk *b, struct cap_event *ev)
{
	bool v2 = b->type == CAP_BLOCK_EV_V2 || b->type == CAP_BLOCK_EV_V2_LARGE ||
	          b->type == CAP_BLOCK_EVF_V2 || b->type == CAP_BLOCK_EVF_V2_LARGE;
	bool large = b->type == CAP_BLOCK_EV_V2_LARGE || b->type == CAP_BLOCK_EVF_V2_LARGE;
	bool flagged = b->type == CAP_BLOCK_EVF || b->type == CAP_BLOCK_EVF_V2 ||
	               b->type == CAP_BLOCK_EVF_V2_LARGE;
	uint32_t pre = flagged ? 6 : 2, hlen = v2 ? EV_HDR_LEN : CAP_V1_HDR_LEN;

	if (!large && b->total - 8 > CAP_MAX_NORMAL_READ)
		return fail_blk(r, -EINVAL, b, "event block above 64 KiB (only large blocks may be)");
	if (b->body_len < pre + hlen)
		return fail_blk(r, -EINVAL, b, "block too short for an event header");
	memcpy(&ev->cpu, b->body, 2);
	ev->flags = 0;
	if (flagged)
		memcpy(&ev->flags, b->body + 2, 4);
	const uint8_t *e = b->body + pre;
	uint32_t avail = b->body_len - pre;
	uint16_t type;
	memcpy(&type, e + 16 + 4, 2); /* same place in V1 and V2 */
	if (type >= EV_CODE_MAX) {
		r->stats.skipped_events++;
		return 1;
	}
	const struct ev_hdr *h = (const struct ev_hdr *)e;
	if (!v2) {
		int rc = normalize_v1(r, b, e, avail, &h);
		if (rc)
			return rc;
		avail = h->len;
	}
	struct ev_view view;
	if (ev_decode(h, avail, &view) != 0)
		return fail_blk(r, -EINVAL, b, "event header or parameter lengths inconsistent");
	ev->hdr = h;
	ev->block_type = b->type;
	ev->offset = b->off;
	return 0;
}

int cap_next(struct cap_reader *r, struct cap_event *ev)
{
	if (r->err)
		return r->err;
	for (;;) {
		struct blk b;
		int rc = peek_block(r, &b);
		if (rc)
			return rc;
		if (!is_event_block(b.type)) {
			r->stats.skipped_blocks++;
			consume(r, &b);
			continue;
		}
		rc = event_from_block(r, &b, ev);
		if (rc < 0)
			return rc;
		consume(r, &b);
		if (rc == 0) {
			r->stats.events++;
			return 0;
		}
	}
}

/* ---- open / close ---- */

static struct cap_reader *reader_new(const struct cap_open_opts *opts, const char *name)
{
	struct cap_reader *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->max_block = CAP_DEFAULT_MAX_BLOCK;
	if (opts && opts->sz >= offsetof(struct cap_open_opts, max_block_len) + sizeof(uint32_t) &&
	    opts->max_block_len)
		r->max_block = opts->max_block_len;
	const char *slash = strrchr(name, '/');
	snprintf(r->name, sizeof(r->name), "%s", slash && slash[1] ? slash + 1 : name);
	r->scratch = malloc(CAP_MAX_NORMAL_READ + 8);
	if (r->scratch == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

static struct cap_reader *finish_open(struct cap_reader *r, char *err)
{
	if (read_meta(r) == 0) {
		r->err = 0;
		r->errmsg[0] = '\0';
		return r;
	}
	if (err)
		snprintf(err, CAP_ERR_LEN, "%s", r->errmsg);
	cap_close(r);
	return NULL;
}

struct cap_reader *cap_open(const char *path, const struct cap_open_opts *opts, char *err)
{
	struct cap_reader *r = reader_new(opts, path);
	if (r == NULL) {
		if (err)
			snprintf(err, CAP_ERR_LEN, "%s: out of memory", path);
		return NULL;
	}
	r->src.gz = gzopen(path, "rb");
	if (r->src.gz == NULL) {
		if (err)
			snprintf(err, CAP_ERR_LEN, "%s: cannot open: %s", path, strerror(errno ? errno : ENOMEM));
		cap_close(r);
		return NULL;
	}
	gzbuffer(r->src.gz, 256u << 10);
	return finish_open(r, err);
}

struct cap_reader *cap_open_mem(const void *buf, size_t len, const struct cap_open_opts *opts,
                                char *err)
{
	struct cap_reader *r = reader_new(opts, "<memory>");
	if (r == NULL) {
		if (err)
			snprintf(err, CAP_ERR_LEN, "<memory>: out of memory");
		return NULL;
	}
	r->src.data = buf;
	r->src.tail = len;
	return finish_open(r, err);
}

const struct cap_meta *cap_meta(const struct cap_reader *r) { return &r->meta.pub; }

const char *cap_error(const struct cap_reader *r) { return r->errmsg; }

void cap_get_stats(const struct cap_reader *r, struct cap_stats *out)
{
	*out = r->stats;
	out->bytes = cap_src_pos(&r->src);
}

void cap_close(struct cap_reader *r)
{
	if (r == NULL)
		return;
	cap_src_close(&r->src);
	cap_meta_free(&r->meta);
	free(r->scratch);
	free(r);
}
