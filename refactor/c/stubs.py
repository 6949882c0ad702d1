"""Stand-ins for system headers, so a FreeBSD file parses on any host.

The semantic layer never reads the host's /usr/include: its headers describe
Linux, not FreeBSD, and they are slow to preprocess.  Instead every `<x/y.h>`
a file includes becomes a small stub that declares just the type names the file
uses (typedef discovery), and one prelude, included first, removes the
attribute-like macros and gives the statement-like macros of <sys/queue.h> and
<sys/linker_set.h> a shape that pycparser can read.

Functions and constants of libc are not declared at all: pycparser does not
need them to parse, and the resolution check treats a name that no tree file
defines as a system name (see resolve.py).  `SYSTEM_HOMES` says which header a
well-known name comes from, so the dependency closure can tell which system
includes moved code needs.
"""

from __future__ import annotations

# Which header declares a well-known libc/FreeBSD name.  The value is the
# header's name as written in `#include <...>`.
_HOMES_BY_HEADER: dict[str, str] = {
    "sys/types.h": "size_t ssize_t off_t pid_t uid_t gid_t mode_t dev_t ino_t nlink_t "
    "u_char u_short u_int u_long caddr_t daddr_t key_t id_t lwpid_t vm_offset_t "
    "vm_size_t vm_ooffset_t vm_paddr_t vm_pindex_t register_t u_int8_t u_int16_t "
    "u_int32_t u_int64_t quad_t u_quad_t time_t clock_t useconds_t suseconds_t "
    "fd_set blksize_t blkcnt_t fflags_t segsz_t cpuwhich_t cpulevel_t",
    "stdint.h": "int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t "
    "intptr_t uintptr_t intmax_t uintmax_t int_least8_t int_least16_t int_least32_t "
    "int_least64_t uint_least8_t uint_least16_t uint_least32_t uint_least64_t "
    "int_fast8_t int_fast16_t int_fast32_t int_fast64_t uint_fast8_t uint_fast16_t "
    "uint_fast32_t uint_fast64_t INT8_MAX INT16_MAX INT32_MAX INT64_MAX UINT8_MAX "
    "UINT16_MAX UINT32_MAX UINT64_MAX SIZE_MAX",
    "stddef.h": "ptrdiff_t wchar_t max_align_t offsetof",
    "stdbool.h": "bool true false",
    "stdarg.h": "va_list va_start va_end va_arg va_copy",
    "stdio.h": "FILE fpos_t printf fprintf sprintf snprintf vsnprintf vfprintf fopen "
    "fclose fread fwrite fgets fputs fputc putchar puts perror fflush fileno fdopen "
    "getline sscanf fscanf stdin stdout stderr EOF BUFSIZ asprintf vasprintf setvbuf",
    "stdlib.h": "malloc calloc realloc free exit abort atoi atol strtol strtoul strtoll "
    "strtoull strtoq strtouq getenv setenv qsort bsearch abs labs reallocf "
    "EXIT_SUCCESS EXIT_FAILURE arc4random arc4random_buf realpath mkstemp",
    "string.h": "memcpy memmove memset memcmp strlen strnlen strcpy strncpy strcat "
    "strncat strcmp strncmp strchr strrchr strstr strdup strndup strerror strsep "
    "strtok strtok_r strlcpy strlcat strcasecmp strncasecmp memchr explicit_bzero "
    "bzero bcopy bcmp",
    "strings.h": "ffs ffsl fls flsl",
    "unistd.h": "read write close lseek unlink unlinkat access getpid sleep usleep "
    "pread pwrite dup dup2 pipe fork execv execvp _exit getopt optarg optind "
    "sysconf isatty ftruncate fsync chdir getuid geteuid STDIN_FILENO STDOUT_FILENO "
    "STDERR_FILENO",
    "errno.h": "errno EINTR EAGAIN EWOULDBLOCK ENOMEM EINVAL ENOENT EEXIST EBUSY EIO "
    "ENXIO EFAULT EPERM EACCES ENOSPC ENOTSUP EOPNOTSUPP ERANGE EBADF ENOSYS ENODEV "
    "ETIMEDOUT EPIPE ECONNRESET ENOTTY EFBIG E2BIG",
    "fcntl.h": "open openat fcntl O_RDONLY O_WRONLY O_RDWR O_CREAT O_TRUNC O_EXCL "
    "O_NONBLOCK O_APPEND O_CLOEXEC O_DIRECTORY F_GETFL F_SETFL F_GETFD F_SETFD "
    "FD_CLOEXEC AT_FDCWD AT_REMOVEDIR",
    "pthread.h": "pthread_t pthread_attr_t pthread_mutex_t pthread_mutexattr_t "
    "pthread_cond_t pthread_condattr_t pthread_once_t pthread_key_t pthread_rwlock_t "
    "pthread_barrier_t pthread_create pthread_join pthread_detach pthread_self "
    "pthread_mutex_init pthread_mutex_lock pthread_mutex_unlock pthread_mutex_destroy "
    "pthread_cond_init pthread_cond_wait pthread_cond_signal pthread_cond_broadcast "
    "pthread_cond_destroy pthread_cond_timedwait pthread_once pthread_exit "
    "PTHREAD_MUTEX_INITIALIZER PTHREAD_COND_INITIALIZER PTHREAD_ONCE_INIT",
    "pthread_np.h": "pthread_set_name_np pthread_getaffinity_np pthread_setaffinity_np",
    "sys/socket.h": "sockaddr socket bind listen accept connect send recv sendto recvfrom "
    "sendmsg recvmsg setsockopt getsockopt shutdown socketpair socklen_t "
    "sa_family_t AF_UNIX AF_INET AF_INET6 PF_UNIX SOCK_STREAM SOCK_DGRAM "
    "SOCK_SEQPACKET SOL_SOCKET SO_REUSEADDR MSG_NOSIGNAL MSG_PEEK MSG_WAITALL",
    "sys/un.h": "SUN_LEN sockaddr_un",
    "netinet/in.h": "in_addr_t in_port_t htons htonl ntohs ntohl INADDR_ANY",
    "sys/stat.h": "stat fstat lstat mkdir mkdirat chmod fchmod umask S_IRWXU S_IRUSR "
    "S_IWUSR S_ISREG S_ISDIR S_ISCHR",
    "sys/mman.h": "mmap munmap mprotect madvise MAP_FAILED MAP_SHARED MAP_PRIVATE "
    "MAP_ANON PROT_READ PROT_WRITE PROT_NONE",
    "sys/ioctl.h": "ioctl",
    "sys/time.h": "gettimeofday timerclear timeradd timersub",
    "time.h": "clock_gettime nanosleep localtime gmtime strftime CLOCK_MONOTONIC "
    "CLOCK_REALTIME",
    "signal.h": "signal sigaction kill raise sigset_t sigemptyset sigaddset "
    "sigprocmask SIGINT SIGTERM SIGPIPE SIGHUP SIG_IGN SIG_DFL",
    "assert.h": "assert",
    "err.h": "err errx warn warnx verr verrx vwarn vwarnx errc warnc",
    "sysexits.h": "EX_OK EX_USAGE EX_DATAERR EX_NOINPUT EX_SOFTWARE EX_OSERR "
    "EX_OSFILE EX_CANTCREAT EX_IOERR EX_TEMPFAIL EX_CONFIG EX_UNAVAILABLE",
    "sys/param.h": "nitems MIN MAX howmany roundup roundup2 rounddown rounddown2 "
    "powerof2 MAXPATHLEN PAGE_SIZE PAGE_MASK PAGE_SHIFT NBBY",
    "sys/cdefs.h": "__DECONST __containerof __predict_true __predict_false",
    "sys/capsicum.h": "cap_rights_t cap_rights_init cap_rights_limit cap_enter "
    "cap_ioctls_limit cap_fcntls_limit CAP_ACCEPT CAP_BIND CAP_CONNECT CAP_EVENT "
    "CAP_READ CAP_WRITE CAP_RECV CAP_SEND CAP_SETSOCKOPT CAP_IOCTL CAP_FSTAT "
    "CAP_MMAP_RW CAP_FTRUNCATE CAP_SEEK",
    "capsicum_helpers.h": "caph_enter caph_rights_limit caph_ioctls_limit "
    "caph_fcntls_limit caph_limit_stdio caph_limit_stdin caph_limit_stdout "
    "caph_limit_stderr caph_cache_catpages caph_cache_tzdata",
    "sys/cpuset.h": "cpuset_t CPU_SET CPU_CLR CPU_ZERO CPU_ISSET CPU_SETSIZE CPU_FFS "
    "CPU_EMPTY CPU_COUNT CPU_CMP CPU_COPY CPU_FILL CPU_SETOF CPU_ISFULLSET CPU_SUBSET "
    "CPU_OVERLAP CPU_AND CPU_OR CPU_NAND CPU_ANDNOT CPU_CLR_ATOMIC CPU_SET_ATOMIC",
    "sys/queue.h": "LIST_HEAD LIST_ENTRY LIST_FOREACH LIST_INIT LIST_INSERT_HEAD "
    "LIST_REMOVE LIST_FIRST LIST_NEXT LIST_EMPTY TAILQ_HEAD TAILQ_ENTRY "
    "TAILQ_FOREACH TAILQ_FOREACH_SAFE TAILQ_INIT TAILQ_INSERT_TAIL TAILQ_INSERT_HEAD "
    "TAILQ_REMOVE TAILQ_FIRST TAILQ_NEXT TAILQ_EMPTY TAILQ_LAST STAILQ_HEAD "
    "STAILQ_ENTRY STAILQ_FOREACH STAILQ_INIT STAILQ_INSERT_TAIL STAILQ_REMOVE_HEAD "
    "STAILQ_FIRST STAILQ_EMPTY SLIST_HEAD SLIST_ENTRY SLIST_FOREACH SLIST_INIT "
    "SLIST_INSERT_HEAD SLIST_REMOVE_HEAD SLIST_FIRST SLIST_EMPTY",
    "sys/linker_set.h": "SET_DECLARE DATA_SET TEXT_SET SET_FOREACH SET_BEGIN "
    "SET_LIMIT SET_COUNT SET_ITEM",
    "machine/vmm.h": "vm_paddr_t",
    "sys/event.h": "kevent kqueue EV_SET EV_ADD EV_DELETE EV_ENABLE EV_DISABLE "
    "EV_ONESHOT EV_CLEAR EV_EOF EV_ERROR EVFILT_READ EVFILT_WRITE EVFILT_SIGNAL "
    "EVFILT_TIMER",
    "libutil.h": "humanize_number expand_number",
    "dirent.h": "DIR opendir closedir readdir",
    "termios.h": "tcgetattr tcsetattr cfmakeraw speed_t tcflag_t cc_t",
    "poll.h": "poll nfds_t POLLIN POLLOUT",
    "sys/uio.h": "readv writev preadv pwritev",
    "setjmp.h": "jmp_buf sigjmp_buf setjmp longjmp",
    "semaphore.h": "sem_t sem_init sem_wait sem_post",
    "inttypes.h": "PRIx64 PRIu64 PRId64 PRIx32 PRIu32 PRId32",
    "ctype.h": "isdigit isspace isalpha isalnum isxdigit isprint toupper tolower",
    "limits.h": "INT_MAX INT_MIN UINT_MAX LONG_MAX ULONG_MAX CHAR_BIT PATH_MAX",
    "vmmapi.h": "vm_create vm_open vm_destroy vm_get_name vm_suspend vm_get_device_fd",
    "libxo/xo.h": "xo_handle_t xo_emit",
    "ucl.h": "ucl_object_t",
    "nv.h": "nvlist_t",
    "zlib.h": "z_stream",
    "uuid.h": "uuid_t",
    "md5.h": "MD5_CTX",
    "regex.h": "regex_t regmatch_t",
}

