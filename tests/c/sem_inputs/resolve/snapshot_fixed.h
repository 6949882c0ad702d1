/*-
 * Test input written for freebsd-refactor: snapshot.h exposing vm_checkpoint().
 */

#ifndef _BHYVE_SNAPSHOT_
#define _BHYVE_SNAPSHOT_

#include <stdbool.h>

#define	BHYVE_RUN_DIR		"/var/run/bhyve"
#define	MAX_SNAPSHOT_VMNAME	100

struct vmctx;

void checkpoint_cpu_add(int vcpu);
int init_checkpoint_thread(struct vmctx *ctx);
int vm_checkpoint(struct vmctx *ctx, const char *checkpoint_file, bool stop_vm);

#endif
