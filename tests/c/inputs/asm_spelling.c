/*
 * <sys/cdefs.h> spellings of keywords: __asm __volatile, __const, __signed.
 */

#include <stdint.h>

static __const char *tsc_name = "tsc";
static __signed char tsc_shift;

static __inline uint64_t
tsc_read(void)
{
	uint32_t lo, hi;

	__asm __volatile("rdtsc" : "=a" (lo), "=d" (hi));
	return ((uint64_t)hi << 32 | lo);
}

static __inline void
cpu_relax(void)
{

	__asm __volatile("pause" ::: "memory");
}
