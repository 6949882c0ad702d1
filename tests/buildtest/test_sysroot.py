"""The staged-header layout: include/Makefile's kernel dirs, libraries' INCS into INCSDIR."""

from __future__ import annotations

from refactor.sysroot import library_dir, program_libs, stage_headers, sysroot_for
from refactor.tree import Tree

FILES = {
    "include/Makefile": "INCS=\tstdio.h\nLDIRS=\tnet sys\nLSUBDIRS=\tdev/pci\n"
                        "PHDRS=\tsched.h\n.for i in ${PHDRS}\n"
                        "INCSLINKS+=\tsys/$i ${INCLUDEDIR}/$i\n.endfor\n",
    "sys/sys/sched.h": "/* sched */\n",
    "include/stdio.h": "/* stdio */\n",
    "sys/sys/param.h": "/* param */\n",
    "sys/net/if.h": "/* if */\n",
    "sys/dev/pci/pcireg.h": "/* pcireg */\n",
    "sys/dev/other/not_installed.h": "/* no */\n",
    "sys/amd64/include/vmm.h": "/* vmm */\n",
    "sys/x86/include/apicreg.h": "/* apic */\n",
    # INCS found along .PATH, into a subdirectory of /usr/include.
    "lib/libfoo/Makefile": ".PATH: ${SRCTOP}/contrib/foo/src\nLIB=foo\nINCS=\tfoo.h\n"
                           "INCSDIR=${INCLUDEDIR}/foo\n",
    "contrib/foo/src/foo.h": "/* foo */\n",
    "lib/libfoo/private.h": "/* not in INCS */\n",
    # A Makefile.inc sets what the Makefile installs.
    "lib/libbar/Makefile": '.include "Makefile.inc"\nINCS=\t${BARHDR}\n',
    "lib/libbar/Makefile.inc": "BARHDR=bar.h\n",
    "lib/libbar/bar.h": "/* bar */\n",
    # Not in LIBADD: found through the full index only when asked for.
    "lib/libbaz/Makefile": "INCS=\tbaz.h\n",
    "lib/libbaz/baz.h": "/* baz */\n",
}


def tree(tmp_path, files=FILES) -> Tree:
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    return Tree.from_dir(tmp_path)


def test_installed_names_follow_the_makefiles(tmp_path):
    root = sysroot_for(tree(tmp_path), "amd64", ["foo", "bar"])
    assert root.resolve("bar.h") == "lib/libbar/bar.h"
    assert "baz" not in root.libraries  # only the program's libraries, until a miss
    assert root.resolve("stdio.h") == "include/stdio.h"
    assert root.resolve("sys/param.h") == "sys/sys/param.h"
    assert root.resolve("sched.h") == "sys/sys/sched.h"  # INCSLINKS, through a .for loop
    assert root.resolve("net/if.h") == "sys/net/if.h"
    assert root.resolve("dev/pci/pcireg.h") == "sys/dev/pci/pcireg.h"
    assert root.resolve("dev/other/not_installed.h") is None  # not in LSUBDIRS
    assert root.resolve("machine/vmm.h") == "sys/amd64/include/vmm.h"
    assert root.resolve("x86/apicreg.h") == "sys/x86/include/apicreg.h"
    assert root.resolve("foo/foo.h") == "contrib/foo/src/foo.h"
    assert root.resolve("foo.h") is None and root.resolve("private.h") is None
    assert root.resolve("baz.h") == "lib/libbaz/baz.h"  # lazily, from the full index
    assert root.resolve("../etc/passwd") is None


def test_partial_tree_without_makefiles(tmp_path):
    t = tree(tmp_path, {"sys/sys/param.h": "", "lib/libvmmapi/vmmapi.h": "",
                        "contrib/libxo/libxo/xo.h": ""})
    root = sysroot_for(t, "amd64", ["vmmapi", "xo"])
    assert root.resolve("sys/param.h") == "sys/sys/param.h"  # every sys/<dir>
    assert root.resolve("vmmapi.h") == "lib/libvmmapi/vmmapi.h"
    assert root.resolve("libxo/xo.h") == "contrib/libxo/libxo/xo.h"
    assert root.resolve("stdio.h") is None  # the compiler's libc fills this in
    assert any("no include/Makefile" in n for n in root.notes)


