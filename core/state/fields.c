/*
 * Field extraction from state for the current event: the proc.*, thread.*,
 * fd.*, user.* and group.* values as upstream's filterchecks compute them,
 * including when they are absent (<NA>). The filter engine's field classes
 * call these; the parity test checks them against the oracle.
 */
#include <stdio.h>
#include <string.h>

#include "event/codes.h"
#include "state/state_int.h"

static const char *const field_names[STF_COUNT] = {
	[STF_PROC_PID] = "proc.pid", [STF_PROC_PPID] = "proc.ppid", [STF_PROC_NAME] = "proc.name",
	[STF_PROC_PNAME] = "proc.pname", [STF_PROC_ANAME] = "proc.aname", [STF_PROC_APID] = "proc.apid",
	[STF_PROC_EXE] = "proc.exe", [STF_PROC_PEXE] = "proc.pexe", [STF_PROC_EXEPATH] = "proc.exepath",
	[STF_PROC_PEXEPATH] = "proc.pexepath", [STF_PROC_CMDLINE] = "proc.cmdline",
	[STF_PROC_PCMDLINE] = "proc.pcmdline", [STF_PROC_ARGS] = "proc.args", [STF_PROC_CWD] = "proc.cwd",
	[STF_PROC_SID] = "proc.sid", [STF_PROC_SNAME] = "proc.sname", [STF_PROC_VPGID] = "proc.vpgid",
	[STF_PROC_TTY] = "proc.tty", [STF_PROC_VPID] = "proc.vpid", [STF_PROC_ENV] = "proc.env",
	[STF_PROC_NTHREADS] = "proc.nthreads", [STF_PROC_IS_VPGID_LEADER] = "proc.is_vpgid_leader",
	[STF_PROC_EXE_INO] = "proc.exe_ino", [STF_PROC_EXE_INO_CTIME] = "proc.exe_ino.ctime",
	[STF_PROC_EXE_INO_MTIME] = "proc.exe_ino.mtime",
	[STF_PROC_IS_EXE_UPPER_LAYER] = "proc.is_exe_upper_layer",
	[STF_PROC_IS_EXE_FROM_MEMFD] = "proc.is_exe_from_memfd",
	[STF_PROC_IS_EXE_WRITABLE] = "proc.is_exe_writable", [STF_PROC_EXELINE] = "proc.exeline",
	[STF_THREAD_TID] = "thread.tid", [STF_THREAD_VTID] = "thread.vtid",
	[STF_THREAD_ISMAIN] = "thread.ismain", [STF_THREAD_CAP_PERMITTED] = "thread.cap_permitted",
	[STF_THREAD_CAP_EFFECTIVE] = "thread.cap_effective",
	[STF_THREAD_CAP_INHERITABLE] = "thread.cap_inheritable",
	[STF_FD_NUM] = "fd.num", [STF_FD_NAME] = "fd.name", [STF_FD_NAMERAW] = "fd.nameraw",
	[STF_FD_TYPE] = "fd.type", [STF_FD_TYPECHAR] = "fd.typechar", [STF_FD_DIRECTORY] = "fd.directory",
	[STF_FD_FILENAME] = "fd.filename", [STF_FD_CIP] = "fd.cip", [STF_FD_SIP] = "fd.sip",
	[STF_FD_CPORT] = "fd.cport", [STF_FD_SPORT] = "fd.sport", [STF_FD_L4PROTO] = "fd.l4proto",
	[STF_FD_SOCKFAMILY] = "fd.sockfamily", [STF_FD_INO] = "fd.ino", [STF_FD_DEV] = "fd.dev",
	[STF_FD_CONNECTED] = "fd.connected", [STF_FD_NAME_CHANGED] = "fd.name_changed",
	[STF_USER_UID] = "user.uid", [STF_USER_NAME] = "user.name", [STF_USER_HOMEDIR] = "user.homedir",
	[STF_USER_SHELL] = "user.shell", [STF_USER_LOGINUID] = "user.loginuid",
	[STF_USER_LOGINNAME] = "user.loginname", [STF_GROUP_GID] = "group.gid",
	[STF_GROUP_NAME] = "group.name", [STF_CONTAINER_ID] = "container.id",
	[STF_FD_LIP] = "fd.lip", [STF_FD_RIP] = "fd.rip", [STF_FD_LPORT] = "fd.lport",
	[STF_FD_RPORT] = "fd.rport", [STF_FD_IS_SERVER] = "fd.is_server",
	[STF_PROC_AEXE] = "proc.aexe", [STF_PROC_AEXEPATH] = "proc.aexepath",
	[STF_PROC_DURATION] = "proc.duration",
	[STF_PROC_EXE_INO_CTIME_DURATION_PROC_START] = "proc.exe_ino.ctime_duration_proc_start",
	[STF_PROC_EXE_INO_CTIME_DURATION_PIDNS_START] = "proc.exe_ino.ctime_duration_pidns_start",
	[STF_PROC_PIDNS_INIT_START_TS] = "proc.pidns_init_start_ts",
};

