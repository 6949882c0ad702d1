"""Step 3 of bhyve-ipc: generic IPC messages.

bhyvectl(8) and bhyve(8) stop exchanging a bare `struct checkpoint_op`; a
`struct ipc_message` (an `enum ipc_opcode` plus a union of message-specific
structures) takes its place.
"""

from __future__ import annotations

from pathlib import Path

from refactor.c.lossless import CFile, Item
from refactor.c.nodes import (
    Node,
    calls,
    declarator_ident,
    defined_tag,
    fn_body,
    function_declarator,
    is_pointer,
    local_declarations,
    param_name,
    params,
    struct_type,
    uses,
    walk,
)
from refactor.c.nodes import node_text as text
from refactor.c.rename import rename_by_kind
from refactor.c.spans import delete_lines, inside
from refactor.c.statements import append_argument, delete_declarator
from refactor.c.wrap import rewrap
from refactor.edits import Edit, insert, replace
from refactor.rule import AlreadyApplied, Conflict, Edits, NotApplicable, Outcome, Rule
from refactor.tree import Tree

VMMAPI_H = "lib/libvmmapi/vmmapi.h"
IPC_C = "usr.sbin/bhyve/ipc.c"
IPC_H = "usr.sbin/bhyve/ipc.h"
SNAPSHOT_C = "usr.sbin/bhyve/snapshot.c"
SNAPSHOT_H = "usr.sbin/bhyve/snapshot.h"
BHYVERUN_C = "usr.sbin/bhyve/bhyverun.c"
BHYVECTL_C = "usr.sbin/bhyvectl/bhyvectl.c"

TEMPLATES = Path(__file__).parent / "templates"

OLD_ENUM, NEW_ENUM = "checkpoint_opcodes", "ipc_opcode"
OP_STRUCT, MSG_STRUCT = "checkpoint_op", "ipc_message"
#: The variable that holds a message, wherever a checkpoint_op one is retyped.
MSG_VAR = "imsg"


# ----- helpers ------------------------------------------------------------------------


def template(name: str) -> str:
    """A template of new code: only what the review adds comes from one."""
    return (TEMPLATES / name).read_text(encoding="latin-1")


# ----- struct checkpoint_op values become struct ipc_message ---------------------------


def retype_messages(cf: CFile, path: str, fn: Item, rule: str,
                    skip: tuple[Node, ...] = ()) -> tuple[list[Edit], str]:
    """Edits making the checkpoint_op variables of one function ipc_message ones.

    Each variable declared `struct checkpoint_op` (or a pointer to one) becomes
    `struct ipc_message` named imsg; its `op` field becomes `code`, any other
    field F becomes `data.op.F`; casts and sizeof of `struct checkpoint_op`
    follow.  Declarations in `skip` are left to the caller.  Returns the edits
    and, when the function cannot be retyped mechanically, why.
    """
    edits: list[Edit] = []
    targets: dict[str, bool] = {}
    skip_spans = [(n.start_byte, n.end_byte) for n in skip]
    for n in walk(fn.node):
        if n.type not in ("declaration", "parameter_declaration"):
            continue
        if inside(n.start_byte, skip_spans) or struct_type(cf, n) != OP_STRUCT:
            continue
        for d in n.children_by_field_name("declarator"):
            ident = declarator_ident(d)
            if ident is not None:
                targets[text(cf, ident)] = is_pointer(d)
    if not targets:
        return [], ""
    if len(targets) > 1:
        return [], f"{fn.name}() holds several struct {OP_STRUCT} variables"
    (var,) = targets
    if var != MSG_VAR and uses(cf, fn.node, MSG_VAR):
        return [], f"{fn.name}() already uses the name {MSG_VAR}"
    for n in walk(fn.node):
        if inside(n.start_byte, skip_spans):
            continue
        if n.type == "type_identifier" and text(cf, n) == OP_STRUCT and \
                n.parent is not None and n.parent.type == "struct_specifier":
            edits.append(replace(path, n.start_byte, n.end_byte, MSG_STRUCT, rule))
        elif n.type == "field_expression":
            arg = n.child_by_field_name("argument")
            field = n.child_by_field_name("field")
            if arg is None or field is None or arg.type != "identifier" or \
                    text(cf, arg) != var:
                continue
            new = "code" if text(cf, field) == "op" else f"data.op.{text(cf, field)}"
            edits.append(replace(path, field.start_byte, field.end_byte, new, rule))
        elif n.type == "identifier" and text(cf, n) == var and var != MSG_VAR:
            edits.append(replace(path, n.start_byte, n.end_byte, MSG_VAR, rule))
    return edits, ""