def test_stage_headers_lays_out_usr_include_and_reuses_it(tmp_path):
    t = tree(tmp_path / "src")
    dest = stage_headers(t, "amd64", ["foo"], cache_dir=tmp_path / "cache")
    got = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*.h"))
    assert got == ["bar.h", "baz.h", "dev/pci/pcireg.h", "foo/foo.h", "machine/vmm.h",
                   "net/if.h", "sched.h", "stdio.h", "sys/param.h", "sys/sched.h",
                   "x86/apicreg.h"]
    assert (dest / "foo/foo.h").read_text() == "/* foo */\n"
    again = stage_headers(t, "amd64", ["foo"], cache_dir=tmp_path / "cache")
    assert again == dest
    # A changed header is a new layout; the old one is left for whoever uses it.
    changed = t.with_changes({"contrib/foo/src/foo.h": b"/* foo 2 */\n"})
    other = stage_headers(changed, "amd64", ["foo"], cache_dir=tmp_path / "cache")
    assert other != dest and (other / "foo/foo.h").read_text() == "/* foo 2 */\n"


def test_library_names():
    t = Tree.from_dir("/nonexistent")
    assert library_dir(t, "pthread") == "lib/libthr"
    assert library_dir(t, "xo") == "lib/libxo"
    assert library_dir(t, "cap_dns") == "lib/libcasper/services/cap_dns"
    assert program_libs(["vmmapi", "md"], ["sys", "lib/libnv", "contrib/libxo"]) == \
        ["vmmapi", "md", "nv", "xo"]


def test_generated_header_from_a_template(tmp_path):
    t = tree(tmp_path, {
        "lib/libgen/Makefile": "INCS=\tgen.h\nINCSDIR=${INCLUDEDIR}/gen\n\n"
                               "gen.h: gen.h.in\n\tsed 's/%%ON%%//; /%%OFF%%/d' ${.ALLSRC} > x\n",
        "lib/libgen/gen.h.in": "%%ON%%#define ON 1\n%%OFF%%#define OFF 1\n#define ALWAYS 1\n",
    })
    root = sysroot_for(t, "amd64", ["gen"])
    path = root.resolve("gen/gen.h")
    assert path == "lib/libgen/gen.h" and not t.exists(path)
    assert root.file(path) == b"#define ON 1\n#define ALWAYS 1\n"


def test_a_library_one_level_down_and_a_header_with_its_own_dir(tmp_path):
    # lib/group/ has no Makefile of its own; lib/group/libgx/ installs gx/*.h,
    # and one header (INCSDIR_<name>) at the top of /usr/include.
    files = {
        "include/Makefile": "INCS=\tstdio.h\n",
        "include/stdio.h": "/* stdio */\n",
        "lib/group/libgx/Makefile": "GX=\t${SRCTOP}/contrib/gx\n.PATH: ${GX}\n"
                                    ".PATH: ${GX}/gx\nINCS=\tbits.h\nINCSDIR=\t${INCLUDEDIR}/gx\n"
                                    "INCS+=\tgx.h\nINCSDIR_gx.h=\t${INCLUDEDIR}\n"
                                    "INCS+=\t${UNSET_DIR}/gone.h\n",
        "contrib/gx/gx.h": "/* gx */\n",
        "contrib/gx/gx/bits.h": "/* bits */\n",
    }
    root = sysroot_for(tree(tmp_path, files), "amd64")
    assert root.resolve("gx.h") == "contrib/gx/gx.h"
    assert root.resolve("gx/bits.h") == "contrib/gx/gx/bits.h"
    assert root.resolve("gx/gx.h") is None
    assert "gx/gone.h" not in root.installed()


def test_headers_include_makefile_installs_by_hand(tmp_path):
    # include/Makefile's install lines: one header of sys/rpc into rpc/, and
    # every header of sys/kcrypt into crypto/.
    files = {
        "include/Makefile": "INCS=\tstdio.h\ncopies:\n"
                            "\tcd ${SRCTOP}/sys/rpc; \\\n\t${INSTALL} -C ${TAG_ARGS} -o ${BINOWN}"
                            " -m 444 types.h \\\n\t    ${SDESTDIR}${INCLUDEDIR}/rpc\n"
                            "\tcd ${.CURDIR}/../sys/kcrypt; \\\n\t${INSTALL} -C -m 444 *.h \\\n"
                            "\t    ${DESTDIR}${INCLUDEDIR}/crypto\n"
                            "\tcd ${SRCTOP}/sys/${MACHINE}/include; \\\n"
                            "\t${INSTALL} -C *.h ${SDESTDIR}${INCLUDEDIR}/machine\n",
        "include/stdio.h": "/* stdio */\n",
        "sys/rpc/types.h": "/* rpc types */\n",
        "sys/rpc/krpc.h": "/* not installed */\n",
        "sys/kcrypt/cdev.h": "/* cdev */\n",
    }
    root = sysroot_for(tree(tmp_path, files), "amd64")
    assert root.resolve("rpc/types.h") == "sys/rpc/types.h"
    assert root.resolve("rpc/krpc.h") is None
    assert root.resolve("crypto/cdev.h") == "sys/kcrypt/cdev.h"
    assert root.installed()["rpc/types.h"] == "sys/rpc/types.h"