int st_field_lookup(const char *name, size_t len)
{
	for (int i = 0; i < STF_COUNT; i++)
		if (field_names[i] && strlen(field_names[i]) == len && !memcmp(field_names[i], name, len))
			return i;
	return -1;
}

const char *st_field_name(int id)
{
	return id >= 0 && id < STF_COUNT ? field_names[id] : NULL;
}

/* ---- value helpers -------------------------------------------------------- */

static bool v_none(struct st_value *v) { v->kind = ST_V_NONE; return false; }
static bool v_i64(struct st_value *v, int64_t x) { v->kind = ST_V_I64; v->i = x; return true; }
static bool v_u64(struct st_value *v, uint64_t x) { v->kind = ST_V_U64; v->u = x; return true; }
static bool v_bool(struct st_value *v, bool x) { v->kind = ST_V_BOOL; v->u = x; return true; }
static bool v_str(struct st_value *v, const char *s)
{
	v->kind = ST_V_STR;
	v->s = s;
	v->len = strlen(s);
	return true;
}

/* upstream hides ids outside [-1, UINT32_MAX] */
static bool xid_ok(int64_t x) { return x >= -1 && x <= (int64_t)UINT32_MAX; }

/* "a b c" from a NUL-separated list */
static void join_list(char *buf, size_t cap, const char *list, uint32_t len, size_t *pos)
{
	size_t o = *pos;
	const char *p = list, *end = list + len;
	bool first = true;
	while (p < end) {
		size_t n = strnlen(p, (size_t)(end - p));
		if (!first && o + 1 < cap)
			buf[o++] = ' ';
		first = false;
		size_t k = n < cap - o - 1 ? n : cap - o - 1;
		memcpy(buf + o, p, k);
		o += k;
		p += n + 1;
	}
	buf[o] = 0;
	*pos = o;
}

static const char *cmdline(const struct st_thread *t, char *buf, size_t cap)
{
	size_t o = (size_t)snprintf(buf, cap, "%s", t->comm);
	if (o >= cap)
		return buf;
	if (t->proc->args_len) {
		if (o + 1 < cap)
			buf[o++] = ' ';
		join_list(buf, cap, t->proc->args, t->proc->args_len, &o);
	}
	return buf;
}

/* ---- fd helpers ---------------------------------------------------------- */

static char typechar(uint8_t type)
{
	static const char map[] = {
		[ST_FD_FILE] = 'f', [ST_FD_FILE_V2] = 'f', [ST_FD_IPV4_SOCK] = '4', [ST_FD_IPV6_SOCK] = '6',
		[ST_FD_DIRECTORY] = 'd', [ST_FD_IPV4_SERVSOCK] = '4', [ST_FD_IPV6_SERVSOCK] = '6',
		[ST_FD_FIFO] = 'p', [ST_FD_UNIX_SOCK] = 'u', [ST_FD_EVENT] = 'e', [ST_FD_UNKNOWN] = 'o',
		[ST_FD_UNSUPPORTED] = 'X', [ST_FD_SIGNALFD] = 's', [ST_FD_EVENTPOLL] = 'l',
		[ST_FD_INOTIFY] = 'i', [ST_FD_TIMERFD] = 't', [ST_FD_NETLINK] = 'n', [ST_FD_BPF] = 'b',
		[ST_FD_USERFAULTFD] = 'u', [ST_FD_IOURING] = 'r', [ST_FD_MEMFD] = 'm', [ST_FD_PIDFD] = 'P',
	};
	return type < sizeof map && map[type] ? map[type] : '?';
}

