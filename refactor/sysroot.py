"""The headers a FreeBSD build compiles against, staged from the tree itself.

buildworld's "includes" stage fills /usr/include before anything is compiled:
`include/` as is, the kernel dirs that include/Makefile names (LDIRS,
LSUBDIRS, LSUBSUBDIRS: `sys/sys` as <sys/..>, `sys/net` as <net/..>, ...),
`sys/<arch>/include` as <machine/..>, `sys/x86/include` as <x86/..>, and
every library's INCS into its INCSDIR (lib/libmd's md5.h as <md5.h>,
contrib/libxo's xo.h, via lib/libxo's Makefile, as <libxo/xo.h>).

    root = sysroot_for(tree, "amd64", ["vmmapi", "md", "util"])
    root.resolve("libxo/xo.h")       # -> "contrib/libxo/libxo/xo.h" (a tree path)
    stage_headers(tree, "amd64", ["xo"])  # -> a directory laid out as /usr/include

Libraries are read lazily: first those the program names (LIBADD, and the
library dirs its CFLAGS -I name), and only when a header is not among them,
every library Makefile of the tree, once.  A library dir that has headers
but no Makefile (a partial tree) counts all its headers as installed at the
INCSDIR FreeBSD gives it.  What the tree lacks, the compiler's own FreeBSD
libc headers (zig's, for `cross`) fill in; that is the caller's choice.

Trees are read through `Tree`, so a git commit or a plan's in-memory state
stages the same way as a directory.  Evaluations are cached by the content
of the Makefiles read, staged directories by the content of every file
staged.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from refactor.tree import Tree

INCLUDEDIR = "/usr/include"

# LIBADD names whose directory is not lib/lib<name> (share/mk/src.libnames.mk).
_LIB_DIRS = {
    "pthread": "lib/libthr",
    "thr": "lib/libthr",
    "casper": "lib/libcasper/libcasper",
    "crypto": "secure/lib/libcrypto",
    "ssl": "secure/lib/libssl",
    "xo": "lib/libxo",
    "ucl": "lib/libucl",
}
# Where library Makefiles live, for the full index.
_LIB_ROOTS = ("lib", "lib/libcasper/services", "lib/libcasper", "secure/lib", "cddl/lib",
              "gnu/lib")
# Partial trees: library dir -> (header home, installed prefix), for a library
# whose Makefile is missing, so nothing says what it installs.
_NO_MAKEFILE_HOMES = {
    "lib/libvmmapi": ("lib/libvmmapi", ""),
    "lib/libutil": ("lib/libutil", ""),
    "lib/libcasper": ("lib/libcasper", ""),
    "lib/libcasper/libcasper": ("lib/libcasper/libcasper", ""),
    "lib/libnv": ("lib/libnv", ""),
    "lib/libmd": ("lib/libmd", ""),
    "lib/libucl": ("contrib/libucl/include", ""),
    "lib/libxo": ("contrib/libxo/libxo", "libxo/"),
    "lib/lib9p": ("contrib/lib9p", ""),
}
# When include/Makefile is absent, every sys/<dir> stands for <dir/..>.
_SYS_FALLBACK = "sys"


@dataclass(frozen=True)
class Library:
    """One library's installed headers."""

    name: str
    dir: str
    headers: tuple[tuple[str, str], ...]  # (installed name, tree path)
    how: str  # "Makefile" or "no Makefile: every header of <dir>"


