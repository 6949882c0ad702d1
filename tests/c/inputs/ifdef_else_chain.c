/*
 * An #if that cuts an if/else chain: a branch that starts with `else`, and a
 * branch that ends with a dangling `else`.
 */

#include <string.h>

static int
shape_parse(const char *key, const char *val)
{

	if (strcmp(key, "sockets") == 0)
		set_value("sockets", val);
	else if (strcmp(key, "cores") == 0)
		set_value("cores", val);
#ifdef notyet	/* the kernel does not take it yet */
	else if (strcmp(key, MAXCPUS_KEY) == 0)
		set_value("maxcpus", val);
#endif
	else if (strchr(key, '=') != NULL)
		return (-1);
	else
		set_value("cpus", val);
	return (0);
}

static void
start_guest(const char *restore_path)
{

#ifdef BHYVE_SNAPSHOT
	if (restore_path != NULL) {
		restore_guest(restore_path);
	} else
#endif
	{
		boot_guest();
	}
}
