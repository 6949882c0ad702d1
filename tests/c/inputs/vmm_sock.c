/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Copyright (c) 2021 The Example Project
 * All rights reserved.
 */

#include <sys/cdefs.h>
__FBSDID("$FreeBSD$");

#include <sys/types.h>
#ifndef WITHOUT_CAPSICUM
#include <sys/capsicum.h>
#endif
#include <sys/queue.h>

#include <pthread.h>
#include <stdio.h>

#include "sock.h"

#define	SOCK_BACKLOG	4
#define	SOCK_LOG(fmt, ...)					\
	fprintf(stderr, "sock: " fmt "\n", ##__VA_ARGS__)
#define	SOCK_DUP(a)	((a) + sock_count)

SET_DECLARE(sock_handler_set, struct sock_handler);

struct sock_client {
	int			sc_fd;
	TAILQ_ENTRY(sock_client) sc_link;
};

static TAILQ_HEAD(sock_list, sock_client) sock_clients;
static pthread_cond_t sock_cv, sock_done_cv;
static int sock_count;		/* live clients */

static void sock_fatal(const char *fmt, ...) __dead2 __printflike(1, 2);

/*
 * Answer one request.
 */
static int
sock_reply(struct sock_client *sc, int req __unused)
{
	struct sock_client *it;
	const char *name;

	name = __DECONST(char *, "reply");
	TAILQ_FOREACH(it, &sock_clients, sc_link) {
		if (it == sc)
			goto found;
	}
	return (-1);
found:
	sc->sc_fd = SOCK_DUP(sock_count);
	SOCK_LOG("%s %d", name, sc->sc_fd);
	return (0);
}

#ifdef BHYVE_SNAPSHOT
static int sock_snapshot;
#else
static long sock_snapshot;
#endif /* BHYVE_SNAPSHOT */

static struct sock_handler sock_default_handler = {
	.sh_name = "default",
	.sh_reply = sock_reply,
};
DATA_SET(sock_handler_set, sock_default_handler);

static void
sock_fatal(const char *fmt, ...)
{

	fprintf(stderr, "%s"
#ifndef WITHOUT_CAPSICUM
	    " (capsicum)"
#endif
	    "\n", fmt);
	pthread_cond_signal(&sock_done_cv);
	exit(1);
}
