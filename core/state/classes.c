/*
 * Field classes for the filter engine (core/fields' interface) over the
 * state extractors of fields.c: "process" (proc.*, thread.*), "fd", "user"
 * and "group", with upstream's field names, value types and flags. The
 * extraction context's `state` is the struct st_state whose current event
 * is being evaluated.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/dns.h"
#include "fields/fields.h"
#include "filter/filter.h"
#include "state/state.h"

#define ARGIDX (FLD_F_ARG_ALLOWED | FLD_F_ARG_INDEX)
/* without an index these match any ancestor (FLD_F_MATCH_ANY, set in bind) */
#define ANCESTOR (FLD_F_ARG_ALLOWED | FLD_F_ARG_INDEX | FLD_F_NO_RHS | FLD_F_NO_TRANSFORMER)
#define EITHER (FLD_F_MATCH_ANY | FLD_F_NE_ALL)

/* pseudo ids: fields made of the client and the server side */
enum { X_IP = STF_COUNT + 1, X_PORT, X_NET, X_CNET, X_SNET, X_LNET, X_RNET,
       /* domain names of fd.cip / fd.sip / fd.lip / fd.rip (core/dns) */
       X_CIP_NAME, X_SIP_NAME, X_LIP_NAME, X_RIP_NAME };
#define IPNAME (FLD_F_NO_RHS | FLD_F_NO_TRANSFORMER)

/* Per class: the fields as the filter language sees them, and in a parallel
 * array the core/state extractor id behind each. */

