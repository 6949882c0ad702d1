/*-
 * Test input written for freebsd-refactor.
 */

#ifndef _IPC_H_
#define	_IPC_H_

void	*ipc_thread(void *param);

#endif