@dataclass
class Sysroot:
    """Installed name -> tree path, as buildworld would lay out /usr/include."""

    tree: Tree
    arch: str = "amd64"
    libs: list[str] = field(default_factory=list)
    dirs: list[tuple[str, str]] = field(default_factory=list)  # (prefix, tree dir)
    libraries: dict[str, Library] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    _headers: dict[str, str] = field(default_factory=dict)  # from libraries read so far
    _indexed: bool = False
    makefiles: dict[str, bytes | None] = field(default_factory=dict)  # as read
    generated: dict[str, bytes] = field(default_factory=dict)  # tree path -> made header
    aliases: dict[str, str] = field(default_factory=dict)  # INCSLINKS: name -> name
    copies: dict[str, str] = field(default_factory=dict)  # installed by hand: name -> path

    def resolve(self, name: str) -> str | None:
        """The tree path that `#include <name>` finds after `make includes`."""
        name = posixpath.normpath(name)
        if name.startswith(("..", "/")):
            return None
        for prefix, home in self.dirs:
            if prefix and not name.startswith(prefix):
                continue
            path = posixpath.join(home, name[len(prefix):]) if home else name[len(prefix):]
            if path != "include/Makefile" and self.tree.exists(path):
                return path
        if name in self.copies and self.tree.exists(self.copies[name]):
            return self.copies[name]
        if name in self.aliases and self.aliases[name] != name:
            return self.resolve(self.aliases[name])
        if name in self._headers:
            return self._headers[name]
        if not self._indexed:
            self._index_all()
            return self._headers.get(name)
        return None

    def installed(self) -> dict[str, str]:
        """Every installed header: installed name -> tree path (reads the whole layout)."""
        self._index_all()
        out: dict[str, str] = {}
        for lib in reversed(list(self.libraries.values())):
            out.update(dict(lib.headers))
        for name, target in self.aliases.items():
            path = self.resolve(target) if target != name else None
            if path is not None:
                out[name] = path
        out.update({n: p for n, p in self.copies.items() if self.tree.exists(p)})
        # Earlier dirs win, and dirs win over libraries, as in resolve().
        for prefix, home in reversed(self.dirs):
            for path in self.tree.walk(home):
                if path.endswith(".h"):
                    out[prefix + posixpath.relpath(path, home)] = path
        return out

    def file(self, path: str) -> bytes | None:
        """A tree file, or a header the build generates (see generate())."""
        return self.generated.get(path) if path in self.generated else self.tree.read(path)

    def generate(self, dir: str, search: list[str], target: str, template: str,
                 commands: list[str]) -> str | None:
        """A header the library's Makefile makes from a template with sed
        (opensslconf.h from opensslconf.h.in), added to the Tree as an in-memory
        file at the path the object dir would hold it: <dir>/<target>."""
        from refactor.buildtest.config import run_sed

        src = next((p for p in (posixpath.join(s, template) for s in search)
                    if self.tree.exists(p)), None)
        data = run_sed(commands, self.tree.read(src) or b"") if src else None
        if data is None:
            self.notes.append(f"{dir}: cannot make {target} from {template}")
            return None
        path = posixpath.join(dir, target)
        self.generated[path] = data
        return path

    def add_library(self, name: str) -> Library | None:
        if name in self.libraries:
            return self.libraries[name]
        lib = _library(self, name, library_dir(self.tree, name))
        if lib is not None:
            self.libraries[name] = lib
            for inst, path in lib.headers:
                self._headers.setdefault(inst, path)
        return lib

    def _index_all(self) -> None:
        if self._indexed:
            return
        self._indexed = True
        seen = {lib.dir for lib in self.libraries.values()}
        for root in _LIB_ROOTS:
            # A dir without a Makefile that installs headers may group libraries
            # (lib/atf/libatf-c, lib/ncurses/ncurses): one level down is read too.
            todo = [(root, d, 0) for d in self.tree.subdirs(root)]
            while todo:
                parent, d, depth = todo.pop(0)
                path = posixpath.join(parent, d)
                if path in ("lib/libcasper/services", "lib/libcasper") or path in seen:
                    continue  # roots of their own, or read already
                lib = _library(self, d[3:] if d.startswith("lib") else d, path)
                if lib is not None and lib.headers:
                    self.libraries.setdefault(lib.name, lib)
                    for inst, tp in lib.headers:
                        self._headers.setdefault(inst, tp)
                elif depth == 0:
                    todo += [(path, sub, 1) for sub in self.tree.subdirs(path)]
        for dir, (home, prefix) in _NO_MAKEFILE_HOMES.items():
            if not self.tree.exists(posixpath.join(dir, "Makefile")):
                lib = _loose_library(self.tree, home, prefix)
                if lib is not None:
                    self.libraries.setdefault(lib.name, lib)
                    for inst, tp in lib.headers:
                        self._headers.setdefault(inst, tp)

    def digest(self) -> str:
        """Content hash of every Makefile this layout was read from."""
        h = hashlib.sha256(self.arch.encode())
        for path in sorted(self.makefiles):
            data = self.makefiles[path]
            h.update(path.encode() + b"\0" + (data if data is not None else b"\1missing"))
        return h.hexdigest()


def library_dir(tree: Tree, name: str) -> str:
    """The tree dir of LIBADD name `name` (lib/lib<name> unless src.libnames.mk says)."""
    if name in _LIB_DIRS:
        return _LIB_DIRS[name]
    if name.startswith("cap_"):
        return f"lib/libcasper/services/{name}"
    for root in ("lib", "secure/lib", "cddl/lib", "gnu/lib"):
        d = f"{root}/lib{name}"
        if tree.exists(f"{d}/Makefile"):
            return d
    return f"lib/lib{name}"


