/*
 * The driver's syscall tables, checked without loading anything (no root
 * needed): numbers against the C library's <sys/syscall.h>, ppm_sc codes
 * against upstream's PPM_SC_X values, and every handler's event against the
 * schema table (the event is named after its syscall).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#include <cmocka.h>

#include "driver.h"

static void test_numbers(void **state)
{
	(void)state;
	assert_int_equal(drv_syscall_nr("openat"), SYS_openat);
	assert_int_equal(drv_syscall_nr("execveat"), SYS_execveat);
	assert_int_equal(drv_syscall_nr("clone3"), SYS_clone3);
	assert_int_equal(drv_syscall_nr("no-such-syscall"), -1);
	assert_string_equal(drv_syscall_name(SYS_connect), "connect");
	assert_null(drv_syscall_name(DRV_NR_SYSCALLS + 10));
	/* upstream's PPM_SC_X(OPEN, 5), (GETPPID, 41), (EXECVE, 324) */
	assert_int_equal(drv_syscall_ppm_sc(SYS_open), 5);
	assert_int_equal(drv_syscall_ppm_sc(SYS_getppid), 41);
	assert_int_equal(drv_syscall_ppm_sc(SYS_execve), 324);
}

static void test_events(void **state)
{
	(void)state;
	int nrs[8];
	assert_int_equal(drv_event_syscalls(EV_SYSCALL_OPENAT_2_X, nrs, 8), 1);
	assert_int_equal(nrs[0], SYS_openat);
	assert_int_equal(drv_event_syscalls(EV_SYSCALL_OPENAT_2_E, nrs, 8), 1);
	assert_int_equal(drv_event_syscalls(EV_SYSCALL_EXECVE_19_X, nrs, 8), 2);
	assert_true((nrs[0] == SYS_execve && nrs[1] == SYS_execveat) ||
	            (nrs[0] == SYS_execveat && nrs[1] == SYS_execve));
	assert_int_equal(drv_event_syscalls(EV_PROCEXIT_1_E, nrs, 8), 0);
	assert_int_equal(drv_syscall_event(SYS_getppid), EV_GENERIC_X);
	assert_int_equal(drv_syscall_event(SYS_accept4), EV_SOCKET_ACCEPT4_6_X);
}

/* Every handler writes an exit event of the schema whose name is the
 * syscall's (pread64/pwrite64 are "pread"/"pwrite" upstream). */
static void test_handlers_match_schema(void **state)
{
	(void)state;
	int n = 0;
	for (int nr = 0; nr < DRV_NR_SYSCALLS; nr++) {
		if (!drv_syscall_has_handler(nr))
			continue;
		n++;
		uint16_t code = drv_syscall_event(nr);
		const struct ev_info *info = ev_info(code);
		assert_non_null(info);
		assert_true(ev_is_exit(code));
		char want[64];
		snprintf(want, sizeof(want), "%s", drv_syscall_name(nr));
		size_t l = strlen(want);
		if (l > 2 && strcmp(want + l - 2, "64") == 0 && (want[0] == 'p'))
			want[l - 2] = 0;
		if (strcmp(info->name, want) != 0)
			fail_msg("syscall %s writes event %u named %s", drv_syscall_name(nr), code, info->name);
		int nrs[8];
		int k = drv_event_syscalls(code, nrs, 8);
		int found = 0;
		for (int i = 0; i < k && i < 8; i++)
			found |= nrs[i] == nr;
		assert_true(found);
	}
	assert_int_equal(n, 81); /* README: "Syscalls with handlers (81)" */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_handlers_match_schema),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
