/* Partial tree: a cut-down param.h, on purpose incomplete (no MAXCOMLEN). */
#ifndef _SYS_PARAM_H_
#define	_SYS_PARAM_H_

#undef __FreeBSD_version
#define	__FreeBSD_version 1300134

#define	MAXPATHLEN	1024

#endif
