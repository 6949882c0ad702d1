/*
 * Size of a VM name buffer, NUL included, such that the control socket
 * /var/run/bhyve/<vmname> of bhyve(8) fits in sun_path: SUNPATHLEN (104)
 * minus strlen("/var/run/bhyve/") (15).
 */
#define	MAX_VMNAME	89
