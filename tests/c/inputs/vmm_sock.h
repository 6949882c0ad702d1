/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Copyright (c) 2021 The Example Project
 */

#ifndef _SOCK_H_
#define	_SOCK_H_

#include <sys/cdefs.h>

typedef int (*sock_reply_t)(struct sock_client *, int);

struct sock_handler {
	const char	*sh_name;
	sock_reply_t	sh_reply;
};

enum sock_op {
	SOCK_OP_NONE,
	SOCK_OP_CHECKPOINT,
#ifdef BHYVE_SNAPSHOT
	SOCK_OP_SUSPEND,
#endif
};

__BEGIN_DECLS
int	sock_init(const char *path) __result_use_check;
void	sock_shutdown(void) __dead2;
__END_DECLS

#endif /* !_SOCK_H_ */