def _library(root: Sysroot, name: str, dir: str) -> Library | None:
    """A library's INCS from its Makefile, each found like a source (dir, then .PATH)."""
    mk = posixpath.join(dir, "Makefile")
    root.makefiles[mk] = root.tree.read(mk)
    if root.makefiles[mk] is None:
        if dir in _NO_MAKEFILE_HOMES:
            home, prefix = _NO_MAKEFILE_HOMES[dir]
            return _loose_library(root.tree, home, prefix, name)
        return None
    from refactor.buildtest.config import variables  # not at the top: buildtest imports us

    got = variables(root.tree, dir, preset={"INCLUDEDIR": INCLUDEDIR,
                                             "MACHINE": root.arch, "MACHINE_ARCH": root.arch,
                                             "MACHINE_CPUARCH": root.arch})
    if got is None:
        return None
    vars_, paths = got.vars, got.path
    groups = ["INCS"] + vars_.get("INCSGROUPS", "").split()
    headers: list[tuple[str, str]] = []
    search = [dir] + paths
    for group in dict.fromkeys(groups):
        target = vars_.get(f"{group}DIR", vars_.get("INCSDIR", INCLUDEDIR)) \
            if group != "INCS" else vars_.get("INCSDIR", INCLUDEDIR)
        inst = _installed_prefix(target)
        if inst is None:
            root.notes.append(f"{dir}: {group}DIR {target} is outside {INCLUDEDIR}; skipped")
            continue
        for word in vars_.get(group, "").split():
            # INCSDIR_atf-c.h= ${INCLUDEDIR}: one file of the group installed elsewhere.
            own = vars_.get(f"{group}DIR_{posixpath.basename(word)}")
            own_inst = _installed_prefix(own) if own else None
            # A word whose variable the evaluator left empty (`${X}/y.h`) can
            # name a path outside the tree: it is not there.
            found = next((p for p in (posixpath.normpath(posixpath.join(s, word)) if s else word
                                      for s in search)
                          if not p.startswith(("/", "../")) and root.tree.exists(p)), None)
            if found is None and word in got.generated:
                found = root.generate(dir, search, word, *got.generated[word])
            if found is None:
                root.notes.append(f"{dir}: INCS {word} not in the tree")
                continue
            prefix = own_inst if own_inst is not None else inst
            headers.append((prefix + posixpath.basename(word), found))
    return Library(name, dir, tuple(headers), "Makefile")


def _loose_library(tree: Tree, home: str, prefix: str, name: str | None = None
                   ) -> Library | None:
    files = [p for p in tree.list(home) if p.endswith(".h")]
    if not files:
        return None
    return Library(name or posixpath.basename(home), home,
                   tuple((prefix + posixpath.basename(p), p) for p in files),
                   f"no Makefile: every header of {home}")


def _installed_prefix(target: str) -> str | None:
    target = posixpath.normpath(target)
    if target == INCLUDEDIR:
        return ""
    if target.startswith(INCLUDEDIR + "/"):
        return target[len(INCLUDEDIR) + 1:] + "/"
    return None


# include/Makefile's hand-written install lines (its `copies` target):
#   cd ${SRCTOP}/sys/rpc; \
#   ${INSTALL} -C ${TAG_ARGS} -o ${BINOWN} -g ${BINGRP} -m 444 types.h \
#       ${SDESTDIR}${INCLUDEDIR}/rpc
_COPY_RE = re.compile(
    r"cd\s+\$\{(?:SRCTOP|\.CURDIR)\}(?:/\.\.)?/(?P<src>[\w./-]+)/?\s*;\s*"
    r"\$\{INSTALL\}(?P<args>[^;]*?)\$\{S?DESTDIR\}\$\{INCLUDEDIR\}/(?P<dst>[\w./-]+)")


def install_copies(text: str) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """What include/Makefile's install lines copy: whole dirs (`*.h`), as
    (installed prefix, tree dir), and single headers, installed name -> tree path.
    Lines whose dirs depend on a variable (${MACHINE}) are left to kernel_dirs."""
    text = re.sub(r"\\\n", " ", text)
    dirs: list[tuple[str, str]] = []
    files: dict[str, str] = {}
    for m in _COPY_RE.finditer(text):
        src, dst = posixpath.normpath(m.group("src")), posixpath.normpath(m.group("dst"))
        for word in re.sub(r"\$\{[^}]*\}", " ", m.group("args")).split():
            if word == "*.h":
                dirs.append((dst + "/", src))
            elif word.endswith(".h") and "*" not in word:
                files.setdefault(f"{dst}/{posixpath.basename(word)}",
                                 posixpath.join(src, word))
    return dirs, files


