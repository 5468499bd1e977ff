/* The x86_64 syscall table (internal to the driver): number, upstream
 * ppm_sc code and name, generated into syscall_table.c. */
#ifndef DRV_SYSCALLS_H
#define DRV_SYSCALLS_H

#include <stdint.h>

struct drv_syscall {
	int nr;
	uint16_t ppm_sc;
	const char *name;
};

extern const struct drv_syscall drv_syscall_table[];
extern const unsigned drv_syscall_table_len;

#endif