def enum_renames(cf: CFile, path: str, rule: str, within=None, skip=()) -> list[Edit]:
    return rename_by_kind(cf, path, {(OLD_ENUM, "tag"): NEW_ENUM}, rule, within, skip)


def message_types(tree: Tree) -> dict[str, str]:
    """Which of the message types exist, and in which header: name -> path."""
    found: dict[str, str] = {}
    for path in (VMMAPI_H, IPC_H):
        cf = tree.view(path, CFile)
        for name, kind in ((OLD_ENUM, "enum"), (NEW_ENUM, "enum"), (OP_STRUCT, "struct"),
                           (MSG_STRUCT, "struct")):
            if defined_tag(cf, name, kind) is not None:
                found.setdefault(name, path)
    return found


NVLIST_REASON = ("requests are nvlists upstream: neither vmmapi.h nor ipc.h defines "
                 f"struct {OP_STRUCT} or enum {OLD_ENUM} any more")


# The receiving side is converted in ipc.c only: without it the two ends would disagree.
NO_IPC_C_REASON = (f"{IPC_C} does not exist (the socket code was not moved out of "
                   "snapshot.c), so bhyve(8) could not read the new messages")


# ----- the rules ---------------------------------------------------------------------


class VmmapiIpcMessage(Rule):
    """Rename enum checkpoint_opcodes to enum ipc_opcode and add struct ipc_message.

    In lib/libvmmapi/vmmapi.h, next to struct checkpoint_op, this adds (from
    the template messages_ipc_message.h):

        struct ipc_message {
                enum ipc_opcode code;
                union {
                        struct checkpoint_op op;
                } data;
        };

    Field names: `code` for the opcode and `data` for the union, whose
    checkpoint member is `op` -- the names upstream bhyve gave them, so a
    request reads `imsg.code` and `imsg.data.op.snapshot_filename`.  Since the
    opcode now travels in `code`, the `op` member of struct checkpoint_op is
    removed: jhb asked for message-specific structures that hold only their
    data.  Its users (bhyvectl.c, ipc.c) are converted by bhyvectl-send-message
    and ipc-rename in the same commit.

    The enum's tag is renamed here in vmmapi.h, ipc.h, snapshot.h, snapshot.c
    and bhyverun.c; ipc-rename renames it in ipc.c and bhyvectl-send-message in
    bhyvectl.c, so the three rules never touch the same bytes.

    Already applied when struct ipc_message and enum ipc_opcode are defined
    (in vmmapi.h, or in ipc.h after step 4) and enum checkpoint_opcodes is
    gone.  Not applicable when none of these types exist: requests are nvlists
    upstream.  A conflict for any mix of old and new names.
    """

    id = "vmmapi-ipc-message"
    summary = "rename enum checkpoint_opcodes to ipc_opcode; add struct ipc_message"
    files = (VMMAPI_H, IPC_H, SNAPSHOT_H, SNAPSHOT_C, BHYVERUN_C)

    def plan(self, tree: Tree) -> Outcome:
        vm = tree.view(VMMAPI_H, CFile)
        if vm is None:
            return Conflict(f"{VMMAPI_H} does not exist")
        types = message_types(tree)
        if MSG_STRUCT in types and NEW_ENUM in types and OLD_ENUM not in types:
            return AlreadyApplied(f"struct {MSG_STRUCT} and enum {NEW_ENUM} are in "
                                  f"{types[MSG_STRUCT]}")
        if not types:
            return NotApplicable(NVLIST_REASON)
        if set(types) != {OLD_ENUM, OP_STRUCT} or types[OP_STRUCT] != VMMAPI_H:
            return Conflict("the message types are half converted: found "
                            + ", ".join(f"{n} in {p}" for n, p in sorted(types.items())))
        if not tree.exists(IPC_C):
            return NotApplicable(NO_IPC_C_REASON)
        op = defined_tag(vm, OP_STRUCT, "struct")
        edits = enum_renames(vm, VMMAPI_H, self.id)
        for path in (IPC_H, SNAPSHOT_H, SNAPSHOT_C, BHYVERUN_C):
            cf = tree.view(path, CFile)
            if cf is not None:
                edits += enum_renames(cf, path, self.id)
        note = ""
        field = next((n for n in walk(op.node) if n.type == "field_declaration"
                      and text(vm, declarator_ident(n.child_by_field_name("declarator"))
                               or n) == "op"), None)
        if field is not None:
            edits.append(delete_lines(vm, VMMAPI_H, field.start_byte, field.end_byte, self.id))
            note = f"; struct {OP_STRUCT} loses its op member, now ipc_message.code"
        edits.append(insert(VMMAPI_H, op.end, "\n" + template("messages_ipc_message.h"),
                            self.id))
        return Edits(edits, f"adds struct {MSG_STRUCT} after struct {OP_STRUCT}{note}")


