#include <sys/param.h>
#include <sys/types.h>

#include <stdio.h>
#include <vmmapi.h>

#include "util.h"
#ifdef BHYVE_SNAPSHOT
#include "snap.h"
#endif

int
main(int argc, char *argv[])
{
	struct vmctx *ctx;
	char comm[MAXCOMLEN + 1];

	ctx = vm_open(argc > 1 ? argv[1] : "vm0");
	snprintf(comm, sizeof(comm), "%s", argv[0]);
	printf("%s %d\n", comm, util_hello(ctx));
#ifdef BHYVE_SNAPSHOT
	snap_init(ctx);
#endif
	return (0);
}
