#include <sys/types.h>

#include <vmmapi.h>

#include "util.h"

int
util_hello(struct vmctx *ctx)
{
	return (ctx != NULL);
}
