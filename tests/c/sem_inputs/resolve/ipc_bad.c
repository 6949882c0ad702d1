/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Test input written for freebsd-refactor: socket code moved out of
 * snapshot.c, before its dependencies were sorted out.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include <vmmapi.h>

#include "ipc.h"

static ssize_t
get_message(int conn_fd, struct vmctx *ctx)
{
	struct checkpoint_op op;
	ssize_t len;

	len = recv(conn_fd, &op, sizeof(op), 0);
	if (len == -1)
		return (-1);
	if (op.op == START_CHECKPOINT)
		return (vm_checkpoint(ctx, op.snapshot_filename, false));
	return (handle_message(&op, ctx));
}

void *
ipc_thread(void *param)
{
	int conn_fd;

	for (;;) {
		conn_fd = accept(*(int *)param, NULL, NULL);
		if (conn_fd == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		(void)get_message(conn_fd, NULL);
		close(conn_fd);
	}
	return (NULL);
}