static const struct fld_info proc_info[] = {
	{"proc.exe", EV_PT_CHARBUF, 0, EV_PF_NA, "First Argument", "argv[0] of the process"},
	{"proc.pexe", EV_PT_CHARBUF, 0, EV_PF_NA, "Parent First Argument", "proc.exe of the parent process"},
	{"proc.exepath", EV_PT_CHARBUF, 0, EV_PF_NA, "Process Executable Path", "full path of the executable, symlinks resolved"},
	{"proc.pexepath", EV_PT_CHARBUF, 0, EV_PF_NA, "Parent Process Executable Path", "proc.exepath of the parent process"},
	{"proc.name", EV_PT_CHARBUF, FLD_F_SUGGESTED, EV_PF_NA, "Name", "the process name (the kernel's comm, at most 16 characters)"},
	{"proc.pname", EV_PT_CHARBUF, 0, EV_PF_NA, "Parent Name", "proc.name of the parent process"},
	{"proc.aname", EV_PT_CHARBUF, ANCESTOR, EV_PF_NA, "Ancestor Name", "proc.name of the N-th ancestor (proc.aname[1] is the parent); without an index, any ancestor"},
	{"proc.aexe", EV_PT_CHARBUF, ANCESTOR, EV_PF_NA, "Ancestor First Argument", "proc.exe of the N-th ancestor; without an index, any ancestor"},
	{"proc.aexepath", EV_PT_CHARBUF, ANCESTOR, EV_PF_NA, "Ancestor Executable Path", "proc.exepath of the N-th ancestor; without an index, any ancestor"},
	{"proc.duration", EV_PT_RELTIME, 0, EV_PF_DEC, "Process Duration", "nanoseconds since the process started (when its start was seen)"},
	{"proc.exe_ino.ctime_duration_proc_start", EV_PT_ABSTIME, 0, EV_PF_DEC, "Executable Inode Change Time vs Process Start", "time from the executable's last inode change to the process start"},
	{"proc.exe_ino.ctime_duration_pidns_start", EV_PT_ABSTIME, 0, EV_PF_DEC, "Executable Inode Change Time vs Namespace Start", "time from the pid namespace start to the executable's last inode change"},
	{"proc.pidns_init_start_ts", EV_PT_UINT64, 0, EV_PF_DEC, "Namespace Start", "start time of the pid namespace's init"},
	{"proc.args", EV_PT_CHARBUF, ARGIDX, EV_PF_NA, "Arguments", "the arguments after argv[0], space-separated; proc.args[N]: the N-th one"},
	{"proc.cmdline", EV_PT_CHARBUF, 0, EV_PF_NA, "Command Line", "proc.name followed by the arguments"},
	{"proc.pcmdline", EV_PT_CHARBUF, 0, EV_PF_NA, "Parent Command Line", "proc.cmdline of the parent process"},
	{"proc.exeline", EV_PT_CHARBUF, 0, EV_PF_NA, "Executable Command Line", "proc.exe followed by the arguments"},
	{"proc.env", EV_PT_CHARBUF, FLD_F_ARG_ALLOWED | FLD_F_ARG_KEY, EV_PF_NA, "Environment", "the environment, space-separated; proc.env[NAME]: one variable's value"},
	{"proc.cwd", EV_PT_CHARBUF, 0, EV_PF_NA, "Current Working Directory", "the process's working directory"},
	{"proc.tty", EV_PT_UINT32, 0, EV_PF_ID, "Process Controlling Terminal", "the controlling terminal, 0 when none"},
	{"proc.pid", EV_PT_INT64, 0, EV_PF_ID, "Process ID", "the process id"},
	{"proc.ppid", EV_PT_INT64, 0, EV_PF_ID, "Parent Process ID", "the parent's process id"},
	{"proc.apid", EV_PT_INT64, ANCESTOR, EV_PF_ID, "Ancestor Process ID", "proc.pid of the N-th ancestor; without an index, any ancestor"},
	{"proc.vpid", EV_PT_INT64, 0, EV_PF_ID, "Virtual Process ID", "the process id in its pid namespace"},
	{"proc.sid", EV_PT_INT64, 0, EV_PF_ID, "Session ID", "the session id"},
	{"proc.sname", EV_PT_CHARBUF, 0, EV_PF_NA, "Session Name", "proc.name of the session leader"},
	{"proc.vpgid", EV_PT_INT64, 0, EV_PF_ID, "Process Group ID", "the process group id in its pid namespace"},
	{"proc.is_exe_writable", EV_PT_BOOL, 0, EV_PF_NA, "Process Executable Is Writable", "true when the executable is writable by the process's user"},
	{"proc.is_exe_upper_layer", EV_PT_BOOL, 0, EV_PF_NA, "Process Executable Is In Upper Layer", "true when the executable is in an overlayfs upper layer"},
	{"proc.is_exe_from_memfd", EV_PT_BOOL, 0, EV_PF_NA, "Process Executable Is Stored In Memfd", "true when the executable comes from a memfd"},
	{"proc.is_vpgid_leader", EV_PT_BOOL, 0, EV_PF_NA, "Process Is Process Group Leader", "true when proc.vpid equals proc.vpgid"},
	{"proc.exe_ino", EV_PT_INT64, 0, EV_PF_DEC, "Inode Number Of Executable", "inode of the executable"},
	{"proc.exe_ino.ctime", EV_PT_ABSTIME, 0, EV_PF_DEC, "Executable Inode Change Time", "ctime of the executable's inode"},
	{"proc.exe_ino.mtime", EV_PT_ABSTIME, 0, EV_PF_DEC, "Executable Inode Modification Time", "mtime of the executable's inode"},
	{"thread.tid", EV_PT_INT64, 0, EV_PF_ID, "Thread ID", "the thread id"},
	{"thread.ismain", EV_PT_BOOL, 0, EV_PF_NA, "Main Thread", "true for the thread group leader"},
	{"thread.vtid", EV_PT_INT64, 0, EV_PF_ID, "Virtual Thread ID", "the thread id in its pid namespace"},
	{"thread.cap_permitted", EV_PT_CHARBUF, 0, EV_PF_NA, "Permitted Capabilities", "the thread's permitted capabilities, space-separated names"},
	{"thread.cap_inheritable", EV_PT_CHARBUF, 0, EV_PF_NA, "Inheritable Capabilities", "the thread's inheritable capabilities, space-separated names"},
	{"thread.cap_effective", EV_PT_CHARBUF, 0, EV_PF_NA, "Effective Capabilities", "the thread's effective capabilities, space-separated names"},
	{"proc.nthreads", EV_PT_UINT64, 0, EV_PF_DEC, "Threads", "number of threads of the process in the table"},
};
static const int proc_ids[] = {
	STF_PROC_EXE,
	STF_PROC_PEXE,
	STF_PROC_EXEPATH,
	STF_PROC_PEXEPATH,
	STF_PROC_NAME,
	STF_PROC_PNAME,
	STF_PROC_ANAME,
	STF_PROC_AEXE,
	STF_PROC_AEXEPATH,
	STF_PROC_DURATION,
	STF_PROC_EXE_INO_CTIME_DURATION_PROC_START,
	STF_PROC_EXE_INO_CTIME_DURATION_PIDNS_START,
	STF_PROC_PIDNS_INIT_START_TS,
	STF_PROC_ARGS,
	STF_PROC_CMDLINE,
	STF_PROC_PCMDLINE,
	STF_PROC_EXELINE,
	STF_PROC_ENV,
	STF_PROC_CWD,
	STF_PROC_TTY,
	STF_PROC_PID,
	STF_PROC_PPID,
	STF_PROC_APID,
	STF_PROC_VPID,
	STF_PROC_SID,
	STF_PROC_SNAME,
	STF_PROC_VPGID,
	STF_PROC_IS_EXE_WRITABLE,
	STF_PROC_IS_EXE_UPPER_LAYER,
	STF_PROC_IS_EXE_FROM_MEMFD,
	STF_PROC_IS_VPGID_LEADER,
	STF_PROC_EXE_INO,
	STF_PROC_EXE_INO_CTIME,
	STF_PROC_EXE_INO_MTIME,
	STF_THREAD_TID,
	STF_THREAD_ISMAIN,
	STF_THREAD_VTID,
	STF_THREAD_CAP_PERMITTED,
	STF_THREAD_CAP_INHERITABLE,
	STF_THREAD_CAP_EFFECTIVE,
	STF_PROC_NTHREADS,
};