const char *st_fd_typestr(uint8_t type)
{
	switch (type) {
	case ST_FD_FILE: case ST_FD_FILE_V2: return "file";
	case ST_FD_DIRECTORY: return "directory";
	case ST_FD_IPV4_SOCK: case ST_FD_IPV4_SERVSOCK: return "ipv4";
	case ST_FD_IPV6_SOCK: case ST_FD_IPV6_SERVSOCK: return "ipv6";
	case ST_FD_UNIX_SOCK: return "unix";
	case ST_FD_FIFO: return "pipe";
	case ST_FD_EVENT: return "event";
	case ST_FD_SIGNALFD: return "signalfd";
	case ST_FD_EVENTPOLL: return "eventpoll";
	case ST_FD_INOTIFY: return "inotify";
	case ST_FD_TIMERFD: return "timerfd";
	case ST_FD_NETLINK: return "netlink";
	case ST_FD_BPF: return "bpf";
	case ST_FD_USERFAULTFD: return "userfaultfd";
	case ST_FD_IOURING: return "io_uring";
	case ST_FD_MEMFD: return "memfd";
	case ST_FD_PIDFD: return "pidfd";
	default: return "<NA>";
	}
}

/* The transport protocol as upstream reports it: unknown (NA) for a
 * connected-socket type whose role is not known yet, except raw sockets. */
uint8_t st_fd_l4proto(const struct st_fd *f)
{
	bool role = f->flags & (ST_FDF_ROLE_CLIENT | ST_FDF_ROLE_SERVER);
	switch (f->type) {
	case ST_FD_IPV4_SOCK:
	case ST_FD_IPV6_SOCK:
		if (f->l4proto == ST_L4_RAW)
			return ST_L4_RAW;
		return role ? f->l4proto : ST_L4_NA;
	case ST_FD_IPV4_SERVSOCK:
	case ST_FD_IPV6_SERVSOCK:
		return f->l4proto;
	default:
		return ST_L4_NA;
	}
}

/* The typechar upstream guesses from the event when no fd is known. */
static char event_typechar(uint16_t type)
{
	switch (type | 1u) {
	case EV_SYSCALL_OPENAT_2_X: case EV_SYSCALL_OPENAT2_X: case EV_SYSCALL_CREAT_X: return 'f';
	case EV_SOCKET_SOCKET_X: case EV_SOCKET_ACCEPT_5_X: case EV_SOCKET_ACCEPT4_6_X: return '4';
	case EV_SYSCALL_PIPE_X: case EV_SYSCALL_PIPE2_X: return 'p';
	case EV_SYSCALL_EVENTFD_X: case EV_SYSCALL_EVENTFD2_X: return 'e';
	case EV_SYSCALL_SIGNALFD_X: case EV_SYSCALL_SIGNALFD4_X: return 's';
	case EV_SYSCALL_TIMERFD_CREATE_X: return 't';
	case EV_SYSCALL_INOTIFY_INIT_X: case EV_SYSCALL_INOTIFY_INIT1_X: return 'i';
	default: return 'o';
	}
}

/* The fd name an event implies when the table has none (failed opens). */
static const char *event_fdname(struct st_state *st, char *buf, size_t cap)
{
	const struct ev_view *ev = st->cur.ev;
	uint16_t type = st->cur.type;
	uint32_t i;
	switch (type) {
	case EV_SYSCALL_OPEN_X: case EV_SOCKET_ACCEPT_5_X: case EV_SOCKET_ACCEPT4_6_X:
	case EV_SYSCALL_CREAT_X: case EV_SOCKET_CONNECT_X:
		i = 1;
		break;
	case EV_SYSCALL_OPENAT_2_X: case EV_SYSCALL_OPENAT2_X: {
		if (ev->nparams < 3 || !ev->len[2] || !ev->len[1])
			return NULL;
		char name[4096], dirbuf[4096];
		size_t n = strnlen((const char *)ev->val[2], ev->len[2]);
		if (n >= sizeof name)
			n = sizeof name - 1;
		memcpy(name, ev->val[2], n);
		name[n] = 0;
		int64_t dirfd;
		if (ev->len[1] == 8)
			memcpy(&dirfd, ev->val[1], 8);
		else
			dirfd = -100;
		const char *dir = st_dirfd_path(st, st->cur.thread, name, dirfd, dirbuf, sizeof dirbuf);
		st_path_concat(buf, cap, dir, name);
		return buf;
	}
	default:
		return "";
	}
	if (i >= ev->nparams || !ev->len[i])
		return "";
	if (type == EV_SYSCALL_OPEN_X || type == EV_SYSCALL_CREAT_X) {
		/* the printed form of an FSPATH: the path resolved against cwd */
		char name[4096];
		size_t n = strnlen((const char *)ev->val[i], ev->len[i]);
		if (n >= sizeof name)
			n = sizeof name - 1;
		memcpy(name, ev->val[i], n);
		name[n] = 0;
		st_path_concat(buf, cap, st->cur.thread ? st->cur.thread->proc->cwd : "", name);
		return buf;
	}
	return "";
}

