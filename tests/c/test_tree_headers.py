"""The semantic layer with a tree's own headers, and failures in plain words."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from refactor.c.inspect import semantic_default, tree_header_dirs
from refactor.c.semantic import parse_configs


def _tree(tmp: Path) -> Path:
    root = tmp / "src"
    (root / "include").mkdir(parents=True)
    (root / "sys" / "sys").mkdir(parents=True)
    (root / "sys" / "amd64" / "include").mkdir(parents=True)
    (root / "usr.sbin" / "prog").mkdir(parents=True)
    (root / "include" / "stdio.h").write_text(
        "#include <sys/types.h>\n#include <stdarg.h>\n"
        "typedef struct my_file { int fd; } FILE;\nint my_printf(const char *, ...);\n")
    (root / "sys" / "sys" / "types.h").write_text(
        "#include <machine/types.h>\ntypedef unsigned long my_size_t;\n")
    (root / "sys" / "amd64" / "include" / "types.h").write_text("typedef int my_reg_t;\n")
    (root / "usr.sbin" / "prog" / "prog.c").write_text(
        "#include <stdio.h>\n\nstatic FILE *out;\nmy_size_t n;\nmy_reg_t r;\n")
    return root


def test_a_file_parses_against_the_trees_own_headers(tmp_path):
    root = _tree(tmp_path)
    src = root / "usr.sbin" / "prog" / "prog.c"
    system, defines = tree_header_dirs(root, src)
    assert system and defines == []
    unit = semantic_default(src)
    assert unit.ok, unit.error
    # No type was made up: every one came from a real header.
    assert not {"FILE", "my_size_t", "my_reg_t"} & set(unit.discovered_types)
    # stdarg.h is the compiler's: stubbed, not an error.
    assert "usr.sbin/prog/prog.c" in unit.tree_files


def test_system_headers_are_named_as_system_files(tmp_path):
    root = _tree(tmp_path)
    inc = root / "include"
    src = root / "usr.sbin" / "prog" / "prog.c"
    (tmp_path / "sysinc").symlink_to(inc)
    unit = parse_configs(src, [{}], [], root, system_dirs=[str(inc), str(root / "sys")])[0]
    assert unit.ok, unit.error
    assert '"<stdio.h>"' in unit.preprocessed
    assert str(inc) not in unit.preprocessed


def test_a_kernel_file_sees_sys_and_machine_with__KERNEL(tmp_path):
    root = _tree(tmp_path)
    (root / "sys" / "kern").mkdir()
    k = root / "sys" / "kern" / "k.c"
    k.write_text("#include <sys/types.h>\n#ifndef _KERNEL\n#error userland\n#endif\n"
                 "my_reg_t r;\n")
    system, defines = tree_header_dirs(root, k)
    assert defines == ["_KERNEL"]
    unit = semantic_default(k)
    assert unit.ok, unit.error


def test_inspect_says_what_failed_in_plain_words(tmp_path):
    d = tmp_path / "p"
    d.mkdir()
    (d / "things.h").write_text("#define MAKE_THING(name, v) int name = v +;\n")
    bad = d / "bad.c"
    bad.write_text('#include "things.h"\nMAKE_THING(alpha, 1);\n')
    run = subprocess.run([sys.executable, "-m", "refactor", "inspect", str(bad)],
                         capture_output=True, text=True)
    assert run.returncode == 1
    assert "bad.c:2: cannot parse MAKE_THING(...) (macro from things.h) near " \
           "MAKE_THING(alpha, 1);" in run.stdout
    run = subprocess.run([sys.executable, "-m", "refactor", "inspect", "--json", str(bad)],
                         capture_output=True, text=True)
    assert run.returncode == 1
    data = json.loads(run.stdout)
    assert data["ok"] is False
    assert any("macro from things.h" in e for e in data["errors"])


def test_a_statement_expression_compared_parses(tmp_path):
    # The shape <sys/bitset.h>'s comparison macros expand to.
    (tmp_path / "c.c").write_text(
        "#define\tSAME(a, b)\t({ int __i = (a) - (b); __i; })\n"
        "int set_a, set_b;\n\nint\nf(void)\n{\n\tif (SAME(set_a, set_b) == 0)\n"
        "\t\treturn (1);\n\treturn (\"({\"[0] == 0);\n}\n")
    unit = parse_configs(tmp_path / "c.c", [{}], [tmp_path])[0]
    assert unit.ok, unit.error
    assert not unit.discovered_types


def test_a_macro_that_prefixes_a_declaration_is_no_declaration(tmp_path):
    # `static t` is the start of a declaration: the names after it stay variables.
    (tmp_path / "d.c").write_text(
        "#define\tDECLARE_ALL(t)\tstatic t\n\nDECLARE_ALL(int) vcount, vother;\n\n"
        "int\nf(void)\n{\n\treturn (vcount + vother);\n}\n")
    unit = parse_configs(tmp_path / "d.c", [{}], [tmp_path])[0]
    assert unit.ok, unit.error
    assert "vcount" not in unit.discovered_types


def test_offsetof_through_the_cdefs_cycle(tmp_path):
    # <sys/types.h>: offsetof -> __offsetof; cdefs.h: __offsetof -> __builtin_offsetof.
    (tmp_path / "o.c").write_text(
        "#define\t__offsetof(t, f)\t__builtin_offsetof(t, f)\n"
        "#define\toffsetof(t, f)\t__offsetof(t, f)\n"
        "struct s { int a; int b; };\nunsigned long where = offsetof(struct s, b);\n")
    unit = parse_configs(tmp_path / "o.c", [{}], [tmp_path])[0]
    assert unit.ok, unit.error


def test_kernel_includes_and_kobj_method_types_come_from_the_tree(tmp_path):
    root = _tree(tmp_path)
    (root / "sys" / "conf").mkdir()
    (root / "sys" / "conf" / "kern.pre.mk").write_text(
        "INCLUDES= ${NOSTDINC} -I. -I$S -I$S/contrib/lib/include\n")
    (root / "sys" / "contrib" / "lib" / "include").mkdir(parents=True)
    (root / "sys" / "contrib" / "lib" / "include" / "lib_epoch.h").write_text(
        "typedef struct lib_section { int n; } lib_section_t;\n")
    (root / "sys" / "kern").mkdir()
    (root / "sys" / "kern" / "widget_if.m").write_text(
        "INTERFACE widget;\n\nMETHOD int spin {\n\tdevice_t dev;\n};\n"
        "STATICMETHOD void *lookup {\n\tint n;\n} DEFAULT null_lookup;\n")
    k = root / "sys" / "kern" / "w.c"
    k.write_text('#include <lib_epoch.h>\n#include "widget_if.h"\n'
                 "#define\tMETHOD(n, f)\t{ (n##_t *)(f) }\n"
                 "static lib_section_t section;\nint my_spin(void);\n"
                 "static void *table[][1] = { METHOD(widget_spin, my_spin), "
                 "METHOD(widget_lookup, 0) };\n")
    unit = semantic_default(k)
    assert unit.ok, unit.error
    assert "lib_section_t" not in unit.discovered_types


def test_a_kernel_file_gets_the_flags_of_its_compile_with_line(tmp_path):
    # sys/conf/files: `compile-with "${COMPAT_C}"` puts a compat include dir
    # ahead of the usual ones; another line adds -I after them and a -D.
    root = _tree(tmp_path)
    (root / "sys" / "conf").mkdir()
    (root / "sys" / "conf" / "kern.pre.mk").write_text(
        "INCLUDES= ${NOSTDINC} -I. -I$S\nNORMAL_C= ${CC} -c ${CFLAGS} ${.IMPSRC}\n"
        "COMPAT_INCLUDES=\t-I$S/compat/common/include\n"
        "COMPAT_C=\t${CC} -c ${CFLAGS:N-I*} -DCOMPAT_MEM \\\n"
        "\t\t${COMPAT_INCLUDES} ${CFLAGS:M-I*} ${.IMPSRC}\n")
    (root / "sys" / "conf" / "files").write_text(
        "dev/nic/nic.c\t\toptional nic \\\n\tcompile-with \"${COMPAT_C}\"\n"
        "dev/hal/hal.c\t\toptional hal \\\n"
        "\tcompile-with \"${NORMAL_C} -I$S/dev/hal/inc -DHAL_SMP\"\n"
        "kern/plain.c\t\tstandard\n")
    (root / "sys" / "compat" / "common" / "include" / "asm").mkdir(parents=True)
    (root / "sys" / "compat" / "common" / "include" / "asm" / "order.h").write_text(
        "#define __LITTLE_ENDIAN 1234\n")
    (root / "sys" / "dev" / "nic").mkdir(parents=True)
    nic = root / "sys" / "dev" / "nic" / "nic.c"
    nic.write_text("#include <asm/order.h>\n#ifndef __LITTLE_ENDIAN\n#error no endianness\n"
                   "#endif\n#ifndef COMPAT_MEM\n#error no COMPAT_MEM\n#endif\nint nic;\n")
    (root / "sys" / "dev" / "hal" / "inc").mkdir(parents=True)
    (root / "sys" / "dev" / "hal" / "inc" / "hal_types.h").write_text("typedef int hal_u;\n")
    hal = root / "sys" / "dev" / "hal" / "hal.c"
    hal.write_text("#include <hal_types.h>\n#ifndef HAL_SMP\n#error no HAL_SMP\n#endif\n"
                   "hal_u v;\n")
    for src in (nic, hal):
        unit = semantic_default(src)
        assert unit.ok, unit.error
    dirs, defines = tree_header_dirs(root, nic)
    assert dirs[0].endswith("sys/compat/common/include") and "COMPAT_MEM" in defines
    dirs, defines = tree_header_dirs(root, hal)
    assert dirs[-1].endswith("sys/dev/hal/inc") and defines == ["_KERNEL", "HAL_SMP"]
    (root / "sys" / "kern").mkdir()
    assert tree_header_dirs(root, root / "sys" / "kern" / "plain.c")[1] == ["_KERNEL"]


def test_a_userland_file_gets_the_flags_of_the_makefile_that_builds_it(tmp_path):
    # The nearest Makefile at or above the file's dir (a library whose sources
    # sit in subdirs) gives -I dirs and -D macros; -I$SRCTOP/sys is what the
    # staged headers stand for, and is not read as a tree dir.
    root = _tree(tmp_path)
    lib = root / "lib" / "libw"
    (lib / "part").mkdir(parents=True)
    (root / "contrib" / "w").mkdir(parents=True)
    (root / "contrib" / "w" / "wpriv.h").write_text("#define\tW_MAX(t)\t(sizeof(t) * 2)\n")
    (lib / "Makefile").write_text("LIB=\tw\nSRCS=\tpart.c\n.PATH: ${.CURDIR}/part\n"
                                  "CFLAGS+=\t-I${SRCTOP}/contrib/w -I${SRCTOP}/sys -DW_THREADS\n")
    src = lib / "part" / "part.c"
    src.write_text('#include "wpriv.h"\n#ifndef W_THREADS\n#error no W_THREADS\n#endif\n'
                   "char buf[W_MAX(long)];\n")
    unit = semantic_default(src)
    assert unit.ok, unit.error
    from refactor.c.inspect import default_config
    _root, dirs, _system, defines, _arch = default_config(src)
    assert root / "contrib" / "w" in dirs and root / "sys" not in dirs
    assert defines == ["W_THREADS"]


def test_a_local_header_that_includes_the_system_one_of_its_name(tmp_path):
    # prog/sdp.h includes <sdp.h>: that is the installed one, not itself again.
    root = _tree(tmp_path)
    (root / "include" / "sdp.h").write_text("typedef struct sdp_rec { int n; } sdp_rec_t;\n")
    (root / "usr.sbin" / "prog" / "sdp.h").write_text(
        "#include <sdp.h>\nint local_match(sdp_rec_t *);\n")
    src = root / "usr.sbin" / "prog" / "peer.c"
    src.write_text('#include <sdp.h>\n#include "sdp.h"\n\nsdp_rec_t rec;\n')
    unit = semantic_default(src)
    assert unit.ok, unit.error
    assert "usr.sbin/prog/sdp.h" in unit.tree_files


def test_kobj_method_types_of_an_interface_with_a_header_block(tmp_path):
    # `INTERFACE x;` then `HEADER { ... }`: the interface is x, not HEADER; the
    # method type only comes from a macro's `##`, never in the file's text.
    root = _tree(tmp_path)
    (root / "sys" / "dev" / "knob").mkdir(parents=True)
    (root / "sys" / "dev" / "knob" / "knob_if.m").write_text(
        "INTERFACE knob;\nHEADER {\n\tstruct knob;\n}\n\nCODE {\n\tstatic int\n"
        "\tknob_null(void)\n\t{\n\t\treturn (0);\n\t}\n}\n\n"
        "METHOD int turn {\n\tstruct knob *k;\n};\n")
    k = root / "sys" / "dev" / "knob" / "knob.c"
    k.write_text('#include "knob_if.h"\n'
                 "#define\tKNOBMETHOD(n, f)\t{ (void *)(1 ? f : (n##_t *)0) }\n"
                 "int my_turn(void);\n"
                 "static void *table[][1] = { KNOBMETHOD(knob_turn, my_turn) };\n")
    unit = semantic_default(k)
    assert unit.ok, unit.error


def test_a_file_under_an_arch_dir_is_built_for_that_arch(tmp_path):
    # lib/m/riscv/env.c only builds for riscv: its machine/ and the compiler's
    # predefined macros are riscv's; a file elsewhere stays amd64.
    from refactor.c.inspect import arch_of

    root = _tree(tmp_path)
    (root / "sys" / "riscv" / "include").mkdir(parents=True)
    (root / "sys" / "riscv" / "include" / "_types.h").write_text("typedef long my_rv_t;\n")
    (root / "sys" / "amd64" / "include" / "_types.h").write_text("typedef long my_x86_t;\n")
    (root / "lib" / "m" / "riscv").mkdir(parents=True)
    env = root / "lib" / "m" / "riscv" / "env.c"
    env.write_text("#include <machine/_types.h>\n"
                   "#if !defined(__riscv) || !defined(__riscv_float_abi_double)\n"
                   "#error not riscv\n#endif\nmy_rv_t e;\n")
    (root / "sys" / "riscv" / "riscv").mkdir()
    k = root / "sys" / "riscv" / "riscv" / "k.c"
    k.write_text("#include <machine/_types.h>\n#ifdef __amd64__\n#error amd64\n#endif\n"
                 "my_rv_t r;\n")
    other = root / "usr.sbin" / "prog" / "x.c"
    other.write_text("#include <machine/_types.h>\n#ifndef __amd64__\n#error not amd64\n"
                     "#endif\nmy_x86_t x;\n")
    assert arch_of(root, env) == arch_of(root, k) == "riscv"
    assert arch_of(root, other) == "amd64"
    (root / "lib" / "m" / "arm").mkdir()
    assert arch_of(root, root / "lib" / "m" / "arm" / "a.c") == "amd64"  # no sys/arm/include
    for src in (env, k, other):
        unit = semantic_default(src)
        assert unit.ok, (src, unit.error)


def test_plain_words_for_a_system_header_and_an_error_directive(tmp_path):
    from refactor.c.inspect import plain_error

    root = _tree(tmp_path)
    (root / "include" / "gizmo.h").write_text(
        "/* gizmo */\nstruct gizmo {\n\tint a\n};\n")
    (root / "include" / "order.h").write_text("#ifndef ORDER\n#error byte order not set\n#endif\n")
    src = root / "usr.sbin" / "prog" / "g.c"
    src.write_text("#include <gizmo.h>\nint g;\n")
    unit = semantic_default(src)
    assert not unit.ok
    assert plain_error(unit) == "<gizmo.h>:4: cannot parse near };"
    src.write_text("#include <order.h>\nint g;\n")
    unit = semantic_default(src)
    assert plain_error(unit) == "<order.h>:2: #error byte order not set"


def test_a_kernel_file_sees_the_options_of_generic(tmp_path):
    # config(8) on GENERIC: `options SMP` lands in opt_global.h (-include'd by
    # every kernel file), `options INET` in opt_inet.h, `device pci` as DEV_PCI.
    root = _tree(tmp_path)
    conf = root / "sys" / "conf"
    conf.mkdir()
    (conf / "options").write_text("SMP\t\topt_global.h\nINET\t\topt_inet.h\n"
                                  "INET6\t\topt_inet6.h\nDEV_PCI\t\topt_pci.h\nMAXCPU\n")
    (root / "sys" / "amd64" / "conf").mkdir()
    (root / "sys" / "amd64" / "conf" / "GENERIC").write_text(
        'include "std.base"\ncpu\t\tHAMMER\noptions \tINET\t\t# inet\n'
        "options \tINET6\nnooptions\tINET6\noptions \tMAXCPU=64\ndevice\t\tpci\n")
    (root / "sys" / "amd64" / "conf" / "std.base").write_text("options \tSMP\n")
    (root / "sys" / "kern").mkdir()
    k = root / "sys" / "kern" / "k.c"
    k.write_text('#include "opt_inet.h"\n#include "opt_inet6.h"\n#include "opt_maxcpu.h"\n'
                 '#include "opt_pci.h"\n'
                 "#if !defined(SMP) || !defined(INET) || defined(INET6) || MAXCPU != 64\n"
                 "#error options\n#endif\n#ifndef DEV_PCI\n#error no pci\n#endif\nint k;\n")
    unit = semantic_default(k)
    assert unit.ok, unit.error
    _dirs, defines = tree_header_dirs(root, k)
    assert "SMP" in defines and "HAVE_KERNEL_OPTION_HEADERS" in defines
    assert "INET" not in defines  # opt_inet.h's, not opt_global.h's


def test_arm_macros_follow_the_machine_line_of_generic(tmp_path):
    # 12's sys/arm/conf/GENERIC says `machine arm armv7`: the compiler then
    # predefines __ARM_ARCH 7 (its headers #error on SMP with armv6).
    from refactor.c.inspect import default_config

    root = _tree(tmp_path)
    (root / "sys" / "arm" / "include").mkdir(parents=True)
    (root / "sys" / "arm" / "arm").mkdir()
    src = root / "sys" / "arm" / "arm" / "a.c"
    src.write_text("#if __ARM_ARCH < 7 && defined(SMP)\n#error SMP needs armv7\n#endif\nint a;\n")
    (root / "sys" / "conf").mkdir()
    (root / "sys" / "conf" / "options").write_text("SMP\topt_global.h\n")
    (root / "sys" / "arm" / "conf").mkdir()
    (root / "sys" / "arm" / "conf" / "GENERIC").write_text(
        "machine\t\tarm armv7\noptions \tSMP\n")
    assert default_config(src).arch == "armv7"
    unit = semantic_default(src)
    assert unit.ok, unit.error
    # Without a GENERIC that says, arm is armv6.
    other = _tree(tmp_path / "other")
    (other / "sys" / "arm" / "include").mkdir(parents=True)
    (other / "sys" / "arm" / "arm").mkdir()
    assert default_config(other / "sys" / "arm" / "arm" / "a.c").arch == "arm"


def test_kernel_options_are_read_once_a_run_and_afresh_in_the_next(tmp_path):
    # They hang off the run's ParseCache, not a process-wide cache: a GENERIC
    # edited between two runs in one process is seen by the second.
    from refactor.c.kernconf import kernel_options
    from refactor.parsecache import ParseCache

    root = _tree(tmp_path)
    (root / "sys" / "conf").mkdir()
    (root / "sys" / "conf" / "options").write_text("SMP\topt_global.h\n")
    (root / "sys" / "amd64" / "conf").mkdir(parents=True)
    generic = root / "sys" / "amd64" / "conf" / "GENERIC"
    generic.write_text("options \tSMP\n")
    run = ParseCache()
    assert kernel_options(str(root), "amd64", run).global_defines == ["SMP"]
    generic.write_text("nooptions \tSMP\n")
    assert kernel_options(str(root), "amd64", run).global_defines == ["SMP"]  # same run
    assert kernel_options(str(root), "amd64", ParseCache()).global_defines == []
