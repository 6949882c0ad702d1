/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Test input written for freebsd-refactor: a tiny vmmapi.h.
 */

#ifndef _VMMAPI_H_
#define	_VMMAPI_H_

#include <sys/param.h>
#include <sys/cpuset.h>

#define	MAX_VMNAME	100

struct vmctx;

enum checkpoint_opcodes {
	START_CHECKPOINT = 0,
	START_SUSPEND = 1,
};

struct checkpoint_op {
	unsigned int op;
	char snapshot_filename[MAX_VMNAME];
};

struct vmctx	*vm_open(const char *name);
const char	*vm_get_name(struct vmctx *ctx);
int	vm_suspend(struct vmctx *ctx, int how) __result_use_check;
int	vm_get_device_fd(struct vmctx *ctx);

#endif	/* _VMMAPI_H_ */