/* The client (fd.cip) or server (fd.sip) address of a socket fd. */
static size_t fd_ip(const struct st_fd *f, int id, uint8_t ip[16])
{
	bool role_none = !(f->flags & (ST_FDF_ROLE_CLIENT | ST_FDF_ROLE_SERVER));
	bool conn = f->type == ST_FD_IPV4_SOCK || f->type == ST_FD_IPV6_SOCK;
	bool serv = f->type == ST_FD_IPV4_SERVSOCK || f->type == ST_FD_IPV6_SERVSOCK;
	bool v6 = f->type == ST_FD_IPV6_SOCK || f->type == ST_FD_IPV6_SERVSOCK;
	if (role_none || !(conn || (serv && id == STF_FD_SIP)))
		return 0;
	memcpy(ip, id == STF_FD_CIP ? f->sip : f->dip, v6 ? 16 : 4);
	return v6 ? 16 : 4;
}

static struct st_fd *event_fd(struct st_state *st)
{
	const struct ev_info *info = ev_info(st->cur.type);
	struct st_thread *t = st->cur.thread;
	if (!st->cur.ev || !info || !t ||
	    !(info->flags & (EV_F_CREATES_FD | EV_F_USES_FD | EV_F_DESTROYS_FD)))
		return NULL;
	if (st->cur.fd)
		return st->cur.fd;
	return t->lastevent_fd != -1 ? st_fd_get(st, t, t->lastevent_fd) : NULL;
}

size_t st_field_ip(struct st_state *st, int id, uint8_t ip[16])
{
	struct st_fd *f = event_fd(st);
	if (!f)
		return 0;
	if (id == STF_FD_LIP || id == STF_FD_RIP) {
		bool v6 = f->type == ST_FD_IPV6_SOCK;
		if ((f->type != ST_FD_IPV4_SOCK && !v6) ||
		    !(f->flags & (ST_FDF_ROLE_CLIENT | ST_FDF_ROLE_SERVER)))
			return 0;
		bool local = st_ip_is_local(st, f->sip, v6 ? 16 : 4);
		memcpy(ip, (id == STF_FD_LIP) == local ? f->sip : f->dip, v6 ? 16 : 4);
		return v6 ? 16 : 4;
	}
	return fd_ip(f, id, ip);
}

/* "a//b" -> "a/b", as upstream shows raw names */
/* snprintf(buf, cap, "%.*s", len, s) without the formatting machinery (on
 * the per-event path of fd.nameraw / fd.directory): at most len bytes of s,
 * up to its NUL, cut to cap - 1; s may lie inside buf. */
static void copy_str(char *buf, size_t cap, const char *s, size_t len)
{
	size_t n = strnlen(s, len);
	if (n >= cap)
		n = cap - 1;
	memmove(buf, s, n);
	buf[n] = 0;
}

static void squeeze_slashes(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++)
		if (!(*p == '/' && o > s && o[-1] == '/'))
			*o++ = *p;
	*o = 0;
}

/* The raw name an event gives when the table has no fd (openat's path as
 * passed; the other fd-naming events as for fd.name). */
static const char *event_fdname_raw(struct st_state *st, char *buf, size_t cap)
{
	const struct ev_view *ev = st->cur.ev;
	uint16_t type = st->cur.type;
	if (type == EV_SYSCALL_OPENAT_2_X || type == EV_SYSCALL_OPENAT2_X) {
		if (ev->nparams < 3 || !ev->len[2])
			return NULL;
		size_t n = strnlen((const char *)ev->val[2], ev->len[2]);
		copy_str(buf, cap, (const char *)ev->val[2], n);
		return buf;
	}
	return event_fdname(st, buf, cap);
}

/* fd.lip/rip/lport/rport: the local or remote end of a connected socket,
 * local meaning the client address is one of this machine's. */
static bool local_remote(struct st_state *st, const struct st_fd *f, int id, struct st_value *v,
                         char *buf, size_t cap)
{
	bool v6 = f->type == ST_FD_IPV6_SOCK;
	if ((f->type != ST_FD_IPV4_SOCK && !v6) || !(f->flags & (ST_FDF_ROLE_CLIENT | ST_FDF_ROLE_SERVER)))
		return v_none(v);
	bool local = st_ip_is_local(st, f->sip, v6 ? 16 : 4);
	bool want_client = (id == STF_FD_LIP || id == STF_FD_LPORT) == local;
	if (id == STF_FD_LPORT || id == STF_FD_RPORT)
		return v_u64(v, want_client ? f->sport : f->dport);
	st_ip_str(want_client ? f->sip : f->dip, v6, buf, cap);
	return v_str(v, buf);
}

