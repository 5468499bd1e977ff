/*
 * A field class over core/state's extractors (st_field_extract), so the
 * filter oracle can run proc.*, thread.*, fd.*, user.* and group.* checks
 * before core/state ships its own classes against core/fields/fields.h.
 * Types and flags are upstream's; the fields core/state lacks are absent
 * (fd.rip, fd.lip, fd.rport, fd.lport, fd.is_server, fd.*.name, caps ...),
 * so conditions on them fail to compile here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state_fields.h"

enum { C_NONE = -1 };

/* A field: its st id (or a composite of two ids), upstream type and flags. */
struct sf {
	struct fld_info info;
	int id, id2;
};

#define S(name, id, type, flags) {{name, type, flags, EV_PF_NA, NULL, "(core/state)"}, id, C_NONE}
#define S2(name, id, id2, type, flags) {{name, type, flags, EV_PF_NA, NULL, "(core/state)"}, id, id2}
#define ANYNE (FLD_F_MATCH_ANY | FLD_F_NE_ALL)

static const struct sf sfields[] = {
	S("proc.pid", STF_PROC_PID, EV_PT_INT64, 0),
	S("proc.ppid", STF_PROC_PPID, EV_PT_INT64, 0),
	S("proc.name", STF_PROC_NAME, EV_PT_CHARBUF, 0),
	S("proc.pname", STF_PROC_PNAME, EV_PT_CHARBUF, 0),
	S("proc.aname", STF_PROC_ANAME, EV_PT_CHARBUF, FLD_F_ARG_ALLOWED | FLD_F_ARG_INDEX),
	S("proc.apid", STF_PROC_APID, EV_PT_INT64, FLD_F_ARG_ALLOWED | FLD_F_ARG_INDEX),
	S("proc.exe", STF_PROC_EXE, EV_PT_CHARBUF, 0),
	S("proc.pexe", STF_PROC_PEXE, EV_PT_CHARBUF, 0),
	S("proc.exepath", STF_PROC_EXEPATH, EV_PT_CHARBUF, 0),
	S("proc.pexepath", STF_PROC_PEXEPATH, EV_PT_CHARBUF, 0),
	S("proc.cmdline", STF_PROC_CMDLINE, EV_PT_CHARBUF, 0),
	S("proc.pcmdline", STF_PROC_PCMDLINE, EV_PT_CHARBUF, 0),
	S("proc.args", STF_PROC_ARGS, EV_PT_CHARBUF, 0),
	S("proc.cwd", STF_PROC_CWD, EV_PT_CHARBUF, 0),
	S("proc.sid", STF_PROC_SID, EV_PT_INT64, 0),
	S("proc.sname", STF_PROC_SNAME, EV_PT_CHARBUF, 0),
	S("proc.vpgid", STF_PROC_VPGID, EV_PT_INT64, 0),
	S("proc.tty", STF_PROC_TTY, EV_PT_UINT32, 0),
	S("proc.vpid", STF_PROC_VPID, EV_PT_INT64, 0),
	S("proc.env", STF_PROC_ENV, EV_PT_CHARBUF, 0),
	S("proc.nthreads", STF_PROC_NTHREADS, EV_PT_UINT64, 0),
	S("proc.is_vpgid_leader", STF_PROC_IS_VPGID_LEADER, EV_PT_BOOL, 0),
	S("proc.exe_ino", STF_PROC_EXE_INO, EV_PT_INT64, 0),
	S("proc.exe_ino.ctime", STF_PROC_EXE_INO_CTIME, EV_PT_ABSTIME, 0),
	S("proc.exe_ino.mtime", STF_PROC_EXE_INO_MTIME, EV_PT_ABSTIME, 0),
	S("proc.is_exe_upper_layer", STF_PROC_IS_EXE_UPPER_LAYER, EV_PT_BOOL, 0),
	S("proc.is_exe_from_memfd", STF_PROC_IS_EXE_FROM_MEMFD, EV_PT_BOOL, 0),
	S("proc.is_exe_writable", STF_PROC_IS_EXE_WRITABLE, EV_PT_BOOL, 0),
	S("proc.exeline", STF_PROC_EXELINE, EV_PT_CHARBUF, 0),
	S("thread.tid", STF_THREAD_TID, EV_PT_INT64, 0),
	S("thread.vtid", STF_THREAD_VTID, EV_PT_INT64, 0),
	S("thread.ismain", STF_THREAD_ISMAIN, EV_PT_BOOL, 0),
	S("fd.num", STF_FD_NUM, EV_PT_INT64, 0),
	S("fd.name", STF_FD_NAME, EV_PT_CHARBUF, 0),
	S("fd.nameraw", STF_FD_NAMERAW, EV_PT_CHARBUF, 0),
	S("fd.type", STF_FD_TYPE, EV_PT_CHARBUF, 0),
	S("fd.typechar", STF_FD_TYPECHAR, EV_PT_CHARBUF, 0),
	S("fd.directory", STF_FD_DIRECTORY, EV_PT_CHARBUF, 0),
	S("fd.filename", STF_FD_FILENAME, EV_PT_CHARBUF, 0),
	S("fd.cip", STF_FD_CIP, EV_PT_IPADDR, 0),
	S("fd.sip", STF_FD_SIP, EV_PT_IPADDR, 0),
	S("fd.cport", STF_FD_CPORT, EV_PT_PORT, 0),
	S("fd.sport", STF_FD_SPORT, EV_PT_PORT, 0),
	S("fd.l4proto", STF_FD_L4PROTO, EV_PT_CHARBUF, 0),
	S("fd.sockfamily", STF_FD_SOCKFAMILY, EV_PT_CHARBUF, 0),
	S("fd.ino", STF_FD_INO, EV_PT_INT64, 0),
	S("fd.dev", STF_FD_DEV, EV_PT_UINT32, 0),
	S("fd.connected", STF_FD_CONNECTED, EV_PT_BOOL, 0),
	S("fd.name_changed", STF_FD_NAME_CHANGED, EV_PT_BOOL, 0),
	S2("fd.ip", STF_FD_CIP, STF_FD_SIP, EV_PT_IPADDR, ANYNE),
	S2("fd.port", STF_FD_CPORT, STF_FD_SPORT, EV_PT_PORT, ANYNE),
	S2("fd.net", STF_FD_CIP, STF_FD_SIP, EV_PT_IPNET, ANYNE),
	S("fd.cnet", STF_FD_CIP, EV_PT_IPNET, 0),
	S("fd.snet", STF_FD_SIP, EV_PT_IPNET, 0),
	S("user.uid", STF_USER_UID, EV_PT_UINT32, 0),
	S("user.name", STF_USER_NAME, EV_PT_CHARBUF, 0),
	S("user.homedir", STF_USER_HOMEDIR, EV_PT_CHARBUF, 0),
	S("user.shell", STF_USER_SHELL, EV_PT_CHARBUF, 0),
	S("user.loginuid", STF_USER_LOGINUID, EV_PT_INT64, 0),
	S("user.loginname", STF_USER_LOGINNAME, EV_PT_CHARBUF, 0),
	S("group.gid", STF_GROUP_GID, EV_PT_UINT32, 0),
	S("group.name", STF_GROUP_NAME, EV_PT_CHARBUF, 0),
	S("container.id", STF_CONTAINER_ID, EV_PT_CHARBUF, 0),
};

