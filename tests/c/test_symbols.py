"""Symbol table: declarations with file/line/static, and per-function uses."""

from __future__ import annotations

from pathlib import Path

from refactor.c.semantic import parse_configs
from refactor.c.symbols import merged_symbols, symbols

TREE = Path(__file__).parent / "sem_inputs" / "tree"
SNAPSHOT = TREE / "usr.sbin/bhyve/snapshot.c"


def units():
    return parse_configs(SNAPSHOT, [{}, {"BHYVE_SNAPSHOT": "1"}], [TREE / "lib/libvmmapi"], TREE)


def line_of(text: str) -> int:
    return SNAPSHOT.read_text().splitlines().index(text) + 1


def test_declarations_carry_file_line_and_storage():
    table = symbols(units()[0])
    (helper,) = table.lookup("get_checkpoint_msg")
    assert (helper.kind, helper.static, helper.definition) == ("function", True, True)
    assert helper.file == "usr.sbin/bhyve/snapshot.c"
    assert helper.line == line_of("get_checkpoint_msg(int conn_fd, struct vmctx *ctx)")
    lock = table.defined_in("usr.sbin/bhyve/snapshot.c")["vcpu_lock"]
    assert (lock.kind, lock.static) == ("variable", True)
    # Declared in the header, defined in the file: both are recorded.
    kinds = {(s.file, s.definition) for s in table.lookup("init_checkpoint_thread")}
    assert kinds == {("usr.sbin/bhyve/snapshot.h", False), ("usr.sbin/bhyve/snapshot.c", True)}
    (const,) = table.lookup("START_SUSPEND")
    assert (const.kind, const.file) == ("enum_constant", "lib/libvmmapi/vmmapi.h")
    assert table.lookup("struct checkpoint_op")[0].definition
    (macro,) = table.lookup("SOCKET_BACKLOG")
    assert (macro.kind, macro.static) == ("macro", True)
    (stub,) = table.lookup("pthread_mutex_t")
    assert stub.kind == "typedef" and stub.system


def test_function_uses():
    table = symbols(units()[0])
    init = table.uses["init_checkpoint_thread"]
    assert {"checkpoint_thread", "vm_get_name"} <= init.functions
    assert {"vcpu_lock", "vcpus_idle", "vcpus_can_run"} <= init.variables
    assert {"pthread_t", "cap_rights_t"} <= init.types
    assert "struct checkpoint_thread_info" in init.tags
    assert {"SOCKET_BACKLOG", "BHYVE_RUN_DIR", "EPRINTLN"} <= init.macros
    # Locals and parameters are not uses; struct members are not identifiers.
    assert not {"socket_fd", "addr", "ctx", "sun_path"} & init.all()
    assert {"socket", "bind", "EINTR"} - init.undeclared == {"EINTR"}
    handler = table.uses["handle_message"]
    assert handler.enum_constants == {"START_CHECKPOINT", "START_SUSPEND"}
    assert "vm_checkpoint" in handler.functions
    # A macro expansion's names are uses of the function that spells the macro.
    assert "raw_stdio" in handler.variables and "EPRINTLN" in handler.macros
    get = table.uses["get_checkpoint_msg"]
    assert {"SNAPSHOT_BUFFER_SIZE", "MB"} <= get.macros


def test_configuration_specific_code_joins_the_merged_table():
    plain, snap = units()
    assert "vm_snapshot_buf" not in symbols(plain).uses
    merged = merged_symbols([plain, snap])
    assert "struct restore_state" in merged.uses["vm_snapshot_buf"].tags
    assert "data" not in merged.uses["vm_snapshot_buf"].all()