static bool extract_fd(struct st_state *st, int id, struct st_value *v, char *buf, size_t cap)
{
	const struct ev_info *info = ev_info(st->cur.type);
	struct st_thread *t = st->cur.thread;
	if (!info || !(info->flags & (EV_F_CREATES_FD | EV_F_USES_FD | EV_F_DESTROYS_FD)) || !t)
		return v_none(v);
	struct st_fd *f = st->cur.fd;
	if (!f && t->lastevent_fd != -1)
		f = st_fd_get(st, t, t->lastevent_fd);
	switch (id) {
	case STF_FD_NUM:
		return v_i64(v, t->lastevent_fd);
	case STF_FD_NAME: {
		if (f)
			return v_str(v, f->name);
		const char *n = event_fdname(st, buf, cap);
		return n ? v_str(v, n) : v_none(v);
	}
	case STF_FD_NAMERAW: {
		const char *n = f ? f->name_raw : event_fdname_raw(st, buf, cap);
		if (!n)
			return v_none(v);
		if (n != buf)
			copy_str(buf, cap, n, cap);
		squeeze_slashes(buf);
		return v_str(v, buf);
	}
	case STF_FD_TYPE:
		return f ? v_str(v, st_fd_typestr(f->type)) : v_none(v);
	case STF_FD_TYPECHAR:
		buf[0] = f ? typechar(f->type) : event_typechar(st->cur.type);
		buf[1] = 0;
		return v_str(v, buf);
	case STF_FD_DIRECTORY: {
		const char *name;
		if (!f) {
			name = event_fdname(st, buf, cap);
			if (!name)
				return v_none(v);
		} else if (f->type != ST_FD_FILE && f->type != ST_FD_FILE_V2 &&
		           f->type != ST_FD_DIRECTORY) {
			return v_none(v);
		} else {
			name = f->name;
		}
		if (name != buf)
			copy_str(buf, cap, name, cap);
		if (!f || f->type != ST_FD_DIRECTORY) {
			char *slash = strrchr(buf, '/');
			if (slash && slash != buf) {
				if (slash[1] != 0)
					*slash = 0;
			} else {
				snprintf(buf, cap, "/");
			}
		}
		return v_str(v, buf);
	}
	case STF_FD_FILENAME: {
		if (!f || (f->type != ST_FD_FILE && f->type != ST_FD_FILE_V2))
			return v_none(v);
		const char *slash = strrchr(f->name, '/');
		if (!slash)
			return v_str(v, "/");
		return v_str(v, slash[1] ? slash + 1 : f->name);
	}
	default:
		break;
	}
	if (!f)
		return v_none(v);
	bool role_none = !(f->flags & (ST_FDF_ROLE_CLIENT | ST_FDF_ROLE_SERVER));
	bool conn = f->type == ST_FD_IPV4_SOCK || f->type == ST_FD_IPV6_SOCK;
	bool serv = f->type == ST_FD_IPV4_SERVSOCK || f->type == ST_FD_IPV6_SERVSOCK;
	switch (id) {
	case STF_FD_CIP:
	case STF_FD_SIP: {
		uint8_t ip[16];
		size_t n = fd_ip(f, id, ip);
		if (!n)
			return v_none(v);
		st_ip_str(ip, n == 16, buf, cap);
		return v_str(v, buf);
	}
	case STF_FD_CPORT:
		if (role_none || !conn)
			return v_none(v);
		return v_u64(v, f->sport);
	case STF_FD_SPORT:
		if (serv)
			return v_u64(v, f->dport);
		if (role_none || !conn)
			return v_none(v);
		return v_u64(v, f->dport);
	case STF_FD_L4PROTO:
		switch (st_fd_l4proto(f)) {
		case ST_L4_TCP: return v_str(v, "tcp");
		case ST_L4_UDP: return v_str(v, "udp");
		case ST_L4_ICMP: return v_str(v, "icmp");
		case ST_L4_RAW: return v_str(v, "raw");
		default: return v_str(v, "<NA>");
		}
	case STF_FD_SOCKFAMILY:
		if (conn || serv)
			return v_str(v, "ip");
		if (f->type == ST_FD_UNIX_SOCK)
			return v_str(v, "unix");
		return v_none(v);
	case STF_FD_INO: return v_u64(v, f->ino);
	case STF_FD_DEV: return v_u64(v, f->dev);
	case STF_FD_CONNECTED: return v_bool(v, f->flags & ST_FDF_CONNECTED);
	case STF_FD_NAME_CHANGED:
		return v_bool(v, f == st->cur.fd && (f->flags & ST_FDF_NAME_CHANGED));
	case STF_FD_LIP: case STF_FD_RIP: case STF_FD_LPORT: case STF_FD_RPORT:
		return local_remote(st, f, id, v, buf, cap);
	case STF_FD_IS_SERVER:
		if (serv)
			return v_bool(v, true);
		if (conn)
			return v_bool(v, st_ip_is_local(st, f->dip, f->type == ST_FD_IPV6_SOCK ? 16 : 4));
		return v_bool(v, false);
	default: return v_none(v);
	}
}