static const struct fld_info fd_info[] = {
	{"fd.num", EV_PT_INT64, 0, EV_PF_ID, "FD Number", "the fd number"},
	{"fd.type", EV_PT_CHARBUF, 0, EV_PF_DEC, "FD Type", "file, directory, ipv4, ipv6, unix, pipe, event, signalfd, ..."},
	{"fd.typechar", EV_PT_CHARBUF, 0, EV_PF_DEC, "FD Type Char", "the fd type as one character (f, d, 4, 6, u, p, ...)"},
	{"fd.name", EV_PT_CHARBUF, FLD_F_SUGGESTED, EV_PF_NA, "FD Name", "path of a file, tuple of a socket, ..."},
	{"fd.directory", EV_PT_CHARBUF, 0, EV_PF_NA, "FD Directory", "directory part of a file's path"},
	{"fd.filename", EV_PT_CHARBUF, 0, EV_PF_NA, "FD Filename", "last component of a file's path"},
	{"fd.cip", EV_PT_IPADDR, 0, EV_PF_NA, "FD Client Address", "client address of a socket"},
	{"fd.sip", EV_PT_IPADDR, 0, EV_PF_NA, "FD Server Address", "server address of a socket"},
	{"fd.cport", EV_PT_PORT, 0, EV_PF_DEC, "FD Client Port", "client port of a socket"},
	{"fd.sport", EV_PT_PORT, 0, EV_PF_DEC, "FD Server Port", "server port of a socket"},
	{"fd.l4proto", EV_PT_CHARBUF, 0, EV_PF_NA, "FD IP Protocol", "tcp, udp, icmp, raw or <NA>"},
	{"fd.sockfamily", EV_PT_CHARBUF, 0, EV_PF_NA, "FD Socket Family", "ip or unix"},
	{"fd.connected", EV_PT_BOOL, 0, EV_PF_NA, "FD Connected", "true for a connected socket"},
	{"fd.name_changed", EV_PT_BOOL, 0, EV_PF_NA, "FD Name Changed", "true when the event changed the fd's name"},
	{"fd.cip.name", EV_PT_CHARBUF, IPNAME, EV_PF_NA, "FD Client Domain Name", "Domain name associated with the client IP address."},
	{"fd.sip.name", EV_PT_CHARBUF, IPNAME, EV_PF_NA, "FD Server Domain Name", "Domain name associated with the server IP address."},
	{"fd.lip.name", EV_PT_CHARBUF, IPNAME, EV_PF_NA, "FD Local Domain Name", "Domain name associated with the local IP address."},
	{"fd.rip.name", EV_PT_CHARBUF, IPNAME, EV_PF_NA, "FD Remote Domain Name", "Domain name associated with the remote IP address."},
	{"fd.dev", EV_PT_INT32, 0, EV_PF_HEX, "FD Device", "device of the file"},
	{"fd.ino", EV_PT_INT64, 0, EV_PF_DEC, "FD Inode Number", "inode of the file"},
	{"fd.nameraw", EV_PT_CHARBUF, 0, EV_PF_NA, "FD Name Raw", "the path as the syscall gave it"},
	{"fd.lip", EV_PT_IPADDR, 0, EV_PF_NA, "FD Local Address", "local address of a socket"},
	{"fd.rip", EV_PT_IPADDR, 0, EV_PF_NA, "FD Remote Address", "remote address of a socket"},
	{"fd.lport", EV_PT_PORT, 0, EV_PF_DEC, "FD Local Port", "local port of a socket"},
	{"fd.rport", EV_PT_PORT, 0, EV_PF_DEC, "FD Remote Port", "remote port of a socket"},
	{"fd.is_server", EV_PT_BOOL, 0, EV_PF_NA, "FD Server", "true when the process is the server end"},
	{"fd.lnet", EV_PT_IPNET, 0, EV_PF_NA, "FD Local Network", "local address, compared to networks"},
	{"fd.rnet", EV_PT_IPNET, 0, EV_PF_NA, "FD Remote Network", "remote address, compared to networks"},
	{"fd.ip", EV_PT_IPADDR, EITHER, EV_PF_NA, "FD IP Address", "client or server address (matches either)"},
	{"fd.port", EV_PT_PORT, EITHER, EV_PF_DEC, "FD Port", "client or server port (matches either)"},
	{"fd.net", EV_PT_IPNET, EITHER, EV_PF_NA, "FD IP Network", "client or server address, compared to networks"},
	{"fd.cnet", EV_PT_IPNET, 0, EV_PF_NA, "FD Client Network", "client address, compared to networks"},
	{"fd.snet", EV_PT_IPNET, 0, EV_PF_NA, "FD Server Network", "server address, compared to networks"},
};
static const int fd_ids[] = {
	STF_FD_NUM,
	STF_FD_TYPE,
	STF_FD_TYPECHAR,
	STF_FD_NAME,
	STF_FD_DIRECTORY,
	STF_FD_FILENAME,
	STF_FD_CIP,
	STF_FD_SIP,
	STF_FD_CPORT,
	STF_FD_SPORT,
	STF_FD_L4PROTO,
	STF_FD_SOCKFAMILY,
	STF_FD_CONNECTED,
	STF_FD_NAME_CHANGED,
	X_CIP_NAME,
	X_SIP_NAME,
	X_LIP_NAME,
	X_RIP_NAME,
	STF_FD_DEV,
	STF_FD_INO,
	STF_FD_NAMERAW,
	STF_FD_LIP,
	STF_FD_RIP,
	STF_FD_LPORT,
	STF_FD_RPORT,
	STF_FD_IS_SERVER,
	X_LNET,
	X_RNET,
	X_IP,
	X_PORT,
	X_NET,
	X_CNET,
	X_SNET,
};