def _handler(cf: CFile) -> Item | None:
    for name in ("get_checkpoint_msg", "get_message", "handle_message"):
        fn = cf.function(name)
        if fn is not None:
            return fn
    return None


def _message_vars(cf: CFile, fn: Item) -> set[str]:
    return {text(cf, declarator_ident(d)) for n in walk(fn.node)
            if n.type in ("declaration", "parameter_declaration")
            and struct_type(cf, n) == OP_STRUCT
            for d in n.children_by_field_name("declarator") if declarator_ident(d) is not None}


def _defined_names(cf: CFile) -> set[str]:
    """Top-level names and tags a file defines, and its local variables."""
    names = {n for it in cf.items if it.is_definition or it.kind == "define"
             for n in it.names}
    for n in walk(cf.tree.root_node):
        if n.type in ("struct_specifier", "union_specifier", "enum_specifier") and \
                n.child_by_field_name("body") is not None and n.child_by_field_name("name"):
            names.add(text(cf, n.child_by_field_name("name")))
        if n.type in ("declaration", "parameter_declaration"):
            for d in n.children_by_field_name("declarator"):
                ident = declarator_ident(d)
                if ident is not None:
                    names.add(text(cf, ident))
    return names


class IpcRename(Rule):
    """In ipc.c, checkpoint_* names become ipc_*; get_checkpoint_msg() becomes get_message().

    Renamed: every name ipc.c itself defines (functions, globals, struct tags,
    locals) that starts with "checkpoint_", which becomes "ipc_":
    checkpoint_thread() -> ipc_thread(), struct checkpoint_thread_info ->
    struct ipc_thread_info, checkpoint_info -> ipc_info, checkpoint_pthread ->
    ipc_pthread.  Their prototypes in ipc.h and snapshot.h follow, and the
    thread's pthread_set_name_np() name ("checkpoint thread" -> "ipc
    thread").  Kept: the checkpoint-specific names (vm_checkpoint(),
    vm_do_checkpoint(), START_CHECKPOINT, struct checkpoint_op, ...) and any
    name ipc.c shares with vmmapi.h or snapshot.c, and all other strings.
    enum checkpoint_opcodes becomes enum ipc_opcode in ipc.c.

    The handler get_checkpoint_msg() becomes get_message() and reads a struct
    ipc_message: its `struct checkpoint_op *` variable becomes `struct
    ipc_message *imsg` (the receive buffer and its length follow the type),
    `->op` becomes `->code` and the file name is `->data.op.snapshot_filename`.
    Where upstream already calls the handler handle_message() (spring 2021),
    that name is kept -- it is upstream's form of get_message() -- and only
    its message type is converted, if it still takes a struct checkpoint_op.

    A statement that a longer name pushes past 80 columns is re-wrapped the
    style(9) way (broken after a comma, continued with four spaces); one with
    no comma to break at is named in the reason.

    Already applied when no such name is left and the handler reads no struct
    checkpoint_op.  Not applicable without ipc.c.
    """

    id = "ipc-rename"
    summary = "checkpoint_* -> ipc_* in ipc.c; get_checkpoint_msg() -> get_message()"
    files = (IPC_C, IPC_H, SNAPSHOT_H)
    requires = ("ipc-extract",)

    def plan(self, tree: Tree) -> Outcome:
        ipc = tree.view(IPC_C, CFile)
        if ipc is None:
            return NotApplicable(f"{IPC_C} does not exist: the socket code was not moved")
        external: set[str] = set()
        for path in (VMMAPI_H, SNAPSHOT_C):
            cf = tree.view(path, CFile)
            if cf is not None:
                external |= {n for it in cf.items if it.is_definition or it.kind == "define"
                             for n in it.names}
        edits: list[Edit] = []
        notes: list[str] = []
        retyped: list[str] = []
        message_vars: set[str] = set()
        for fn in ipc.items:
            if fn.kind != "function":
                continue
            fn_edits, problem = retype_messages(ipc, IPC_C, fn, self.id)
            if problem:
                return Conflict(f"{IPC_C}: {problem}")
            if fn_edits:
                edits += fn_edits
                retyped.append(fn.name)
                message_vars |= _message_vars(ipc, fn)

        handler = _handler(ipc)
        renames: dict[str, str] = {}
        if handler is not None and handler.name == "get_checkpoint_msg":
            renames["get_checkpoint_msg"] = "get_message"
        elif handler is not None and handler.name == "handle_message":
            notes.append("handle_message() is upstream's name for get_message(); kept")
        for name in sorted(_defined_names(ipc) - external):
            # Message variables are renamed imsg by the retyping above.
            if name.startswith("checkpoint_") and name not in renames and \
                    name not in message_vars:
                renames[name] = "ipc_" + name[len("checkpoint_"):]
        taken = _defined_names(ipc) | external
        clash = sorted(new for old, new in renames.items() if new in taken)
        if clash:
            return Conflict(f"cannot rename in {IPC_C}: {', '.join(clash)} already exist")
        by_kind = {(old, kind): new for old, new in renames.items()
                   for kind in ("ordinary", "tag", "type", "macro")}
        by_kind[(OLD_ENUM, "tag")] = NEW_ENUM
        skip = [(e.start, e.end) for e in edits]
        for path in (IPC_C, IPC_H, SNAPSHOT_H):
            cf = tree.view(path, CFile)
            if cf is not None:
                edits += rename_by_kind(cf, path, by_kind, self.id,
                                       skip=skip if path == IPC_C else ())
        for call in calls(ipc, ipc.tree.root_node, "pthread_set_name_np"):
            args = call.child_by_field_name("arguments").named_children
            if len(args) == 2 and args[1].type == "string_literal" and \
                    "checkpoint" in text(ipc, args[1]):
                edits.append(replace(IPC_C, args[1].start_byte, args[1].end_byte,
                                     text(ipc, args[1]).replace("checkpoint", "ipc"),
                                     self.id))
        if not edits:
            return AlreadyApplied("ipc.c has no checkpoint_* names of its own left"
                                  + (f" ({notes[0]})" if notes else ""))
        # A longer name may push a statement past 80 columns: re-flow it as style(9) wants.
        edits, long_lines = rewrap(tree.read, edits)
        notes += [f"{where} after the rename, with no comma to break at" for where in long_lines]
        done = ", ".join(f"{a} -> {b}" for a, b in sorted(renames.items()))
        return Edits(edits, f"renames {done or 'nothing'}"
                     + (f"; {', '.join(retyped)} now read struct {MSG_STRUCT}" if retyped else "")
                     + "".join(f"; {n}" for n in notes))