/* Linux capability names by bit number (linux/capability.h). */
static const char *const cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
	"CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
	"CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON",
	"CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

/* The names of the set bits, space-separated ("" for none). */
static const char *caps_str(uint64_t caps, char *buf, size_t cap)
{
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof cap_names / sizeof cap_names[0]; i++) {
		if (!(caps & (1ull << i)))
			continue;
		int n = snprintf(buf + o, cap - o, "%s%s", o ? " " : "", cap_names[i]);
		if (n < 0 || (size_t)n >= cap - o)
			break;
		o += (size_t)n;
	}
	return buf;
}

/* ---- proc/thread/user/group ---------------------------------------------- */

static bool extract_thread(struct st_state *st, int id, int arg, const char *key,
                           struct st_value *v, char *buf, size_t cap)
{
	struct st_thread *t = st->cur.thread;
	if (id == STF_THREAD_TID) {
		int64_t tid = st->cur.ev ? (int64_t)st->cur.ev->hdr->tid : -1;
		return xid_ok(tid) ? v_i64(v, tid) : v_none(v);
	}
	if (!t)
		return v_none(v);
	struct st_thread *a;
	switch (id) {
	case STF_PROC_PID: return xid_ok(t->pid) ? v_i64(v, t->pid) : v_none(v);
	case STF_PROC_SID: return v_i64(v, t->sid);
	case STF_PROC_VPGID: return v_i64(v, t->vpgid);
	case STF_PROC_TTY: return v_u64(v, t->tty);
	case STF_PROC_VPID: return t->vpid == -1 ? v_none(v) : v_i64(v, t->vpid);
	case STF_THREAD_VTID: return t->vtid == -1 ? v_none(v) : v_i64(v, t->vtid);
	case STF_THREAD_ISMAIN: return v_bool(v, t->tid == t->pid);
	case STF_THREAD_CAP_PERMITTED: return v_str(v, caps_str(t->cap_permitted, buf, cap));
	case STF_THREAD_CAP_EFFECTIVE: return v_str(v, caps_str(t->cap_effective, buf, cap));
	case STF_THREAD_CAP_INHERITABLE: return v_str(v, caps_str(t->cap_inheritable, buf, cap));
	case STF_PROC_NAME: return v_str(v, t->comm);
	case STF_PROC_EXE: return v_str(v, t->proc->exe);
	case STF_PROC_EXEPATH: return v_str(v, t->proc->exepath);
	case STF_PROC_CWD: {
		struct st_thread *mt = st_main_thread(st, t);
		return v_str(v, mt ? mt->proc->cwd : "./");
	}
	case STF_PROC_CMDLINE: return v_str(v, cmdline(t, buf, cap));
	case STF_PROC_ARGS: {
		size_t o = 0;
		buf[0] = 0;
		if (arg >= 0) { /* the N-th argument, "" past the end */
			const char *p = t->proc->args, *end = p + t->proc->args_len;
			for (int i = 0; p < end; i++, p += strlen(p) + 1)
				if (i == arg)
					return v_str(v, p);
			return v_str(v, "");
		}
		join_list(buf, cap, t->proc->args, t->proc->args_len, &o);
		return v_str(v, buf);
	}
	case STF_PROC_ENV: {
		size_t o = 0;
		buf[0] = 0;
		if (key) { /* the value of one variable, "" when unset */
			size_t kl = strlen(key);
			const char *p = t->proc->env, *end = p + t->proc->env_len;
			for (; p < end; p += strlen(p) + 1)
				if (!strncmp(p, key, kl) && p[kl] == '=')
					return v_str(v, p + kl + 1);
			return v_str(v, "");
		}
		join_list(buf, cap, t->proc->env, t->proc->env_len, &o);
		return v_str(v, buf);
	}
	case STF_PROC_EXELINE: {
		size_t o = (size_t)snprintf(buf, cap, "%s ", t->proc->exe);
		if (o < cap)
			join_list(buf, cap, t->proc->args, t->proc->args_len, &o);
		return v_str(v, buf);
	}
	case STF_PROC_NTHREADS: return v_u64(v, t->proc->nthreads);
	case STF_PROC_IS_VPGID_LEADER: return v_bool(v, t->vpid == t->vpgid);
	case STF_PROC_EXE_INO: return v_u64(v, t->proc->exe_ino);
	case STF_PROC_EXE_INO_CTIME: return v_u64(v, t->proc->exe_ino_ctime);
	case STF_PROC_EXE_INO_MTIME: return v_u64(v, t->proc->exe_ino_mtime);
	case STF_PROC_IS_EXE_UPPER_LAYER: return v_bool(v, t->proc->exe_upper_layer);
	case STF_PROC_IS_EXE_FROM_MEMFD: return v_bool(v, t->proc->exe_from_memfd);
	case STF_PROC_IS_EXE_WRITABLE: return v_bool(v, t->proc->exe_writable);
	case STF_PROC_PPID:
		a = st_ancestor(st, t, 1);
		return a && xid_ok(a->pid) ? v_i64(v, a->pid) : v_none(v);
	case STF_PROC_PNAME:
		a = st_ancestor(st, t, 1);
		return a ? v_str(v, a->comm) : v_none(v);
	case STF_PROC_PEXE:
		a = st_ancestor(st, t, 1);
		return a ? v_str(v, a->proc->exe) : v_none(v);
	case STF_PROC_PEXEPATH:
		a = st_ancestor(st, t, 1);
		return a ? v_str(v, a->proc->exepath) : v_none(v);
	case STF_PROC_PCMDLINE:
		a = st_ancestor(st, t, 1);
		return a ? v_str(v, cmdline(a, buf, cap)) : v_none(v);
	case STF_PROC_ANAME:
		a = st_ancestor(st, t, arg < 0 ? 1 : (uint32_t)arg);
		return a ? v_str(v, a->comm) : v_none(v);
	case STF_PROC_APID:
		a = st_ancestor(st, t, arg < 0 ? 0 : (uint32_t)arg);
		return a && xid_ok(a->pid) ? v_i64(v, a->pid) : v_none(v);
	case STF_PROC_AEXE:
		a = st_ancestor(st, t, arg < 0 ? 1 : (uint32_t)arg);
		return a ? v_str(v, a->proc->exe) : v_none(v);
	case STF_PROC_AEXEPATH:
		a = st_ancestor(st, t, arg < 0 ? 1 : (uint32_t)arg);
		return a ? v_str(v, a->proc->exepath) : v_none(v);
	case STF_PROC_DURATION:
		if (!t->clone_ts || !st->cur.ev)
			return v_none(v);
		return v_u64(v, st->cur.ev->hdr->ts - t->clone_ts);
	case STF_PROC_EXE_INO_CTIME_DURATION_PROC_START:
		return t->proc->exe_ctime_to_clone ? v_u64(v, t->proc->exe_ctime_to_clone) : v_none(v);
	case STF_PROC_EXE_INO_CTIME_DURATION_PIDNS_START:
		return t->proc->exe_ctime_from_pidns ? v_u64(v, t->proc->exe_ctime_from_pidns) : v_none(v);
	case STF_PROC_PIDNS_INIT_START_TS:
		return t->proc->pidns_init_start_ts ? v_u64(v, t->proc->pidns_init_start_ts) : v_none(v);
	case STF_PROC_SNAME: {
		/* the session leader: the farthest ancestor with the same sid */
		struct st_thread *mt = st_main_thread(st, t), *found = NULL;
		for (int d = 0; mt && d < 4096; d++) {
			if (mt->sid == t->sid)
				found = mt;
			struct st_thread *p = st_find(st, mt->ptid);
			if (!p || p == mt)
				break;
			mt = st_main_thread(st, p);
		}
		return found ? v_str(v, found->comm) : v_none(v);
	}
	case STF_CONTAINER_ID:
		return v_str(v, t->proc->container_id[0] ? t->proc->container_id : "host");
	default:
		break;
	}
	const struct st_user *u;
	const struct st_group *g;
	switch (id) {
	case STF_USER_UID: return v_u64(v, t->uid);
	case STF_USER_NAME:
		u = st_user_get(st, t->uid);
		return v_str(v, u ? u->name : t->uid == 0 ? "root" : "<NA>");
	case STF_USER_HOMEDIR:
		u = st_user_get(st, t->uid);
		return v_str(v, u ? u->home : t->uid == 0 ? "/root" : "<NA>");
	case STF_USER_SHELL:
		u = st_user_get(st, t->uid);
		return v_str(v, u ? u->shell : "<NA>");
	case STF_USER_LOGINUID:
		return v_i64(v, t->loginuid < UINT32_MAX ? (int64_t)t->loginuid : -1);
	case STF_USER_LOGINNAME:
		u = st_user_get(st, t->loginuid);
		return v_str(v, u ? u->name : t->loginuid == 0 ? "root" : "<NA>");
	case STF_GROUP_GID: return v_u64(v, t->gid);
	case STF_GROUP_NAME:
		g = st_group_get(st, t->gid);
		return v_str(v, g ? g->name : t->gid == 0 ? "root" : "<NA>");
	default:
		return v_none(v);
	}
}