def kernel_dirs(tree: Tree, arch: str = "amd64", aliases: dict[str, str] | None = None,
                copies: dict[str, str] | None = None
                ) -> tuple[list[tuple[str, str]], list[str]]:
    """(installed prefix, tree dir) for libc and kernel headers, in search order;
    `aliases` gets include/Makefile's INCSLINKS (installed name -> installed name),
    `copies` the single headers its install lines copy (name -> tree path)."""
    aliases = aliases if aliases is not None else {}
    copies = copies if copies is not None else {}
    from refactor.buildtest.config import variables  # not at the top: buildtest imports us

    notes: list[str] = []
    dirs: list[tuple[str, str]] = [("", "include")]
    got = variables(tree, "include", preset={"MACHINE": arch, "MACHINE_ARCH": arch,
                                             "MACHINE_CPUARCH": arch}) \
        if tree.exists("include/Makefile") else None
    if got is not None:
        vars_ = got.vars
        for var in ("LDIRS", "LSUBDIRS", "LSUBSUBDIRS"):
            for d in vars_.get(var, "").split():
                dirs.append((d + "/", f"sys/{d}"))
        dirs.append(("crypto/", "sys/crypto"))  # copied by the same loop as LDIRS
    else:
        notes.append("no include/Makefile: every sys/<dir> stands for <dir/..>")
    dirs.append(("machine/", f"sys/{arch}/include"))
    if got is not None:
        # INCSLINKS: <sched.h> is a link to <sys/sched.h>, <stdarg.h> to <machine/stdarg.h>.
        words = got.vars.get("INCSLINKS", "").split()
        for target, link in zip(words[::2], words[1::2], strict=False):
            name = _installed_prefix(posixpath.dirname(link))
            if name is not None:
                aliases[name + posixpath.basename(link)] = posixpath.normpath(
                    posixpath.join(name, target))
    if arch in ("amd64", "i386"):
        dirs.append(("x86/", "sys/x86/include"))
    if got is not None:
        more, files = install_copies((tree.read("include/Makefile") or b"").decode("latin-1"))
        dirs += [d for d in more if d not in dirs]
        copies.update(files)
    if got is None:
        dirs.append(("", _SYS_FALLBACK))
    return dirs, notes


def sysroot_for(tree: Tree, arch: str = "amd64", libs: list[str] | tuple[str, ...] = ()
                ) -> Sysroot:
    """The staged-header layout for a program linking `libs` (LIBADD names).

    Cached in the run's cache (`tree.parses`) by the content of include/Makefile
    and the libraries' Makefiles.
    """
    key_mk = [tree.read("include/Makefile")] + [
        tree.read(posixpath.join(library_dir(tree, n), "Makefile")) for n in libs]
    key = (arch, tuple(libs), hashlib.sha256(b"\0".join(
        d if d is not None else b"\1" for d in key_mk)).hexdigest())
    hit = tree.parses.peek("sysroot", key)
    if hit is not None and hit.tree is tree:
        return hit
    aliases: dict[str, str] = {}
    copies: dict[str, str] = {}
    dirs, notes = kernel_dirs(tree, arch, aliases, copies)
    root = Sysroot(tree, arch, list(libs), dirs, notes=notes, aliases=aliases, copies=copies)
    root.makefiles["include/Makefile"] = key_mk[0]
    for name in libs:
        if root.add_library(name) is None:
            root.notes.append(f"LIBADD {name}: no {library_dir(tree, name)} in the tree")
    return tree.parses.put("sysroot", key, root)


def program_libs(libadd: list[str], include_dirs: list[str]) -> list[str]:
    """The libraries a program names: its LIBADD, then library dirs its -I flags name."""
    names = list(libadd)
    for d in include_dirs:
        base = posixpath.basename(d)
        if d.startswith(("lib/", "contrib/")) and base.startswith("lib") and len(base) > 3:
            names.append(base[3:])
    return list(dict.fromkeys(names))


def stage_headers(tree: Tree, arch: str = "amd64", libs: list[str] | tuple[str, ...] = (),
                  cache_dir: Path | None = None) -> Path:
    """Write the whole staged include dir to disk and return it.

    The directory is named by the content hash of every file staged, so an
    unchanged tree reuses it; it holds copies, never links into the tree.
    """
    root = sysroot_for(tree, arch, libs)
    installed = root.installed()
    h = hashlib.sha256(root.digest().encode())
    blobs: dict[str, bytes] = {}
    for name in sorted(installed):
        data = root.file(installed[name])
        if data is None:
            continue
        blobs[name] = data
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    base = Path(cache_dir) if cache_dir else Path(tempfile.gettempdir()) / "refactor-sysroot"
    dest = base / h.hexdigest()[:20]
    if (dest / ".complete").exists():
        return dest
    tmp = Path(tempfile.mkdtemp(prefix=".staging-", dir=_mkdir(base)))
    for name, data in blobs.items():
        out = tmp / name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    (tmp / ".complete").write_text("\n".join(f"{n} {installed[n]}" for n in sorted(blobs)))
    try:
        tmp.rename(dest)
    except OSError:  # another process staged the same content first
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _mkdir(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True)
    return p
