#ifndef _UTIL_H_
#define	_UTIL_H_

struct vmctx;

int	util_hello(struct vmctx *ctx);

#endif