bool st_field_extract(struct st_state *st, int id, int arg, struct st_value *out, char *buf,
                      size_t cap)
{
	return st_field_extract_key(st, id, arg, NULL, out, buf, cap);
}

bool st_field_extract_key(struct st_state *st, int id, int arg, const char *key,
                          struct st_value *out, char *buf, size_t cap)
{
	memset(out, 0, sizeof *out);
	if (id < 0 || id >= STF_COUNT || cap < 2 || !st->cur.ev)
		return v_none(out);
	if ((id >= STF_FD_NUM && id <= STF_FD_NAME_CHANGED) || (id >= STF_FD_LIP && id <= STF_FD_IS_SERVER))
		return extract_fd(st, id, out, buf, cap);
	return extract_thread(st, id, arg, key, out, buf, cap);
}

/* ---- the printers' resolver ----------------------------------------------- */

bool st_fd_desc(void *ctx, uint64_t tid, int64_t fd, char *buf, size_t len)
{
	struct st_state *st = ctx;
	struct st_thread *t = st_find(st, (int64_t)tid);
	struct st_fd *f = st_fd_get(st, t, fd);
	if (!f || len < 4)
		return false;
	char l4 = 0;
	if (f->type == ST_FD_IPV4_SOCK || f->type == ST_FD_IPV6_SOCK ||
	    f->type == ST_FD_IPV4_SERVSOCK || f->type == ST_FD_IPV6_SERVSOCK) {
		switch (st_fd_l4proto(f)) {
		case ST_L4_TCP: l4 = 't'; break;
		case ST_L4_UDP: l4 = 'u'; break;
		case ST_L4_ICMP: l4 = 'i'; break;
		case ST_L4_RAW: l4 = 'r'; break;
		default: break;
		}
	}
	/* the protocol letter shows only once the socket has a name */
	if (l4 && f->name[0])
		snprintf(buf, len, "<%c%c>%s", typechar(f->type), l4, f->name);
	else
		snprintf(buf, len, "<%c>%s", typechar(f->type), f->name);
	return true;
}

