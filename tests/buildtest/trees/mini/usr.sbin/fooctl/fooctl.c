#include <sys/types.h>

#include <stdio.h>
#include <vmmapi.h>

#include "util.h"

int
main(void)
{
	return (util_hello(vm_open("vm0")));
}
