#include <sys/types.h>

#include <vmmapi.h>

#include "snap.h"

void
snap_init(struct vmctx *ctx)
{
	(void)ctx;
}