static const struct fld_info user_info[] = {
	{"user.uid", EV_PT_UINT32, 0, EV_PF_ID, "User ID", "the effective user id"},
	{"user.name", EV_PT_CHARBUF, FLD_F_SUGGESTED, EV_PF_NA, "User Name", "the user's name"},
	{"user.homedir", EV_PT_CHARBUF, 0, EV_PF_NA, "Home Directory", "the user's home directory"},
	{"user.shell", EV_PT_CHARBUF, 0, EV_PF_NA, "Shell", "the user's shell"},
	{"user.loginuid", EV_PT_INT64, 0, EV_PF_ID, "Login User ID", "the audit login uid, -1 when none"},
	{"user.loginname", EV_PT_CHARBUF, 0, EV_PF_NA, "Login User Name", "the name of the login uid"},
};
static const int user_ids[] = {
	STF_USER_UID,
	STF_USER_NAME,
	STF_USER_HOMEDIR,
	STF_USER_SHELL,
	STF_USER_LOGINUID,
	STF_USER_LOGINNAME,
};

static const struct fld_info group_info[] = {
	{"group.gid", EV_PT_UINT32, 0, EV_PF_ID, "Group ID", "the effective group id"},
	{"group.name", EV_PT_CHARBUF, 0, EV_PF_NA, "Group Name", "the group's name"},
};
static const int group_ids[] = {
	STF_GROUP_GID,
	STF_GROUP_NAME,
};

#define N(a) (sizeof a / sizeof a[0])

_Static_assert(N(proc_info) == N(proc_ids), "one id per process field");
_Static_assert(N(fd_info) == N(fd_ids), "one id per fd field");
_Static_assert(N(user_info) == N(user_ids), "one id per user field");
_Static_assert(N(group_info) == N(group_ids), "one id per group field");

