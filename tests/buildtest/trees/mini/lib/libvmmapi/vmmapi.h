#ifndef _VMMAPI_H_
#define	_VMMAPI_H_

#include <sys/param.h>
#include <machine/vmm.h>

struct vmctx;

struct vmctx	*vm_open(const char *name);
int	vm_get_memflags(struct vmctx *ctx);

#endif