#: What send_message()'s error message called the one request it used to send.
STALE_SEND_WORDS = b"checkpoint operation request"


class BhyvectlSendMessage(Rule):
    """bhyvectl(8): send_message(ctx, data, len) and snapshot_request(ctx, file, code).

    send_checkpoint_op_req(struct vmctx *ctx, struct checkpoint_op *op)
    becomes send_message(struct vmctx *ctx, void *data, size_t len): it sends
    any message.  Its `len = sizeof(*op)` goes (len is now the parameter, and
    the local of that name is dropped), other `sizeof(*op)` become `len` and
    `op` becomes `data`.  Strings stay as they are, but for "checkpoint
    operation request" in its error message, which becomes "message".

    send_start_checkpoint() and send_start_suspend() differ only in their
    opcode and parameter name; they are checked to be otherwise identical
    token for token, then merged into the first of them, renamed
    snapshot_request(struct vmctx *ctx, const char *file, enum ipc_opcode
    code): its struct checkpoint_op becomes a struct ipc_message imsg whose
    `code` is the new parameter, and it calls send_message(ctx, &imsg,
    sizeof(imsg)).  The second function is removed, and the callers in main()
    pass START_CHECKPOINT or START_SUSPEND, the opcode their function had.
    enum checkpoint_opcodes is renamed enum ipc_opcode in this file.

    Already applied when bhyvectl.c has send_message() and snapshot_request()
    and none of the old functions (also upstream's nvlist form of 2022).  Not
    applicable when bhyvectl.c has none of these functions.  A conflict when
    the two old functions differ in more than opcode and file name, or are
    used other than by plain calls.
    """

    id = "bhyvectl-send-message"
    summary = "bhyvectl: send_message() and snapshot_request()"
    files = (BHYVECTL_C,)

    def plan(self, tree: Tree) -> Outcome:
        cf = tree.view(BHYVECTL_C, CFile)
        if cf is None:
            return Conflict(f"{BHYVECTL_C} does not exist")
        old_send = cf.function("send_checkpoint_op_req")
        starters = [f for f in (cf.function("send_start_checkpoint"),
                                cf.function("send_start_suspend")) if f is not None]
        new_send, request = cf.function("send_message"), cf.function("snapshot_request")
        if old_send is None and not starters:
            if new_send is not None and request is not None:
                return AlreadyApplied("bhyvectl.c already has send_message() and "
                                      "snapshot_request()")
            return NotApplicable("bhyvectl.c sends no requests to bhyve(8): it has "
                                 "neither send_checkpoint_op_req() nor send_message()")
        if old_send is None or len(starters) != 2 or new_send or request:
            have = [f.name for f in (old_send, *starters, new_send, request) if f]
            return Conflict(f"bhyvectl.c has an unexpected mix of functions: {', '.join(have)}")
        if not message_types(tree):
            return NotApplicable(NVLIST_REASON)
        if not tree.exists(IPC_C):
            return NotApplicable(NO_IPC_C_REASON)
        edits, problem = self._send_message(cf, old_send)
        if problem:
            return Conflict(problem)
        merged, problem = self._snapshot_request(cf, starters)
        if problem:
            return Conflict(problem)
        edits += merged
        skip = [(f.full_start, f.full_end) for f in starters[1:]] + \
            [(e.start, max(e.end, e.start + 1)) for e in edits]
        edits += enum_renames(cf, BHYVECTL_C, self.id, skip=skip)
        return Edits(edits, "send_checkpoint_op_req() -> send_message(); "
                     f"{starters[0].name}() and {starters[1].name}() -> snapshot_request()")

    def _send_message(self, cf: CFile, fn: Item) -> tuple[list[Edit], str]:
        rid, path = self.id, BHYVECTL_C
        ps = params(fn)
        if len(ps) != 2 or struct_type(cf, ps[1]) != OP_STRUCT:
            return [], f"{fn.name}() does not take (ctx, struct {OP_STRUCT} *)"
        op = param_name(cf, ps[1])
        body = fn_body(fn)
        if uses(cf, body, "data"):
            return [], f"{fn.name}() already uses the name data"
        edits = [replace(path, ps[1].start_byte, ps[1].end_byte, "void *data, size_t len", rid)]
        name = declarator_ident(function_declarator(fn))
        edits.append(replace(path, name.start_byte, name.end_byte, "send_message", rid))
        done: list[tuple[int, int]] = []

        def is_size_of_op(n: Node) -> bool:
            if n.type != "sizeof_expression":
                return False
            inner = text(cf, n)[len("sizeof"):].strip().strip("()").strip()
            return inner in (f"*{op}", f"struct {OP_STRUCT}")

        for n in walk(body):
            if inside(n.start_byte, done):
                continue
            if n.type == "expression_statement" and n.named_children and \
                    n.named_children[0].type == "assignment_expression":
                a = n.named_children[0]
                left, right = a.child_by_field_name("left"), a.child_by_field_name("right")
                if text(cf, left) == "len" and is_size_of_op(right):
                    edits.append(delete_lines(cf, path, n.start_byte, n.end_byte, rid))
                    done.append((n.start_byte, n.end_byte))
                    continue
            if is_size_of_op(n):
                edits.append(replace(path, n.start_byte, n.end_byte, "len", rid))
                done.append((n.start_byte, n.end_byte))
            elif n.type == "identifier" and text(cf, n) == op:
                edits.append(replace(path, n.start_byte, n.end_byte, "data", rid))
        len_decl = local_declarations(cf, fn).get("len")
        if len_decl is not None:
            edits.append(delete_declarator(cf, path, len_decl, "len", rid))
        # A message of the now generic function that names the one request it sent.
        for n in walk(body):
            at = cf.data.find(STALE_SEND_WORDS, n.start_byte, n.end_byte) \
                if n.type == "string_literal" else -1
            if at >= 0:
                edits.append(replace(path, at, at + len(STALE_SEND_WORDS), "message", rid))
        return edits, ""

    def _snapshot_request(self, cf: CFile, starters: list[Item]) -> tuple[list[Edit], str]:
        rid, path = self.id, BHYVECTL_C
        opcodes, shapes = [], []
        for fn in starters:
            ps = params(fn)
            if len(ps) != 2:
                return [], f"{fn.name}() does not take (ctx, file)"
            file_param = param_name(cf, ps[1])
            assign = self._opcode_assignment(cf, fn)
            if assign is None:
                return [], f"{fn.name}() sets no opcode in a struct {OP_STRUCT}"
            const = assign.child_by_field_name("right")
            opcodes.append(text(cf, const))
            shapes.append(self._tokens(cf, fn, {file_param: "@file",
                                                text(cf, const): "@code"}))
        if shapes[0] != shapes[1]:
            return [], (f"{starters[0].name}() and {starters[1].name}() differ in more than "
                        "opcode and file name; they cannot be merged mechanically")
        keep, drop = starters
        body = fn_body(keep)
        ps = params(keep)
        file_param = param_name(cf, ps[1])
        if uses(cf, body, "file") or uses(cf, body, "code"):
            return [], f"{keep.name}() already uses the names file or code"
        retype, problem = retype_messages(cf, path, keep, rid)
        if problem or not retype:
            return [], problem or f"{keep.name}() builds no struct {OP_STRUCT}"
        edits = list(retype)
        name = declarator_ident(function_declarator(keep))
        edits.append(replace(path, name.start_byte, name.end_byte, "snapshot_request", rid))
        pname = declarator_ident(ps[1].child_by_field_name("declarator"))
        edits.append(replace(path, pname.start_byte, pname.end_byte, "file", rid))
        edits.append(insert(path, ps[1].end_byte, f", enum {NEW_ENUM} code", rid))
        for ident in uses(cf, body, file_param):
            edits.append(replace(path, ident.start_byte, ident.end_byte, "file", rid))
        const = self._opcode_assignment(cf, keep).child_by_field_name("right")
        edits.append(replace(path, const.start_byte, const.end_byte, "code", rid))
        sends = calls(cf, body, "send_checkpoint_op_req")
        if len(sends) != 1:
            return [], f"{keep.name}() does not call send_checkpoint_op_req() once"
        fn_ident = sends[0].child_by_field_name("function")
        edits.append(replace(path, fn_ident.start_byte, fn_ident.end_byte, "send_message", rid))
        shift = len("send_message") - len(text(cf, fn_ident)) + 2 * (len(MSG_VAR) - len(
            text(cf, self._opcode_assignment(cf, keep).child_by_field_name("left")
                 .child_by_field_name("argument"))))
        edits.append(append_argument(cf, path, sends[0], f"sizeof({MSG_VAR})", rid, shift))
        edits.append(replace(path, drop.full_start, drop.full_end, b"", rid))
        # Callers: the opcode each old function had becomes an argument.
        own = [(f.start, f.end) for f in starters]
        for fn, opcode in zip(starters, opcodes, strict=True):
            for ident in cf.idents(fn.name, "ordinary"):
                if inside(ident.start, own):
                    continue
                node = cf.tree.root_node.descendant_for_byte_range(ident.start, ident.end)
                call = node.parent
                if call is None or call.type != "call_expression" or \
                        call.child_by_field_name("function") != node:
                    return [], f"{fn.name}() is used other than by a call, line " \
                        f"{cf.line_of(ident.start)}"
                edits.append(replace(path, ident.start, ident.end, "snapshot_request", rid))
                edits.append(append_argument(cf, path, call, opcode, rid,
                                             len("snapshot_request") - len(fn.name)))
        return edits, ""

    @staticmethod
    def _opcode_assignment(cf: CFile, fn: Item) -> Node | None:
        """`V.op = CONST` on the function's struct checkpoint_op variable."""
        for n in walk(fn_body(fn)):
            if n.type != "assignment_expression":
                continue
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            if left.type == "field_expression" and right.type == "identifier" and \
                    text(cf, left.child_by_field_name("field")) == "op":
                return n
        return None

    @staticmethod
    def _tokens(cf: CFile, fn: Item, subst: dict[str, str]) -> list[str]:
        out = []
        for n in walk(fn.node):
            if n.child_count == 0 and n.type != "comment":
                t = text(cf, n)
                out.append(subst.get(t, t) if n.type == "identifier" else t)
        # Names differ by design: skip the function's own name.
        name = text(cf, declarator_ident(function_declarator(fn)))
        return [t for t in out if t != name]
