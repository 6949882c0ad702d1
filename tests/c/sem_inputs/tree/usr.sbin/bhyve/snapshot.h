/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Test input written for freebsd-refactor.
 */

#ifndef _BHYVE_SNAPSHOT_
#define _BHYVE_SNAPSHOT_

#include <libxo/xo.h>
#include <ucl.h>

#define	BHYVE_RUN_DIR		"/var/run/bhyve"
#define	MAX_SNAPSHOT_VMNAME	100

struct vmctx;

struct restore_state {
	int kdata_fd;
	int vmmem_fd;
	void *kdata_map;
	size_t kdata_len;
	ucl_object_t *meta_root_obj;
};

int restore_vm_mem(struct vmctx *ctx, struct restore_state *rstate);
void checkpoint_cpu_add(int vcpu);
int init_checkpoint_thread(struct vmctx *ctx);

#endif
