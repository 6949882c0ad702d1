#ifndef _SNAP_H_
#define	_SNAP_H_

struct vmctx;

void	snap_init(struct vmctx *ctx);

#endif
