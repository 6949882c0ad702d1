/*
 * FreeBSD idioms met in usr.sbin/bhyve, in one file, written for the tests.
 */

#include <sys/cdefs.h>
__FBSDID("$FreeBSD$");

#include <sys/param.h>
#include <sys/linker_set.h>
#include <sys/queue.h>

#include <assert.h>
#include <pthread.h>

#include "toy_emul.h"

#define	TOY_RINGSZ	64

#define	DPRINTF(fmt, arg...)	do {			\
	if (toy_debug)					\
		PRINTLN(fmt, ##arg);			\
} while (0)
#define	WPRINTF(params)	printf params

SET_DECLARE(toy_dsdt_set, struct toy_dsdt);
TOY_SYSRES(0x4d0, 2);

struct toy_hdr {
#define	TOY_OP_READ	0
#define	TOY_OP_WRITE	1
	uint32_t	th_type;
	uint64_t	th_sector;
} __packed;

static_assert(sizeof(struct toy_hdr) == 12, "toy_hdr size");
_Static_assert(TOY_RINGSZ % 2 == 0, "ring size");

struct toy_req {
	TAILQ_ENTRY(toy_req) tr_link;
	int		tr_idx;
};

struct toy_softc {
	pthread_mutex_t	ts_mtx;
	TAILQ_HEAD(, toy_req) ts_freeq;
	STAILQ_HEAD(, toy_req) ts_pendq;
	cpuset_t	ts_active;
	uint8_t		ts_buf[512] __aligned(64);
};

static LIST_HEAD(toy_list, toy_softc) toy_head = LIST_HEAD_INITIALIZER(toy_head);
static int toy_debug;

static void	toy_die(const char *fmt, ...) __dead2 __printflike(1, 2);
typedef void	(*toy_log_t)(const char *fmt, ...) __printflike(1, 2);

static const char *const toy_names[] = {
	[TOY_OP_READ] = "read",
	[TOY_OP_WRITE] = "write",
#ifdef TOY_DISCARD
	[2] = "discard",
#endif
};

static int
toy_max(int a, int b)
{
	int m = ({ __typeof(a) _a = (a); _a > b ? _a : b; });

	return (m + (int)nitems(toy_names));
}

static int
#ifdef __amd64__
toy_vcpu_init(struct toy_softc *sc, int vcpu)
#else
toy_vcpu_init(struct toy_softc *sc)
#endif
{
	struct toy_req *tr, *tmp;
	struct toy_dsdt **tdpp;
	int vcpu_id;

	TAILQ_FOREACH_SAFE(tr, &sc->ts_freeq, tr_link, tmp)
		TAILQ_REMOVE(&sc->ts_freeq, tr, tr_link);
	CPU_FOREACH_ISSET(vcpu_id, &sc->ts_active) {
		DPRINTF("vcpu %d", vcpu_id);
	}
	SET_FOREACH(tdpp, toy_dsdt_set) {
		(*tdpp)->handler();
	}
	caps_limit(sc, CAP_EVENT, CAP_READ,
#ifndef WITHOUT_CAPSICUM
	    CAP_IOCTL,
#endif
	    CAP_WRITE);
	WPRINTF(("toy: %s\n", __DECONST(char *, toy_names[0])));
	return (0);
}
TOY_DSDT(toy_vcpu_init);

static const struct toy_devemu toy_de = {
	.te_emu =	"toy",
	.te_init =	toy_vcpu_init,
#ifdef BHYVE_SNAPSHOT
	.te_snapshot =	toy_snapshot,
#endif
};
TOY_EMUL_SET(toy_de);