const char *st_comm(void *ctx, int64_t tid)
{
	struct st_thread *t = st_find(ctx, tid);
	return t ? t->comm : NULL;
}

static bool st_base_dir(void *ctx, uint64_t tid, int64_t dirfd, char *buf, size_t len)
{
	struct st_state *st = ctx;
	struct st_thread *t = st_find(st, (int64_t)tid);
	if (!t || len < 2)
		return false;
	char tmp[4096];
	const char *d = st_dirfd_path(st, t, "", dirfd, tmp, sizeof tmp);
	if (!strcmp(d, "<UNKNOWN>"))
		return false;
	if (dirfd == -100) {
		struct st_thread *mt = st_main_thread(st, t);
		d = mt ? mt->proc->cwd : "./";
	}
	snprintf(buf, len, "%s", d);
	return true;
}

static const char *st_user_name_cb(void *ctx, uint64_t tid, uint32_t uid)
{
	(void)tid;
	const struct st_user *u = st_user_get(ctx, uid);
	return u ? u->name : NULL;
}

static const char *st_group_name_cb(void *ctx, uint64_t tid, uint32_t gid)
{
	(void)tid;
	const struct st_group *g = st_group_get(ctx, gid);
	return g ? g->name : NULL;
}

void st_resolver(struct st_state *st, struct ev_resolver *out)
{
	out->ctx = st;
	out->fd_desc = st_fd_desc;
	out->comm = st_comm;
	out->base_dir = st_base_dir;
	out->user_name = st_user_name_cb;
	out->group_name = st_group_name_cb;
}

char st_event_fd_typechar(const struct st_state *st)
{
	return st->cur.fd ? typechar(st->cur.fd->type) : '\0';
}