#define NSF (sizeof sfields / sizeof sfields[0])
static struct fld_info infos[NSF];

/* Converts one st value to the field's native layout, appending it to o. */
static bool put(struct fld_vals *o, struct fld_val *slot, uint8_t *store, uint8_t type,
                const struct st_value *v)
{
	uint32_t w = fld_type_width(type);
	if (v->kind == ST_V_STR && (type == EV_PT_IPADDR || type == EV_PT_IPNET)) {
		char ip[64];
		snprintf(ip, sizeof ip, "%.*s", (int)v->len, v->s);
		bool v6 = strchr(ip, ':') != NULL;
		if (inet_pton(v6 ? AF_INET6 : AF_INET, ip, store) != 1)
			return false;
		slot->ptr = store;
		slot->len = v6 ? 16 : 4;
	} else if (v->kind == ST_V_STR) {
		slot->ptr = v->s;
		slot->len = (uint32_t)v->len;
	} else if (w) {
		uint64_t x = v->kind == ST_V_I64 ? (uint64_t)v->i : v->u;
		memcpy(store, &x, w); /* little-endian: the low bytes */
		slot->ptr = store;
		slot->len = w;
	} else {
		return false;
	}
	(void)o;
	return true;
}

/* Per-binding storage: values of multi-valued fields. */
struct sf_state {
	struct fld_val vals[64];
	uint8_t store[64][16];
	char buf[2][4096];
};

static int sf_bind(struct fld_bind *b, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	struct sf_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	b->state = s;
	const struct sf *f = &sfields[b->field];
	if ((f->id == STF_PROC_ANAME || f->id == STF_PROC_APID) && !b->arg)
		b->flags |= FLD_F_MATCH_ANY;
	return 0;
}

static void sf_unbind(struct fld_bind *b)
{
	free(b->state);
}

static int sf_extract(const struct fld_ctx *ctx, const struct fld_bind *b, struct fld_vals *o)
{
	struct st_state *st = ctx->state;
	struct sf_state *s = b->state;
	const struct sf *f = &sfields[b->field];
	struct st_value v;
	if (!st)
		return 0;
	o->n = 0;
	o->v = s->vals;
	if ((f->id == STF_PROC_ANAME || f->id == STF_PROC_APID) && !b->arg) {
		/* every ancestor, from the parent up */
		for (int k = 1; k <= 64 && o->n < 64; k++) {
			if (!st_field_extract(st, f->id, k, &v, s->buf[0], sizeof s->buf[0]))
				break;
			if (v.kind == ST_V_STR && v.s == s->buf[0])
				return -EINVAL; /* composed strings are not expected here */
			if (put(o, &s->vals[o->n], s->store[o->n], f->info.type, &v))
				o->n++;
		}
		return 0;
	}
	int ids[2] = {f->id, f->id2};
	for (int k = 0; k < 2 && ids[k] != C_NONE; k++) {
		if (!st_field_extract(st, ids[k], b->arg ? (int)b->arg_index : -1, &v, s->buf[k],
		                      sizeof s->buf[k]))
			continue;
		if (put(o, &s->vals[o->n], s->store[o->n], f->info.type, &v))
			o->n++;
	}
	return 0;
}

static const char *const src[] = {"syscall", NULL};
static struct fld_class cls = {
	.name = "state (test bridge)",
	.sources = src,
	.extract = sf_extract,
	.bind = sf_bind,
	.unbind = sf_unbind,
};

const struct fld_class *test_state_fields(void)
{
	for (size_t i = 0; i < NSF; i++)
		infos[i] = sfields[i].info;
	cls.fields = infos;
	cls.nfields = NSF;
	return &cls;
}
