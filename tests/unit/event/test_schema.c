/* The schema table against facts read by hand in upstream libs 48dfd53
 * (driver/ppm_events_public.h, driver/event_table.c, driver/flags_table.c),
 * plus the structural rules upstream's table follows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "event/event.h"

struct pexp {
	const char *name;
	enum ev_ptype type;
	enum ev_pfmt fmt;
};

static void expect_params(uint16_t code, const struct pexp *exp, uint32_t n)
{
	const struct ev_info *e = ev_info(code);
	assert_non_null(e);
	assert_int_equal(e->nparams, n);
	for (uint32_t i = 0; i < n; i++) {
		assert_string_equal(e->params[i].name, exp[i].name);
		assert_int_equal(e->params[i].type, exp[i].type);
		assert_int_equal(e->params[i].fmt, exp[i].fmt);
	}
}

/* ppm_event_code values: PPME_SOCKET_CONNECT_X = 23, PPME_DROP_E = 148,
 * PPME_PROCINFO_E = 234, PPME_SYSCALL_EXECVE_19_X = 293,
 * PPME_SYSCALL_OPENAT_2_X = 307, PPME_PLUGINEVENT_E = 322,
 * PPME_SYSCALL_OPENAT2_X = 327, PPME_ASYNCEVENT_E = 402, PPM_EVENT_MAX = 454. */
static void codes_match_upstream(void **state)
{
	(void)state;
	assert_int_equal(EV_SOCKET_CONNECT_X, 23);
	assert_int_equal(EV_DROP_E, 148);
	assert_int_equal(EV_PROCINFO_E, 234);
	assert_int_equal(EV_SYSCALL_EXECVE_19_X, 293);
	assert_int_equal(EV_SYSCALL_OPENAT_2_X, 307);
	assert_int_equal(EV_PLUGINEVENT_E, 322);
	assert_int_equal(EV_SYSCALL_OPENAT2_X, 327);
	assert_int_equal(EV_ASYNCEVENT_E, 402);
	assert_int_equal(EV_CODE_MAX, 454);
	assert_null(ev_info(EV_CODE_MAX));
	assert_string_equal(ev_info(EV_PROCINFO_E)->name, "procinfo");
	assert_string_equal(ev_info(EV_DROP_E)->name, "drop");
}

static void execve_19_exit(void **state)
{
	(void)state;
	static const struct pexp exp[] = {
		{"res", EV_PT_ERRNO, EV_PF_DEC}, {"exe", EV_PT_CHARBUF, EV_PF_NA},
		{"args", EV_PT_BYTEBUF, EV_PF_NA}, {"tid", EV_PT_PID, EV_PF_DEC},
		{"pid", EV_PT_PID, EV_PF_DEC}, {"ptid", EV_PT_PID, EV_PF_DEC},
		{"cwd", EV_PT_CHARBUF, EV_PF_NA}, {"fdlimit", EV_PT_UINT64, EV_PF_DEC},
		{"pgft_maj", EV_PT_UINT64, EV_PF_DEC}, {"pgft_min", EV_PT_UINT64, EV_PF_DEC},
		{"vm_size", EV_PT_UINT32, EV_PF_DEC}, {"vm_rss", EV_PT_UINT32, EV_PF_DEC},
		{"vm_swap", EV_PT_UINT32, EV_PF_DEC}, {"comm", EV_PT_CHARBUF, EV_PF_NA},
		{"cgroups", EV_PT_BYTEBUF, EV_PF_NA}, {"env", EV_PT_BYTEBUF, EV_PF_NA},
		{"tty", EV_PT_UINT32, EV_PF_DEC}, {"vpgid", EV_PT_PID, EV_PF_DEC},
		{"loginuid", EV_PT_UID, EV_PF_DEC}, {"flags", EV_PT_FLAGS32, EV_PF_HEX},
		{"cap_inheritable", EV_PT_UINT64, EV_PF_HEX}, {"cap_permitted", EV_PT_UINT64, EV_PF_HEX},
		{"cap_effective", EV_PT_UINT64, EV_PF_HEX}, {"exe_ino", EV_PT_UINT64, EV_PF_DEC},
		{"exe_ino_ctime", EV_PT_ABSTIME, EV_PF_DEC}, {"exe_ino_mtime", EV_PT_ABSTIME, EV_PF_DEC},
		{"uid", EV_PT_UID, EV_PF_DEC}, {"trusted_exepath", EV_PT_FSPATH, EV_PF_NA},
		{"pgid", EV_PT_PID, EV_PF_NA}, {"gid", EV_PT_GID, EV_PF_DEC},
		{"filename", EV_PT_FSPATH, EV_PF_NA},
	};
	expect_params(EV_SYSCALL_EXECVE_19_X, exp, 31);
	const struct ev_info *e = ev_info(EV_SYSCALL_EXECVE_19_X);
	assert_string_equal(e->name, "execve");
	assert_int_equal(e->category, EV_C_PROCESS | EV_C_SYSCALL);
	assert_int_equal(e->flags, EV_F_MODIFIES_STATE | EV_F_CONVERTER_MANAGED);
}

