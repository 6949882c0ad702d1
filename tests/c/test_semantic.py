"""The semantic layer parses FreeBSD-style files in named configurations."""

from __future__ import annotations

from pathlib import Path

from pycparser import c_ast

from refactor.c.semantic import is_system_file, parse_config, parse_configs

INPUTS = Path(__file__).parent / "sem_inputs"
TREE = INPUTS / "tree"
SNAPSHOT = TREE / "usr.sbin/bhyve/snapshot.c"
LIBVMMAPI = TREE / "lib/libvmmapi"


def funcs(unit) -> dict[str, c_ast.FuncDef]:
    return {e.decl.name: e for e in unit.ast.ext if isinstance(e, c_ast.FuncDef)}


def test_configurations_differ_where_the_ifdefs_say():
    plain, snap, nocap = parse_configs(
        SNAPSHOT, [{}, {"BHYVE_SNAPSHOT": "1"}, ["WITHOUT_CAPSICUM"]], [LIBVMMAPI], TREE)
    assert plain.ok and snap.ok and nocap.ok, (plain.error, snap.error, nocap.error)
    assert "vm_snapshot_buf" not in funcs(plain)
    assert "vm_snapshot_buf" in funcs(snap)
    # WITHOUT_CAPSICUM removes the cap_rights_t local of init_checkpoint_thread.
    body = funcs(plain)["init_checkpoint_thread"].body.block_items
    names = {d.name for d in body if isinstance(d, c_ast.Decl)}
    assert "rights" in names
    body = funcs(nocap)["init_checkpoint_thread"].body.block_items
    assert "rights" not in {d.name for d in body if isinstance(d, c_ast.Decl)}


def test_coordinates_name_the_original_file_and_line():
    unit = parse_config(SNAPSHOT, {}, [LIBVMMAPI], TREE)
    lines = SNAPSHOT.read_text().splitlines()
    fd = funcs(unit)["checkpoint_thread"]
    assert fd.coord.file == "usr.sbin/bhyve/snapshot.c"
    assert lines[fd.coord.line - 1] == "checkpoint_thread(void *param)"
    # A declaration from a tree header keeps the header's name and line.
    decl = next(e for e in unit.ast.ext if isinstance(e, c_ast.Decl) and e.name == "vm_suspend")
    vmmapi = (LIBVMMAPI / "vmmapi.h").read_text().splitlines()
    assert decl.coord.file == "lib/libvmmapi/vmmapi.h"
    assert "vm_suspend" in vmmapi[decl.coord.line - 1]


def test_system_headers_are_stubs_and_tree_headers_are_real():
    unit = parse_config(SNAPSHOT, {}, [LIBVMMAPI], TREE)
    by_name = {inc.spelled: inc for inc in unit.includes_of(unit.path)}
    assert by_name["<vmmapi.h>"].resolved == "lib/libvmmapi/vmmapi.h"
    assert by_name['"snapshot.h"'].resolved == "usr.sbin/bhyve/snapshot.h"
    assert by_name["<pthread.h>"].resolved is None
    # Typedef discovery declared pthread_mutex_t, and knows its home.
    assert unit.discovered_types["pthread_mutex_t"] == "<pthread.h>"
    typedefs = {e.name: e.coord.file for e in unit.ast.ext if isinstance(e, c_ast.Typedef)}
    assert is_system_file(typedefs["pthread_mutex_t"])
    assert is_system_file(typedefs["cpuset_t"])
    # The tree's own typedefs are not stubbed.
    assert "checkpoint_op" not in unit.discovered_types
    # The host's headers never leak in: no glibc typedef is in the unit.
    assert "__pid_t" not in typedefs and "__off_t" not in unit.preprocessed


def test_unknown_type_is_discovered_by_retry(tmp_path):
    src = tmp_path / "odd.c"
    # `vmcnt` has no _t suffix and no header: only the retry can find it.
    src.write_bytes(b"#include <sys/odd.h>\n\nstatic int\nf(void)\n{\n"
                    b"\treturn ((int)sizeof(vmcnt) + (int)(vmcnt)3);\n}\n")
    unit = parse_config(src, {})
    assert unit.ok, unit.error
    assert "vmcnt" in unit.discovered_types


def test_syntax_error_names_file_and_line(tmp_path):
    src = tmp_path / "broken.c"
    src.write_bytes(b"int\nf(void)\n{\n\treturn (1 +);\n}\n")
    unit = parse_config(src, {}, tree_root=tmp_path)
    assert not unit.ok
    assert unit.error.startswith("broken.c:4:")


def test_error_directive_in_one_configuration(tmp_path):
    src = tmp_path / "cfg.c"
    src.write_bytes(b"#ifdef WITHOUT_CAPSICUM\n#error \"capsicum is required\"\n#endif\n"
                    b"int x;\n")
    ok, bad = parse_configs(src, [{}, {"WITHOUT_CAPSICUM": ""}], tree_root=tmp_path)
    assert ok.ok
    assert not bad.ok and "cfg.c:2" in bad.error and "capsicum is required" in bad.error


def test_bytes_and_a_reader_stand_for_a_tree():
    files = {
        "usr.sbin/bhyve/a.c": b'#include "a.h"\nint\nget(void)\n{\n\treturn (A_VALUE);\n}\n',
        "usr.sbin/bhyve/a.h": b"#define\tA_VALUE\t42\n",
    }
    unit = parse_config(files["usr.sbin/bhyve/a.c"], {}, path="usr.sbin/bhyve/a.c",
                        reader=files.get)
    assert unit.ok, unit.error
    ret = funcs(unit)["get"].body.block_items[0]
    assert isinstance(ret.expr, c_ast.Constant) and ret.expr.value == "42"


def test_inspect_reports_items_configs_and_uses():
    from refactor.c.inspect import format_text, inspect_file

    result = inspect_file(SNAPSHOT)
    assert set(result) == {"file", "lossless_errors", "items", "configs", "uses", "ok", "errors"}
    assert result["ok"] and result["errors"] == []
    # Default configurations: none, then each build option the file tests.
    assert [c["defines"] for c in result["configs"]] == [[], ["WITHOUT_CAPSICUM"],
                                                         ["BHYVE_SNAPSHOT"]]
    assert all(c["ok"] for c in result["configs"])
    assert "vm_snapshot_buf" in result["uses"]     # only in the BHYVE_SNAPSHOT config
    assert "handle_message" in result["uses"]["get_checkpoint_msg"]
    fn = next(i for i in result["items"] if i["name"] == "checkpoint_thread")
    assert fn["kind"] == "function"
    assert "-DBHYVE_SNAPSHOT: ok" in format_text(result)
    one = inspect_file(SNAPSHOT, defines=["BHYVE_SNAPSHOT=1"])
    assert [c["defines"] for c in one["configs"]] == [["BHYVE_SNAPSHOT=1"]]


def test_declaration_macros_of_a_missing_header_expand_to_nothing(tmp_path):
    # pci_emul.h is not in the tree given, so PCI_EMUL_SET() is unknown; like
    # a macro hint, it must not stop the parse of the rest of the file.
    src = tmp_path / "pci_foo.c"
    src.write_bytes(b'#include "pci_emul.h"\n\n'
                    b"static int\npci_foo_init(int x)\n{\n\treturn (x);\n}\n\n"
                    b"struct pci_devemu pci_de_foo = {\n\t.pe_emu = \"foo\",\n};\n"
                    b"PCI_EMUL_SET(pci_de_foo);\n")
    unit = parse_config(src, {}, [tmp_path])
    assert unit.ok, unit.error
    assert "pci_foo_init" in funcs(unit)