/* Values of multi-valued bindings (ancestors, client+server): storage per binding. */
#define ANC_MAX 64
struct anc { struct fld_val v[ANC_MAX]; int64_t pid[ANC_MAX]; uint8_t ip[2][16]; uint16_t port[2]; };

static const int *ids_of(const struct fld_class *cls, uint32_t *n);

static bool is_ancestor(int id)
{
	return id == STF_PROC_ANAME || id == STF_PROC_APID || id == STF_PROC_AEXE ||
	       id == STF_PROC_AEXEPATH;
}

static int put_value(const struct fld_bind *b, const struct st_value *v, struct fld_vals *out)
{
	uint32_t w = fld_type_width(b->type);
	switch (v->kind) {
	case ST_V_STR: return fld_set_str(out, v->s, v->len);
	case ST_V_BOOL: return fld_set_bool(out, v->u != 0);
	case ST_V_I64: case ST_V_U64: {
		uint64_t x = v->kind == ST_V_I64 ? (uint64_t)v->i : v->u;
		switch (w) {
		case 1: return fld_set_u8(out, (uint8_t)x);
		case 2: return fld_set_u16(out, (uint16_t)x);
		case 4: return fld_set_u32(out, (uint32_t)x);
		default: return fld_set_u64(out, x);
		}
	}
	default: return 0;
	}
}

/* Every ancestor's name or pid, nearest first. */
static int ancestors(struct st_state *st, const struct fld_bind *b, int id, struct fld_vals *out)
{
	struct anc *a = b->state;
	const struct st_event_ctx *cur = st_current(st);
	uint32_t n = 0;
	for (uint32_t lvl = 1; cur->thread && n < ANC_MAX; lvl++) {
		struct st_thread *t = st_ancestor(st, cur->thread, lvl);
		if (!t)
			break;
		if (id == STF_PROC_ANAME || id == STF_PROC_AEXE || id == STF_PROC_AEXEPATH) {
			const char *str = id == STF_PROC_ANAME ? t->comm
			                : id == STF_PROC_AEXE ? t->proc->exe : t->proc->exepath;
			a->v[n].ptr = str;
			a->v[n].len = (uint32_t)strlen(str);
		} else {
			a->pid[n] = t->pid;
			a->v[n].ptr = &a->pid[n];
			a->v[n].len = 8;
		}
		n++;
	}
	out->v = a->v;
	out->n = n;
	return 0;
}

/* Client and server side together (fd.ip, fd.port, fd.net) or one side as
 * an address (fd.cip, fd.sip, fd.cnet, fd.snet). */
static int sides(struct st_state *st, const struct fld_bind *b, int id, struct fld_vals *out)
{
	struct anc *a = b->state;
	static const int ips[] = {STF_FD_CIP, STF_FD_SIP}, ports[] = {STF_FD_CPORT, STF_FD_SPORT};
	int from = id == STF_FD_SIP || id == X_SNET ? 1 : 0;
	int to = id == STF_FD_CIP || id == X_CNET ? 1 : 2;
	uint32_t n = 0;
	for (int k = from; k < to; k++) {
		if (id == X_PORT) {
			struct st_value v;
			char tmp[8];
			if (!st_field_extract(st, ports[k], -1, &v, tmp, sizeof tmp))
				continue;
			a->port[n] = (uint16_t)v.u;
			a->v[n].ptr = &a->port[n];
			a->v[n].len = 2;
		} else {
			size_t len = st_field_ip(st, ips[k], a->ip[n]);
			if (!len)
				continue;
			a->v[n].ptr = a->ip[n];
			a->v[n].len = (uint32_t)len;
		}
		n++;
	}
	out->v = a->v;
	out->n = n;
	return 0;
}

/* ---- fd.cip.name, fd.sip.name, fd.lip.name, fd.rip.name ----------------
 *
 * As upstream: the value is the name, among those registered with core/dns,
 * whose resolved addresses hold the fd's address (client, server, local or
 * remote, chosen as fd.cip/fd.sip/fd.lip/fd.rip choose it). Names get
 * registered when a condition compares the field to them (=, !=, in: the
 * `validate` hook, at compile time). When several registered names hold the
 * address, a check holds when it holds for any of them (`!=`: for none);
 * upstream compares one of them, picked by its hash table's order. Outputs
 * show the first, in registration order.
 *
 * When no registered name holds the address of a connected IP socket,
 * upstream still evaluates `!=` (true) by matching each constant; the filter
 * engine has no value to compare then, so bindings used with `!=` return
 * "<NA>" (what upstream prints for no value), which differs from every real
 * name. Such a binding, when shared with an output, prints "<NA>" as text
 * (as upstream) and in JSON too (upstream: null). Likewise `exists` holds
 * here only when there is a value (a name, or that placeholder); upstream's
 * holds on every event that has an fd. */