# Defined by many headers: a use of these never calls for one in particular.
UBIQUITOUS: frozenset[str] = frozenset({"NULL"})

SYSTEM_HOMES: dict[str, str] = {}
for _header, _names in _HOMES_BY_HEADER.items():
    for _name in _names.split():
        SYSTEM_HOMES.setdefault(_name, _header)

# Type names a FreeBSD file may use without declaring them (the typedef half
# of SYSTEM_HOMES, plus the types that only appear as such).
_TYPE_SUFFIX = "_t"
KNOWN_TYPES: frozenset[str] = frozenset(
    name for name in SYSTEM_HOMES
    if name.endswith(_TYPE_SUFFIX) or name in {"FILE", "DIR", "bool", "va_list",
                                               "fd_set", "jmp_buf", "sigjmp_buf",
                                               "MD5_CTX", "u_char", "u_short", "u_int",
                                               "u_long", "caddr_t", "quad_t", "u_quad_t"}
)

# Prelude: force-included before the file.  Defines only what changes syntax.
PRELUDE = r"""
#define __attribute__(x)
#define __attribute(x)
#define __extension__
#define __asm__(...)
#define __thread
#define __asm(...)
#define __restrict restrict
#define __restrict__ restrict
#define __inline inline
#define __inline__ inline
#define __volatile volatile
#define __volatile__ volatile
#define __const const
#define __signed signed
#define __unused
#define __used
#define __dead2
#define __pure
#define __pure2
#define __packed
#define __aligned(x)
#define __section(x)
#define __printflike(a, b)
#define __scanflike(a, b)
#define __format_arg(a)
#define __nonnull(x)
#define __nonnull_all
#define __result_use_check
#define __malloc_like
#define __alloc_size(x)
#define __alloc_size2(a, b)
#define __always_inline
#define __noinline
#define __weak_symbol
#define __hidden
#define __exported
#define __diagused
#define __deprecated
#define __returns_twice
#define __noreturn
#define __unreachable() ((void)0)
#define __FBSDID(s)
#define __RCSID(s)
#define __COPYRIGHT(s)
#define __SCCSID(s)
#define __IDSTRING(n, s)
#define __BEGIN_DECLS
#define __END_DECLS
#define __DECONST(type, var) ((type)(var))
#define __DEVOLATILE(type, var) ((type)(var))
#define __DEQUALIFY(type, var) ((type)(var))
#define __containerof(x, s, m) ((s *)(x))
#define __offsetof(type, field) offsetof(type, field)
#define __XSTRING(x) #x
#define __STRING(x) #x
#define __CONCAT(x, y) x ## y
#define _Alignas(x)
#define __alignof(x) sizeof(x)
#define _Alignof(x) sizeof(x)
#define __alignof__(x) sizeof(x)
#define __builtin_va_list int
#define va_arg(ap, type) (*(type *)__stub_va_arg(ap))
#define __builtin_va_arg(ap, type) (*(type *)__stub_va_arg(ap))
#define __builtin_types_compatible_p(a, b) 0
#define CTASSERT(x) _Static_assert(x, "CTASSERT")
#define static_assert _Static_assert

#define LIST_HEAD(name, type) struct name { struct type *lh_first; }
#define LIST_HEAD_INITIALIZER(head) { 0 }
#define LIST_ENTRY(type) struct { struct type *le_next; struct type **le_prev; }
#define LIST_FOREACH(var, head, field) for ((var) = (head)->lh_first; (var); )
#define LIST_FOREACH_SAFE(var, head, field, tvar) \
	for ((var) = (head)->lh_first; (var) && ((tvar) = (var)); )
#define SLIST_HEAD(name, type) struct name { struct type *slh_first; }
#define SLIST_HEAD_INITIALIZER(head) { 0 }
#define SLIST_ENTRY(type) struct { struct type *sle_next; }
#define SLIST_FOREACH(var, head, field) for ((var) = (head)->slh_first; (var); )
#define SLIST_FOREACH_SAFE(var, head, field, tvar) \
	for ((var) = (head)->slh_first; (var) && ((tvar) = (var)); )
#define STAILQ_HEAD(name, type) struct name { struct type *stqh_first; struct type **stqh_last; }
#define STAILQ_HEAD_INITIALIZER(head) { 0, 0 }
#define STAILQ_ENTRY(type) struct { struct type *stqe_next; }
#define STAILQ_FOREACH(var, head, field) for ((var) = (head)->stqh_first; (var); )
#define STAILQ_FOREACH_SAFE(var, head, field, tvar) \
	for ((var) = (head)->stqh_first; (var) && ((tvar) = (var)); )
#define TAILQ_HEAD(name, type) struct name { struct type *tqh_first; struct type **tqh_last; }
#define TAILQ_HEAD_INITIALIZER(head) { 0, 0 }
#define TAILQ_ENTRY(type) struct { struct type *tqe_next; struct type **tqe_prev; }
#define TAILQ_FOREACH(var, head, field) for ((var) = (head)->tqh_first; (var); )
#define TAILQ_FOREACH_SAFE(var, head, field, tvar) \
	for ((var) = (head)->tqh_first; (var) && ((tvar) = (var)); )
#define TAILQ_FOREACH_REVERSE(var, head, headname, field) for ((var) = (head)->tqh_first; (var); )
#define TAILQ_FOREACH_FROM(var, head, field) for (; (var); )
#define RB_HEAD(name, type) struct name { struct type *rbh_root; }
#define RB_ENTRY(type) \
	struct { struct type *rbe_left; struct type *rbe_right; struct type *rbe_parent; }
#define RB_INITIALIZER(root) { 0 }
#define RB_PROTOTYPE(name, type, field, cmp)
#define RB_PROTOTYPE_STATIC(name, type, field, cmp)
#define RB_GENERATE(name, type, field, cmp) static int __stub_rb_##name = sizeof(cmp)
#define RB_GENERATE_STATIC(name, type, field, cmp) static int __stub_rb_##name = sizeof(cmp)
#define RB_FOREACH(x, name, head) for ((x) = (head)->rbh_root; (x); )
#define RB_FOREACH_SAFE(x, name, head, y) for ((x) = (head)->rbh_root; (x) && ((y) = (x)); )

#define SET_DECLARE(set, ptype) extern ptype *__start_set_##set[]
#define DATA_SET(set, sym) static void const *__set_##set##_sym_##sym = &(sym)
#define DATA_WSET(set, sym) DATA_SET(set, sym)
#define TEXT_SET(set, sym) DATA_SET(set, sym)
#define SET_FOREACH(pvar, set) for ((pvar) = __start_set_##set; (pvar); )
#define SET_BEGIN(set) (__start_set_##set)
#define SET_LIMIT(set) (__start_set_##set)
#define SET_COUNT(set) 0
#define SET_ITEM(set, i) (__start_set_##set[i])

#define SYSCTL_DECL(name)
#define MALLOC_DECLARE(t)
#define MALLOC_DEFINE(t, s, d)
#define BITSET_DEFINE(name, n) struct name { long __bits[1]; }
#define _BITSET_DECLARE(name, n) struct name { long __bits[1]; }
#define STAILQ_CONCAT(a, b)
"""

# Names the prelude introduces: they are system names, never the file's own.
PRELUDE_NAMES: frozenset[str] = frozenset(
    {"__stub_va_arg", "offsetof"}
)


def is_stub_name(name: str) -> bool:
    """Names made up by the prelude's macros (linker sets, tree.h, asserts)."""
    return name.startswith(("__stub_", "__start_set_", "__set_")) or name in PRELUDE_NAMES


def stub_header(header: str, typedefs: set[str]) -> str:
    """The text of the stub for `<header>`: the discovered types it is home to."""
    lines = [f"/* stub for <{header}>: generated by refactor.c.stubs */"]
    for name in sorted(typedefs):
        lines.append(typedef_line(name))
    return "\n".join(lines) + "\n"


def typedef_line(name: str) -> str:
    # pycparser only needs to know the name is a type; `int` is as good as any.
    if name == "bool":
        return "typedef _Bool bool;"
    if name in ("va_list", "__va_list"):
        return f"typedef char *{name};"
    return f"typedef int {name};"