static const struct ev_name_value *find_name(const struct ev_name_value *t, const char *name)
{
	for (; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static void openat2_exit(void **state)
{
	(void)state;
	static const struct pexp exp[] = {
		{"fd", EV_PT_FD, EV_PF_DEC}, {"dirfd", EV_PT_FD, EV_PF_DEC},
		{"name", EV_PT_FSRELPATH, EV_PF_NA}, {"flags", EV_PT_FLAGS32, EV_PF_HEX},
		{"mode", EV_PT_UINT32, EV_PF_OCT}, {"resolve", EV_PT_FLAGS32, EV_PF_HEX},
		{"dev", EV_PT_UINT32, EV_PF_HEX}, {"ino", EV_PT_UINT64, EV_PF_DEC},
	};
	expect_params(EV_SYSCALL_OPENAT2_X, exp, 8);
	assert_int_equal(ev_param_index(EV_SYSCALL_OPENAT2_X, "resolve"), 5);
	assert_int_equal(ev_param_index(EV_SYSCALL_OPENAT2_X, "res"), -1);
	assert_int_equal(ev_param_index(EV_CODE_MAX, "fd"), -1);
	const struct ev_info *e = ev_info(EV_SYSCALL_OPENAT2_X);
	assert_int_equal(e->flags, EV_F_CREATES_FD | EV_F_MODIFIES_STATE | EV_F_CONVERTER_MANAGED);
	assert_int_equal((uintptr_t)e->params[2].info, 1); /* DIRFD_PARAM(1) */
	/* file_flags: PPM_O_RDONLY = 1 << 0, PPM_O_CLOEXEC = 1 << 12, O_NONE = 0. */
	const struct ev_name_value *ff = e->params[3].info;
	assert_int_equal(find_name(ff, "O_RDONLY")->value, 1);
	assert_int_equal(find_name(ff, "O_CLOEXEC")->value, 1u << 12);
	assert_int_equal(find_name(ff, "O_NONE")->value, 0);
	/* openat2_flags: RESOLVE_BENEATH first, six names in all. */
	const struct ev_name_value *rf = e->params[5].info;
	assert_string_equal(rf[0].name, "RESOLVE_BENEATH");
	assert_int_equal(rf[0].value, 1);
	assert_string_equal(rf[5].name, "RESOLVE_CACHED");
	assert_null(rf[6].name);
}

/* Upstream sets EF_LARGE_PAYLOAD on PLUGINEVENT_E, CONTAINER_JSON_2_E and
 * ASYNCEVENT_E only. */
static void large_payload_exactly_where_upstream(void **state)
{
	(void)state;
	for (uint16_t c = 0; c < EV_CODE_MAX; c++) {
		bool want = c == EV_PLUGINEVENT_E || c == EV_CONTAINER_JSON_2_E || c == EV_ASYNCEVENT_E;
		assert_int_equal(ev_is_large(c), want);
	}
	assert_int_equal(EV_CONTAINER_JSON_2_E, 324);
}

/* An exit code names the same syscall as its enter code, unless one side is
 * an unused "NA" placeholder (UNKNOWN category, UNUSED flag, no params but
 * for TRACER_X, event_table.c line 1853). */
static void exits_pair_with_enters(void **state)
{
	(void)state;
	for (uint16_t c = 0; c + 1 < EV_CODE_MAX; c += 2) {
		const struct ev_info *e = ev_info(c), *x = ev_info(c + 1);
		if (strcmp(e->name, "NA") != 0 && strcmp(x->name, "NA") != 0)
			assert_string_equal(e->name, x->name);
		for (int k = 0; k < 2; k++) {
			const struct ev_info *i = k ? x : e;
			if (strcmp(i->name, "NA") == 0) {
				assert_int_equal(i->category, EV_C_UNKNOWN);
				assert_int_equal(i->flags, EV_F_UNUSED);
				/* upstream keeps TRACER_X's three params on its NA entry */
				if (c + k != EV_TRACER_X)
					assert_int_equal(i->nparams, 0);
			}
		}
	}
}

/* Param names are unique per event; FSRELPATH points to an earlier or later
 * FD param; name-table and DYN params carry their tables. */
static void params_are_well_formed(void **state)
{
	(void)state;
	for (uint16_t c = 0; c < EV_CODE_MAX; c++) {
		const struct ev_info *e = ev_info(c);
		assert_true(e->nparams <= EV_MAX_PARAMS);
		assert_true(strlen(e->name) < EV_MAX_NAME);
		for (uint32_t i = 0; i < e->nparams; i++) {
			const struct ev_param_info *p = &e->params[i];
			for (uint32_t j = 0; j < i; j++)
				assert_string_not_equal(p->name, e->params[j].name);
			assert_true(p->type > EV_PT_NONE && p->type < EV_PT_MAX);
			if (p->type == EV_PT_FSRELPATH) {
				uintptr_t d = (uintptr_t)p->info;
				assert_true(d < e->nparams && d != i);
				assert_true(e->params[d].type == EV_PT_FD || e->params[d].type == EV_PT_FD32);
			}
			if (p->type == EV_PT_DYN)
				assert_true(p->ninfo > 0 && p->info != NULL);
			if (p->type == EV_PT_ENUMFLAGS8 || p->type == EV_PT_ENUMFLAGS16 || p->type == EV_PT_ENUMFLAGS32)
				assert_non_null(p->info);
		}
	}
}

/* setsockopt exit's `val` is DYN over sockopt_dynamic_param: 5 entries,
 * index 1 = PT_ERRNO, index 4 = PT_RELTIME. */
static void dynamic_params(void **state)
{
	(void)state;
	const struct ev_info *e = ev_info(EV_SOCKET_SETSOCKOPT_X);
	const struct ev_param_info *val = NULL;
	for (uint32_t i = 0; i < e->nparams; i++)
		if (strcmp(e->params[i].name, "val") == 0)
			val = &e->params[i];
	assert_non_null(val);
	assert_int_equal(val->type, EV_PT_DYN);
	assert_int_equal(val->ninfo, 5);
	const struct ev_param_info *d = val->info;
	assert_int_equal(d[1].type, EV_PT_ERRNO);
	assert_int_equal(d[4].type, EV_PT_RELTIME);
}

/* PPM_SC_X(READ, 3), (OPEN, 5), (MPROTECT, 75), (OPENAT2, 322); 382 is not
 * assigned; PPM_SC_MAX = 454. */
static void syscall_names(void **state)
{
	(void)state;
	assert_string_equal(ev_syscall_name(3), "read");
	assert_string_equal(ev_syscall_name(5), "open");
	assert_string_equal(ev_syscall_name(EV_SC_MPROTECT), "mprotect");
	assert_int_equal(EV_SC_MPROTECT, 75);
	assert_string_equal(ev_syscall_name(322), "openat2");
	assert_null(ev_syscall_name(382));
	assert_int_equal(EV_SC_MAX, 454);
	assert_null(ev_syscall_name(EV_SC_MAX));
}

/* driver/syscall_table.c with syscall_compat_x86_64.h: __NR_execve 59 ->
 * {UF_USED | UF_NEVER_DROP, EXECVE_19_E, EXECVE_19_X, PPM_SC_EXECVE};
 * __NR_stat 4 -> {UF_USED | UF_ALWAYS_DROP, STAT_E, STAT_X}; __NR_clock_gettime
 * 228 -> {.ppm_sc = PPM_SC_CLOCK_GETTIME} only (generic events). */
static void native_x86_64(void **state)
{
	(void)state;
	const struct ev_native_syscall *e = ev_native_syscall_x86_64(59);
	assert_non_null(e);
	assert_int_equal(e->sc, EV_SC_EXECVE);
	assert_int_equal(e->enter, EV_SYSCALL_EXECVE_19_E);
	assert_int_equal(e->exit, EV_SYSCALL_EXECVE_19_X);
	assert_int_equal(e->flags, EV_UF_USED | EV_UF_NEVER_DROP);
	e = ev_native_syscall_x86_64(4);
	assert_int_equal(e->flags, EV_UF_USED | EV_UF_ALWAYS_DROP);
	assert_int_equal(e->exit, EV_SYSCALL_STAT_X);
	e = ev_native_syscall_x86_64(228);
	assert_string_equal(ev_syscall_name(e->sc), "clock_gettime");
	assert_int_equal(e->enter, EV_GENERIC_E);
	assert_int_equal(e->exit, EV_GENERIC_X);
	assert_int_equal(e->flags, 0);
	assert_null(ev_native_syscall_x86_64(EV_X86_64_SYSCALLS));
	/* clock_gettime only ever produces generic events */
	const uint16_t *sc;
	size_t n = ev_event_syscalls(EV_GENERIC_X, &sc), k;
	for (k = 0; k < n && sc[k] != EV_SC_CLOCK_GETTIME; k++)
		;
	assert_true(k < n);
	n = ev_event_syscalls(EV_SYSCALL_OPEN_X, &sc);
	assert_int_equal(n, 1);
	assert_int_equal(sc[0], EV_SC_OPEN);
}

/* A set given by names equals the flags in `set`. */
static void expect_sc_set(const uint8_t set[EV_SC_MAX], const char *const *names, size_t n)
{
	uint8_t want[EV_SC_MAX] = {0};
	for (size_t k = 0; k < n; k++) {
		uint16_t s;
		for (s = 0; s < EV_SC_MAX; s++)
			if (ev_syscall_name(s) != NULL && strcmp(ev_syscall_name(s), names[k]) == 0)
				break;
		assert_true(s < EV_SC_MAX);
		want[s] = 1;
	}
	for (uint16_t s = 0; s < EV_SC_MAX; s++)
		if (set[s] != want[s])
			fail_msg("syscall %s: have %d, want %d", ev_syscall_name(s), set[s], want[s]);
}

/* upstream's own expectations: expected_sinsp_state_sc_set in
 * userspace/libsinsp/test/public_sinsp_API/ppm_sc_codes.cpp and
 * io_sc_set_truth in .../interesting_syscalls.cpp */
static void syscall_sets(void **state)
{
	(void)state;
	static const char *const st[] = {
		"accept", "accept4", "bind", "capset", "chdir", "chroot", "clone", "clone3", "close",
		"close_range", "connect", "creat", "dup", "dup2", "dup3", "eventfd", "eventfd2", "execve",
		"execveat", "fchdir", "fcntl", "fcntl64", "fork", "inotify_init", "inotify_init1",
		"io_uring_setup", "mount", "open", "open_by_handle_at", "openat", "openat2", "pipe", "pipe2",
		"prlimit64", "recvfrom", "recvmsg", "recvmmsg", "getsockopt", "sendmsg", "sendmmsg", "sendto",
		"setgid", "setgid32", "setresgid", "setregid", "setresgid32", "setresuid", "setresuid32",
		"setrlimit", "setsid", "setuid", "setuid32", "shutdown", "signalfd", "signalfd4", "socket",
		"socketpair", "timerfd_create", "umount", "umount2", "userfaultfd", "vfork", "epoll_create",
		"epoll_create1", "sched_process_exit", "prctl", "memfd_create", "pidfd_open", "pidfd_getfd",
		"setreuid",
	};
	static const char *const io[] = {
		"read", "recvfrom", "recvmsg", "recvmmsg", "readv", "preadv", "write", "writev", "pwritev",
		"sendfile", "sendto", "sendmsg", "sendmmsg", "pread64", "pwrite64", "sendfile64", "recv", "send",
	};
	uint8_t set[EV_SC_MAX];
	ev_sc_set_state(set);
	expect_sc_set(set, st, sizeof(st) / sizeof(st[0]));
	ev_sc_set_io(set);
	expect_sc_set(set, io, sizeof(io) / sizeof(io[0]));
	/* Falco's default ignore list: io minus state */
	static const char *const ign[] = {"read", "readv", "preadv", "write", "writev", "pwritev", "sendfile",
	                                  "pread64", "pwrite64", "sendfile64", "recv", "send"};
	ev_sc_set_falco_ignored(set);
	expect_sc_set(set, ign, sizeof(ign) / sizeof(ign[0]));

	/* event_set_to_sc_set({KILL_E, KILL_X, SENDTO_E, SENDTO_X}) = {kill, sendto} */
	uint8_t ev[EV_CODE_MAX] = {0};
	ev[EV_SYSCALL_KILL_E] = ev[EV_SYSCALL_KILL_X] = ev[EV_SOCKET_SENDTO_E] = ev[EV_SOCKET_SENDTO_X] = 1;
	static const char *const ks[] = {"kill", "sendto"};
	ev_sc_set_of_events(ev, set);
	expect_sc_set(set, ks, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codes_match_upstream),
		cmocka_unit_test(execve_19_exit),
		cmocka_unit_test(openat2_exit),
		cmocka_unit_test(large_payload_exactly_where_upstream),
		cmocka_unit_test(exits_pair_with_enters),
		cmocka_unit_test(params_are_well_formed),
		cmocka_unit_test(dynamic_params),
		cmocka_unit_test(syscall_names),
		cmocka_unit_test(native_x86_64),
		cmocka_unit_test(syscall_sets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