/* Load time spent waiting for first resolutions, per name and in all: a
 * resolver that hangs (unreachable DNS server) delays loading by at most
 * LOAD_BUDGET_MS; its names resolve in the background later. */
#define LOAD_WAIT_MS 1000u
#define LOAD_BUDGET_MS 3000u
static uint64_t load_waited_ms; /* compile time only (one loading thread) */

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct ipname {
	bool ne;                   /* used with != (see above) */
	uint32_t nh, caph;
	struct dns_name **h;       /* owned: registrations, dropped at unbind */
	struct fld_val v[DNS_MATCH_MAX];
	struct dns_match m;
};

static bool is_ipname(int id)
{
	return id == X_CIP_NAME || id == X_SIP_NAME || id == X_LIP_NAME || id == X_RIP_NAME;
}

static int ipname_extract(struct st_state *st, const struct fld_bind *b, int id,
                          struct fld_vals *out)
{
	struct ipname *p = b->state;
	static const int side[] = {STF_FD_CIP, STF_FD_SIP, STF_FD_LIP, STF_FD_RIP};
	uint8_t ip[16];
	size_t alen = st_field_ip(st, side[id - X_CIP_NAME], ip);
	if (!alen)
		return 0;
	for (uint32_t i = 0; i < p->nh; i++)
		dns_touch(p->h[i]); /* the names this check compares are in use */
	uint32_t n = dns_lookup(ip, alen, &p->m);
	for (uint32_t i = 0; i < n; i++) {
		p->v[i].ptr = p->m.name[i];
		p->v[i].len = p->m.len[i];
	}
	if (n == 0 && p->ne) {
		/* upstream's `!=` holds on connected IP sockets only (not on a
		 * listening socket's fd.sip) */
		uint8_t tmp[16];
		if (!st_field_ip(st, STF_FD_CIP, tmp))
			return 0;
		p->v[0].ptr = "<NA>";
		p->v[0].len = 4;
		n = 1;
	}
	out->v = p->v;
	out->n = n;
	return 0;
}

static int ipname_validate(const struct fld_bind *b, int op, const char *val, size_t len,
                           char *err, size_t errlen)
{
	uint32_t n;
	const int *ids = ids_of(b->cls, &n);
	if (!ids || b->field >= n || !is_ipname(ids[b->field]) || !b->state)
		return 0;
	struct ipname *p = b->state;
	if (op == FLT_OP_NE)
		p->ne = true;
	if (op != FLT_OP_EQ && op != FLT_OP_NE && op != FLT_OP_IN)
		return 0; /* upstream resolves only the constants of =, != and in */
	if (p->nh == p->caph) {
		uint32_t cap = p->caph ? p->caph * 2 : 4;
		struct dns_name **h = realloc(p->h, cap * sizeof(*h));
		if (!h)
			return snprintf(err, errlen, "out of memory"), -ENOMEM;
		p->h = h;
		p->caph = cap;
	}
	struct dns_name *h = dns_register(val, len);
	if (!h) {
		if (errno == EINVAL)
			return 0; /* not a host name (empty, too long): never matches */
		snprintf(err, errlen, "cannot register domain name '%.*s': %s", (int)len, val,
		         strerror(errno));
		return -ENOMEM;
	}
	p->h[p->nh++] = h;
	/* resolve before events flow, so the first events already see the
	 * addresses (a name that does not answer in time resolves later) */
	if (load_waited_ms < LOAD_BUDGET_MS) {
		uint64_t left = LOAD_BUDGET_MS - load_waited_ms, t0 = mono_ms();
		(void)dns_wait(left < LOAD_WAIT_MS ? (unsigned)left : LOAD_WAIT_MS);
		load_waited_ms += mono_ms() - t0;
	}
	return 0;
}

