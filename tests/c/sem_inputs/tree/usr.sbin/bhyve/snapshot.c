/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Test input written for freebsd-refactor: a snapshot.c in miniature.
 */

#include <sys/cdefs.h>
__FBSDID("$FreeBSD$");

#include <sys/types.h>
#ifndef WITHOUT_CAPSICUM
#include <sys/capsicum.h>
#endif
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#ifndef WITHOUT_CAPSICUM
#include <capsicum_helpers.h>
#endif
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <pthread_np.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <vmmapi.h>

#include "debug.h"
#include "snapshot.h"

#define	SNAPSHOT_BUFFER_SIZE	(20 * MB)
#define	SOCKET_BACKLOG		10
#define	MB			(1024UL * 1024)

struct checkpoint_thread_info {
	struct vmctx *ctx;
	int socket_fd;
};

static cpuset_t vcpus_active, vcpus_suspended;
static pthread_mutex_t vcpu_lock;
static pthread_cond_t vcpus_idle, vcpus_can_run;
static bool checkpoint_active;
static int checkpoint_count = 0;

static const char *
snapshot_name(const char *vmname)
{
	static char name[MAX_SNAPSHOT_VMNAME];

	snprintf(name, sizeof(name), "%s.ckp", vmname);
	return (name);
}

static void
vcpu_wait_idle(void)
{
	pthread_mutex_lock(&vcpu_lock);
	checkpoint_active = true;
	pthread_mutex_unlock(&vcpu_lock);
}

void
checkpoint_cpu_add(int vcpu)
{
	pthread_mutex_lock(&vcpu_lock);
	CPU_SET(vcpu, &vcpus_active);
	pthread_mutex_unlock(&vcpu_lock);
}

int
vm_checkpoint(struct vmctx *ctx, const char *checkpoint_file, bool stop_vm)
{
	int ret;

	vcpu_wait_idle();
	checkpoint_count++;
	ret = vm_suspend(ctx, stop_vm ? 1 : 0);
	if (ret != 0)
		EPRINTLN("%s: failed to checkpoint %s", __func__,
		    snapshot_name(checkpoint_file));
	return (ret);
}

static int
handle_message(struct checkpoint_op *checkpoint_op, struct vmctx *ctx)
{
	int err;

	switch (checkpoint_op->op) {
	case START_CHECKPOINT:
		err = vm_checkpoint(ctx, checkpoint_op->snapshot_filename, false);
		break;
	case START_SUSPEND:
		err = vm_checkpoint(ctx, checkpoint_op->snapshot_filename, true);
		break;
	default:
		EPRINTLN("Unrecognized checkpoint operation.");
		err = -1;
	}

	return (err);
}

static ssize_t
get_checkpoint_msg(int conn_fd, struct vmctx *ctx)
{
	unsigned char buf[SNAPSHOT_BUFFER_SIZE / MB];
	struct checkpoint_op *checkpoint_op;
	ssize_t len;
	int err;

	memset(buf, 0, sizeof(buf));
	len = recv(conn_fd, buf, sizeof(buf), 0);
	if (len == -1) {
		perror("recv");
		return (-1);
	}
	checkpoint_op = (struct checkpoint_op *)buf;
	err = handle_message(checkpoint_op, ctx);
	return (err);
}

static void *
checkpoint_thread(void *param)
{
	struct checkpoint_thread_info *thread_info;
	int conn_fd;

	pthread_set_name_np(pthread_self(), "checkpoint thread");
	thread_info = (struct checkpoint_thread_info *)param;

	for (;;) {
		conn_fd = accept(thread_info->socket_fd, NULL, NULL);
		if (conn_fd == -1) {
			if (errno == EINTR)
				continue;
			perror("accept");
			break;
		}
		(void)get_checkpoint_msg(conn_fd, thread_info->ctx);
		close(conn_fd);
	}

	return (NULL);
}

int
init_checkpoint_thread(struct vmctx *ctx)
{
	struct checkpoint_thread_info *checkpoint_info = NULL;
	struct sockaddr_un addr;
	int socket_fd;
	pthread_t checkpoint_pthread;
	int ret, err = 0;
#ifndef WITHOUT_CAPSICUM
	cap_rights_t rights;
#endif

	err = pthread_mutex_init(&vcpu_lock, NULL);
	if (err != 0)
		errc(1, err, "checkpoint mutex init");
	err = pthread_cond_init(&vcpus_idle, NULL);
	if (err == 0)
		err = pthread_cond_init(&vcpus_can_run, NULL);
	if (err != 0)
		errc(1, err, "checkpoint cv init");

	socket_fd = socket(PF_UNIX, SOCK_STREAM, 0);
	if (socket_fd < 0) {
		EPRINTLN("Socket creation failed: %s", strerror(errno));
		err = -1;
		goto fail;
	}
#ifndef WITHOUT_CAPSICUM
	cap_rights_init(&rights, CAP_ACCEPT, CAP_READ, CAP_RECV);
	if (caph_rights_limit(socket_fd, &rights) == -1)
		errx(EX_OSERR, "Unable to apply rights for sandbox");
#endif
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/%s",
	    BHYVE_RUN_DIR, vm_get_name(ctx));
	addr.sun_len = SUN_LEN(&addr);
	unlink(addr.sun_path);

	if (bind(socket_fd, (struct sockaddr *)&addr, addr.sun_len) != 0) {
		err = -1;
		goto fail;
	}
	if (listen(socket_fd, SOCKET_BACKLOG) != 0) {
		err = -1;
		goto fail;
	}

	checkpoint_info = calloc(1, sizeof(*checkpoint_info));
	checkpoint_info->ctx = ctx;
	checkpoint_info->socket_fd = socket_fd;

	ret = pthread_create(&checkpoint_pthread, NULL, checkpoint_thread,
	    checkpoint_info);
	if (ret != 0) {
		err = ret;
		goto fail;
	}

	return (0);
fail:
	free(checkpoint_info);
	if (socket_fd > 0)
		close(socket_fd);
	unlink(addr.sun_path);

	return (err);
}

#ifdef BHYVE_SNAPSHOT
int
vm_snapshot_buf(volatile void *data __unused, size_t data_size,
    struct restore_state *rstate)
{
	if (rstate->kdata_len < data_size)
		return (E2BIG);
	rstate->kdata_len -= data_size;
	return (0);
}
#endif
