/*
 * Macro bodies continued over lines, with a comment before the backslash.
 */

#include <sys/param.h>

#define	VTCON_HOSTCAPS		\
	(VTCON_F_SIZE |		/* console size */ \
	 VTCON_F_MULTIPORT)	/* more than one port */

#define	VTCON_MAXPORTS	16	/* one-line body: comment kept */

#define	VTCON_CHECK(sc)	do {	/* both in one block */	\
	assert((sc)->vsc_ports <= VTCON_MAXPORTS);	\
} while (0)

static uint64_t vtcon_caps = VTCON_HOSTCAPS;

static int
vtcon_nports(struct vtcon_softc *sc)
{

	VTCON_CHECK(sc);
	return (sc->vsc_ports);
}