static int class_extract(const struct fld_ctx *ctx, const struct fld_bind *b, struct fld_vals *out)
{
	struct st_state *st = ctx->state;
	uint32_t n;
	const int *ids = ids_of(b->cls, &n);
	if (!st || !ids || b->field >= n)
		return 0;
	int id = ids[b->field];
	bool has_index = b->arg && b->arg_index >= 0;
	if (is_ipname(id))
		return ipname_extract(st, b, id, out);
	if (is_ancestor(id) && !has_index)
		return ancestors(st, b, id, out);
	if (id == STF_FD_LIP || id == STF_FD_RIP || id == X_LNET || id == X_RNET) {
		size_t n = st_field_ip(st, id == STF_FD_LIP || id == X_LNET ? STF_FD_LIP : STF_FD_RIP,
		                       out->scalar.bytes);
		return n ? fld_set_ptr(out, out->scalar.bytes, (uint32_t)n) : 0;
	}
	if (id > STF_COUNT || id == STF_FD_CIP || id == STF_FD_SIP)
		return sides(st, b, id, out);
	struct st_value v;
	if (!st_field_extract_key(st, id, has_index ? (int)b->arg_index : -1,
	                          id == STF_PROC_ENV ? b->arg : NULL, &v, out->buf, sizeof out->buf))
		return 0;
	return put_value(b, &v, out);
}

static int class_bind(struct fld_bind *b, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	uint32_t n;
	const int *ids = ids_of(b->cls, &n);
	if (!ids || b->field >= n)
		return -EINVAL;
	int id = ids[b->field];
	bool ancestor = is_ancestor(id);
	if (is_ipname(id)) {
		if (!(b->state = calloc(1, sizeof(struct ipname))))
			return -ENOMEM;
		b->flags |= FLD_F_MATCH_ANY | FLD_F_NE_ALL;
		return 0;
	}
	if (ancestor && b->arg && b->arg_index >= 0)
		return 0;
	if (ancestor || id > STF_COUNT || id == STF_FD_CIP || id == STF_FD_SIP) {
		b->state = calloc(1, sizeof(struct anc));
		if (!b->state)
			return -ENOMEM;
		if (ancestor)
			b->flags |= FLD_F_MATCH_ANY;
	}
	return 0;
}

static void class_unbind(struct fld_bind *b)
{
	uint32_t n;
	const int *ids = ids_of(b->cls, &n);
	if (b->state && ids && b->field < n && is_ipname(ids[b->field])) {
		struct ipname *p = b->state;
		for (uint32_t i = 0; i < p->nh; i++)
			dns_unregister(p->h[i]);
		free(p->h);
	}
	free(b->state);
	b->state = NULL;
}

const struct fld_class st_class_process = {
	.name = "process", .shortdesc = "Process", .desc = "Processes and threads.",
	.sources = fld_sources_syscall, .fields = proc_info, .nfields = N(proc_info),
	.extract = class_extract, .bind = class_bind, .unbind = class_unbind,
};
const struct fld_class st_class_fd = {
	.name = "fd", .shortdesc = "File Descriptor", .desc = "The file descriptor of the event.",
	.sources = fld_sources_syscall, .fields = fd_info, .nfields = N(fd_info),
	.extract = class_extract, .bind = class_bind, .unbind = class_unbind,
	.validate = ipname_validate,
};
const struct fld_class st_class_user = {
	.name = "user", .shortdesc = "User", .desc = "The user of the event's thread.",
	.sources = fld_sources_syscall, .fields = user_info, .nfields = N(user_info),
	.extract = class_extract, .bind = class_bind, .unbind = class_unbind,
};
const struct fld_class st_class_group = {
	.name = "group", .shortdesc = "Group", .desc = "The group of the event's thread.",
	.sources = fld_sources_syscall, .fields = group_info, .nfields = N(group_info),
	.extract = class_extract, .bind = class_bind, .unbind = class_unbind,
};

static const int *ids_of(const struct fld_class *cls, uint32_t *n)
{
	if (cls == &st_class_process) { *n = N(proc_ids); return proc_ids; }
	if (cls == &st_class_fd) { *n = N(fd_ids); return fd_ids; }
	if (cls == &st_class_user) { *n = N(user_ids); return user_ids; }
	if (cls == &st_class_group) { *n = N(group_ids); return group_ids; }
	*n = 0;
	return NULL;
}

int st_fields_register(struct fld_reg *reg)
{
	const struct fld_class *cls[] = {&st_class_process, &st_class_fd, &st_class_user,
	                                 &st_class_group};
	for (size_t i = 0; i < N(cls); i++) {
		int rc = fld_reg_add(reg, cls[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}
