"""Step 4 of bhyve-ipc: SOCK_DGRAM on both ends, ipc.h shared with bhyvectl(8), name limits.

The rules of this step plan against the same tree, so each one keeps to its own
bytes: the socket rules edit function bodies of ipc.c and bhyvectl.c,
ipc-h-shared moves the message types (renaming MAX_SNAPSHOT_VMNAME inside
them), max-snapshot-filename renames the macro everywhere else, and
max-vmname-vmmapi adds MAX_VMNAME next to VMMAPI_VERSION and removes the copies.
"""

from __future__ import annotations

from refactor.c.includes import need_include
from refactor.c.lossless import CFile, Item
from refactor.c.nodes import (
    Node,
    callee,
    calls,
    defined_tag,
    fn_body,
    local_declarations,
    param_name,
    params,
    strip_cast,
    uses,
    walk,
)
from refactor.c.nodes import node_text as text
from refactor.c.rename import rename_by_kind
from refactor.c.spans import delete_span, indent_of, inside
from refactor.c.statements import delete_declarator, delete_statement, drop_argument
from refactor.c.wrap import wrap
from refactor.edits import Edit, insert, replace
from refactor.ops.rename import Rename, RenameOptions
from refactor.report import join_words
from refactor.rule import AlreadyApplied, Conflict, Edits, NotApplicable, Outcome, Rule, Status
from refactor.tree import Tree
from refactor_rules.bhyve_ipc.messages import (
    BHYVECTL_C,
    BHYVERUN_C,
    IPC_C,
    IPC_H,
    MSG_STRUCT,
    NEW_ENUM,
    NVLIST_REASON,
    OLD_ENUM,
    OP_STRUCT,
    SNAPSHOT_C,
    SNAPSHOT_H,
    VMMAPI_H,
    message_types,
    template,
)

OLD_FILENAME, NEW_FILENAME = "MAX_SNAPSHOT_VMNAME", "MAX_SNAPSHOT_FILENAME"
#: Every C file the recipe knows, where names are renamed or copies removed.
C_FILES = (VMMAPI_H, IPC_H, IPC_C, SNAPSHOT_H, SNAPSHOT_C, BHYVERUN_C, BHYVECTL_C)
NVLIST_STREAM = ("requests are nvlists upstream, and nvlist_recv() needs a stream socket: "
                 "the socket stays SOCK_STREAM")


# ----- helpers -----------------------------------------------------------------------


def socket_calls(cf: CFile) -> list[tuple[Item, Node, Node]]:
    """(function, socket() call, its type argument) for each unix socket made."""
    out = []
    for fn in cf.items:
        if fn.kind != "function":
            continue
        for call in calls(cf, fn.node, "socket"):
            args = call.child_by_field_name("arguments").named_children
            if len(args) == 3 and text(cf, args[0]) in ("PF_UNIX", "AF_UNIX", "PF_LOCAL",
                                                        "AF_LOCAL"):
                out.append((fn, call, args[1]))
    return out


def uses_nvlists(cf: CFile) -> bool:
    return any(i.name.startswith("nvlist_") for i in cf.identifiers)


def transfer_loop(cf: CFile, fn: Item, name: str) -> Node | None:
    """The one `while ((n = NAME(...)) > 0)` loop of fn, or None."""
    loops = [n for n in walk(fn_body(fn)) if n.type == "while_statement"
             and calls(cf, n.child_by_field_name("condition"), name)]
    return loops[0] if len(loops) == 1 else None


def single_transfer(cf: CFile, path: str, fn: Item, name: str, rule: str,
                    fd_name: str = "") -> tuple[list[Edit], str]:
    """A stream loop `while ((n = NAME(fd, p + done, len - done, fl)) > 0) done += n;`
    becomes one datagram call `n = NAME(fd, p, len, fl);`; `done` goes away.
    `fd_name`, when given, is the new name of the descriptor argument."""
    loop = transfer_loop(cf, fn, name)
    if loop is None:
        return [], f"{fn.name}() has no single {name}() loop"
    call = calls(cf, loop.child_by_field_name("condition"), name)[0]
    assign = call.parent
    args = call.child_by_field_name("arguments").named_children
    if assign.type != "assignment_expression" or len(args) != 4 or \
            args[1].type != "binary_expression" or args[2].type != "binary_expression":
        return [], f"the {name}() loop of {fn.name}() has an unexpected shape"
    acc = text(cf, args[1].child_by_field_name("right"))
    if text(cf, args[2].child_by_field_name("right")) != acc:
        return [], f"the {name}() loop of {fn.name}() has an unexpected shape"
    buf = strip_cast(args[1].child_by_field_name("left"))
    new = (f"{text(cf, assign.child_by_field_name('left'))} = "
           f"{name}({fd_name or text(cf, args[0])}, "
           f"{text(cf, buf)}, {text(cf, args[2].child_by_field_name('left'))}, "
           f"{text(cf, args[3])});")
    edits = [replace(path, loop.start_byte, loop.end_byte, new, rule)]
    for st in fn_body(fn).named_children:
        if st.type == "expression_statement" and st is not loop and \
                text(cf, st).replace(" ", "") == f"{acc}=0;":
            edits.append(delete_span(cf, path, st.start_byte, st.end_byte, rule))
    decl = local_declarations(cf, fn).get(acc)
    if decl is not None:
        edits.append(delete_declarator(cf, path, decl, acc, rule))
    rest = [n for n in uses(cf, fn_body(fn), acc)
            if not loop.start_byte <= n.start_byte < loop.end_byte
            and not any(e.start <= n.start_byte < e.end for e in edits)]
    if rest:
        return [], f"{fn.name}() still uses {acc} after its {name}() loop"
    return edits, ""


#: Conditions that test a transfer's result for failure only: `n < 0`, `n == -1`, `n <= 0`.
FAILURE_TESTS = {("<", "0"), ("==", "-1"), ("<=", "0")}
#: Atoms a cast can apply to without parentheses.
CASTABLE = {"identifier", "sizeof_expression", "number_literal", "call_expression",
            "field_expression", "parenthesized_expression"}
SHORT = '"short message"'


def refuse_short_datagram(cf: CFile, path: str, fn: Item, rule: str) -> tuple[list[Edit], str]:
    """After one recv() of a datagram, `if (n < 0)` becomes `if (n != (ssize_t)len)`.

    recv() returns the datagram's length: fewer bytes than asked for is a short
    message, which must not be read as a whole one.  A `perror(S)` in the check
    would print a stale errno for a short message, so it becomes
    `EPRINTLN("S: %s", n < 0 ? strerror(errno) : "short message")` (upstream's
    own idiom; fprintf(stderr, ...) without "debug.h"), and <string.h> and
    <errno.h> are added when missing.  A check of another shape is a problem.
    """
    loop = transfer_loop(cf, fn, "recv")
    call = calls(cf, loop.child_by_field_name("condition"), "recv")[0] if loop else None
    if loop is None or call is None or call.parent.type != "assignment_expression":
        return [], f"{fn.name}() has no single recv() loop"
    result = text(cf, call.parent.child_by_field_name("left"))
    length = call.child_by_field_name("arguments").named_children[2]
    length = length.child_by_field_name("left") if length.type == "binary_expression" \
        else length
    # The first statement after the loop that looks at the result (a close() may come first).
    check = loop.next_named_sibling
    while check is not None and (check.type == "comment" or not uses(cf, check, result)):
        check = check.next_named_sibling
    cond = check.child_by_field_name("condition") if check is not None and \
        check.type == "if_statement" else None
    test = cond.named_children[0] if cond is not None and cond.named_children else None
    if test is None or test.type != "binary_expression" or \
            text(cf, test.child_by_field_name("left")) != result or \
            (text(cf, test.child_by_field_name("operator")),
             text(cf, test.child_by_field_name("right"))) not in FAILURE_TESTS:
        return [], (f"{fn.name}() does not check its recv() with `if ({result} < 0)`: "
                    "cannot tell where to refuse a short datagram")
    size = text(cf, length) if length.type in CASTABLE else f"({text(cf, length)})"
    edits = [replace(path, test.start_byte, test.end_byte,
                     f"{result} != (ssize_t){size}", rule)]
    body = check.child_by_field_name("consequence")
    reports = [c for c in calls(cf, body) if callee(cf, c) in ERRNO_REPORTS]
    if not reports:
        return edits, ""
    if len(reports) > 1 or callee(cf, reports[0]) != "perror" or \
            reports[0].parent.type != "expression_statement":
        return [], (f"the recv() check of {fn.name}() reports errno with "
                    f"{callee(cf, reports[0])}(): cannot tell how to report a short datagram")
    perror = reports[0]
    (what,) = perror.child_by_field_name("arguments").named_children
    if what.type == "string_literal":
        fmt, rest = text(cf, what)[:-1] + ': %s"', ""
    else:
        fmt, rest = '"%s: %s"', f"{text(cf, what)}, "
    why = f"{result} < 0 ? strerror(errno) : {SHORT}"
    if any(i.name == '"debug.h"' for i in cf.includes()):
        head = f"EPRINTLN({fmt},"
    else:
        head = f"fprintf(stderr, {fmt[:-1]}\\n\","
    indent = indent_of(cf.data, perror.start_byte).encode("latin-1")
    line = wrap(indent + f"{head} {rest}{why});".encode("latin-1"))[len(indent):]
    edits.append(replace(path, perror.parent.start_byte, perror.parent.end_byte, line, rule))
    for header in ("<errno.h>", "<string.h>"):
        problem = need_include(edits, cf, path, header, rule)
        if problem:
            return [], problem
    return edits, ""


#: Calls that report errno, which a short datagram does not set.
ERRNO_REPORTS = {"perror", "warn", "err", "strerror", "vwarn", "verr"}


def socket_name(cf: CFile, fn: Item) -> str:
    """What a descriptor parameter named for a connection becomes: `fd`, else `sock`
    ("" when fn uses both names already)."""
    taken = {i.name for i in cf.identifiers if fn.start <= i.start < fn.end}
    return next((n for n in ("fd", "sock") if n not in taken), "")


# ----- the rules ---------------------------------------------------------------------


#: By node type: phrases of ipc.c that a SOCK_DGRAM socket serving any request makes
#: untrue, and what they become.
STALE_WORDS = {
    "comment": ((b"the listening socket", b"the socket"),),
    "string_literal": ((b"on checkpoint ", b"on IPC "),),
}


class IpcSockDgram(Rule):
    """bhyve(8) reads one datagram per message: SOCK_DGRAM, no listen() or accept().

    In ipc.c: socket(PF_UNIX, SOCK_STREAM, 0) becomes SOCK_DGRAM; the
    listen() call and its error handling go, and so does CAP_ACCEPT in the
    Capsicum rights (nothing is accepted any more).  The thread's
    `while ((conn_fd = accept(fd, ...)) > -1)` becomes `for (;;)`: the
    handler now reads from the socket itself, so conn_fd becomes that socket,
    and the address-length bookkeeping and the report of a failed accept()
    after the loop go.
    In the handler (get_message()), the loop gathering `len` bytes from the
    stream becomes one recv() of up to `len` bytes -- one datagram -- and the
    close() of the connection goes, since the socket must stay open.  The
    check of that recv() compares its result with `len` (`if (n < 0)` becomes
    `if (n != (ssize_t)len)`), so a short datagram is refused, not read as a
    whole message; a perror() in it reports "short message" then instead of a
    stale errno.  The handler's descriptor parameter, named for a connection
    (`conn_fd`), becomes `fd` (`sock` when fd is taken).  "the
    listening socket" in a comment becomes "the socket", and a message "on
    checkpoint socket" says "on IPC socket".

    Already applied when ipc.c makes a SOCK_DGRAM socket and calls neither
    listen() nor accept() (upstream's own spring 2021 form).  Not applicable
    when requests are nvlists (bhyve 2022 onward: nvlist_recv() needs a
    stream) or without ipc.c.  A conflict for any other socket shape.
    """

    id = "ipc-sock-dgram"
    summary = "ipc.c: SOCK_DGRAM socket, one recv() per message, no listen()/accept()"
    files = (IPC_C,)
    requires = ("ipc-extract",)

    def plan(self, tree: Tree) -> Outcome:
        rid, path = self.id, IPC_C
        cf = tree.view(IPC_C, CFile)
        if cf is None:
            return NotApplicable(f"{IPC_C} does not exist: the socket code was not moved")
        if uses_nvlists(cf):
            return NotApplicable(NVLIST_STREAM)
        made = socket_calls(cf)
        kinds = {text(cf, t) for _, _, t in made}
        accepts = calls(cf, cf.tree.root_node, "accept")
        listens = calls(cf, cf.tree.root_node, "listen")
        if kinds == {"SOCK_DGRAM"} and not accepts and not listens:
            return AlreadyApplied("ipc.c already reads datagrams from a SOCK_DGRAM socket")
        if kinds != {"SOCK_STREAM"} or len(made) != 1 or len(accepts) != 1 or \
                len(listens) != 1:
            kinds_text = join_words(sorted(kinds)) or "none"
            return Conflict(f"ipc.c has an unexpected socket shape: socket types {kinds_text},"
                            f" {len(listens)} listen() and {len(accepts)} accept() calls")
        _, _, kind = made[0]
        edits = [replace(path, kind.start_byte, kind.end_byte, "SOCK_DGRAM", rid)]
        listen_stmt = listens[0]
        while listen_stmt.parent is not None and listen_stmt.type not in (
                "if_statement", "expression_statement"):
            listen_stmt = listen_stmt.parent
        edits.append(delete_statement(cf, path, listen_stmt, rid))
        for call in calls(cf, cf.tree.root_node, "cap_rights_init"):
            e = drop_argument(cf, path, call, "CAP_ACCEPT", rid)
            if e is not None:
                edits.append(e)
        thread_edits, handler, problem = self._thread(cf, accepts[0])
        if problem:
            return Conflict(problem)
        edits += thread_edits
        fd = param_name(cf, params(handler)[0]) if params(handler) else ""
        # There is no connection any more: a descriptor named for one is the socket.
        new_fd = socket_name(cf, handler) if "conn" in fd else ""
        more, problem = single_transfer(cf, path, handler, "recv", rid, new_fd)
        if problem:
            return Conflict(problem)
        edits += more
        more, problem = refuse_short_datagram(cf, path, handler, rid)
        if problem:
            return Conflict(problem)
        edits += more
        for call in calls(cf, fn_body(handler), "close"):
            args = call.child_by_field_name("arguments").named_children
            if len(args) == 1 and text(cf, args[0]) == fd and call.parent.type == \
                    "expression_statement":
                edits.append(delete_statement(cf, path, call.parent, rid))
        if new_fd:
            edits += rename_by_kind(cf, path, {(fd, "ordinary"): new_fd}, rid,
                                    within=(handler.start, handler.end),
                                    skip=[(e.start, e.end) for e in edits])
        # Words the change made untrue: nothing listens, and the socket serves any request.
        for n in walk(cf.tree.root_node):
            words = STALE_WORDS.get(n.type, ())
            for stale, fresh in words:
                at = cf.data.find(stale, n.start_byte, n.end_byte)
                if at >= 0 and not any(e.start <= at < e.end for e in edits):
                    edits.append(replace(path, at, at + len(stale), fresh, rid))
        why = [f"SOCK_DGRAM; {handler.name}() reads one datagram per message",
               "refuses a short datagram"]
        if new_fd:
            why.append(f"descriptor {fd} becomes {new_fd}")
        return Edits(edits, "; ".join(why))

    def _thread(self, cf: CFile, accept: Node) -> tuple[list[Edit], Item | None, str]:
        rid, path = self.id, IPC_C
        thread = next((it for it in cf.items if it.kind == "function"
                       and it.start <= accept.start_byte < it.end), None)
        loop = accept
        while loop is not None and loop.type != "while_statement":
            loop = loop.parent
        assign = accept.parent
        args = accept.child_by_field_name("arguments").named_children
        if thread is None or loop is None or assign.type != "assignment_expression" or \
                len(args) != 3:
            return [], None, "the accept() loop of ipc.c has an unexpected shape"
        conn = text(cf, assign.child_by_field_name("left"))
        listen_fd = text(cf, args[0])
        addrlen = text(cf, strip_cast(args[2]).child_by_field_name("argument")) \
            if args[2].type == "pointer_expression" else None
        body = loop.child_by_field_name("body")
        handler = None
        for call in calls(cf, body):
            cargs = call.child_by_field_name("arguments").named_children
            if any(text(cf, a) == conn for a in cargs):
                handler = cf.function(text(cf, call.child_by_field_name("function")))
        if handler is None:
            return [], None, "the accept() loop of ipc.c hands the connection to no function"
        cond = loop.child_by_field_name("condition")
        edits = [replace(path, loop.start_byte, cond.end_byte, "for (;;)", rid)]
        for ident in uses(cf, body, conn):
            edits.append(replace(path, ident.start_byte, ident.end_byte, listen_fd, rid))
        for st in walk(fn_body(thread)):
            if st.type != "expression_statement" or addrlen is None:
                continue
            a = st.named_children[0] if st.named_children else None
            if a is not None and a.type == "assignment_expression" and \
                    text(cf, a.child_by_field_name("left")) == addrlen:
                edits.append(delete_statement(cf, path, st, rid))
        # What followed the loop reported a failed accept(); the loop no longer ends.
        for st in fn_body(thread).named_children:
            if st.start_byte > loop.end_byte and st.type != "return_statement" and \
                    (uses(cf, st, conn) or "accept" in text(cf, st).lower()):
                edits.append(delete_statement(cf, path, st, rid))
        decls = local_declarations(cf, thread)
        for name in (conn, addrlen):
            if name in decls:
                edits.append(delete_declarator(cf, path, decls[name], name, rid))
        return edits, handler, ""


class BhyvectlSockDgram(Rule):
    """bhyvectl(8) sends each message as one datagram.

    In the function that makes the unix socket (send_message()): SOCK_STREAM
    becomes SOCK_DGRAM, and the loop that sent the message piece by piece,
    `while ((n = send(fd, (char *)data + done, len - done, 0)) > 0)`, becomes
    one `n = send(fd, data, len, 0);` -- a datagram goes whole or not at all.
    connect() stays: on a datagram socket it fixes the peer, and reports at
    once when no bhyve(8) listens.

    Already applied when the socket is SOCK_DGRAM and no send loop is left.
    Not applicable when bhyvectl.c sends nvlists (2022 onward) or makes no
    socket.  A conflict for other shapes.
    """

    id = "bhyvectl-sock-dgram"
    summary = "bhyvectl: SOCK_DGRAM socket, one send() per message"
    files = (BHYVECTL_C,)

    def plan(self, tree: Tree) -> Outcome:
        cf = tree.view(BHYVECTL_C, CFile)
        if cf is None:
            return Conflict(f"{BHYVECTL_C} does not exist")
        if uses_nvlists(cf):
            return NotApplicable(NVLIST_STREAM)
        made = socket_calls(cf)
        if not made:
            return NotApplicable("bhyvectl.c makes no unix socket to talk to bhyve(8)")
        if len(made) != 1:
            return Conflict("bhyvectl.c makes more than one unix socket")
        fn, _, kind = made[0]
        loops = [n for n in walk(fn_body(fn)) if n.type == "while_statement"
                 and calls(cf, n.child_by_field_name("condition"), "send")]
        if text(cf, kind) == "SOCK_DGRAM" and not loops:
            return AlreadyApplied(f"{fn.name}() already sends one datagram")
        if text(cf, kind) != "SOCK_STREAM":
            return Conflict(f"{fn.name}() makes a {text(cf, kind)} socket")
        edits = [replace(BHYVECTL_C, kind.start_byte, kind.end_byte, "SOCK_DGRAM", self.id)]
        more, problem = single_transfer(cf, BHYVECTL_C, fn, "send", self.id)
        if problem:
            return Conflict(problem)
        return Edits(edits + more, f"{fn.name}() sends one datagram")


def _message_items(cf: CFile) -> list[Item]:
    """The message types of a header in file order, with the file-name macro they use."""
    names = {OLD_ENUM, NEW_ENUM, OP_STRUCT, MSG_STRUCT}
    found = [it for it in cf.items if it.kind in ("enum", "struct") and it.is_definition
             and it.name in names]
    found += [it for it in cf.items if it.kind == "define"
              and it.name in (OLD_FILENAME, NEW_FILENAME)]
    return sorted(found, key=lambda it: it.start)


def _includes_ipc_h(cf: CFile) -> bool:
    return any(it.name == '"ipc.h"' for it in cf.includes())


def _renamed_text(cf: CFile, lo: int, hi: int) -> str:
    """The bytes [lo, hi) with MAX_SNAPSHOT_VMNAME renamed, identifier by identifier."""
    out = cf.data[lo:hi].decode("latin-1")
    for ident in sorted(cf.idents(OLD_FILENAME), key=lambda i: -i.start):
        if lo <= ident.start < hi:
            out = out[: ident.start - lo] + NEW_FILENAME + out[ident.end - lo :]
    return out


class IpcHShared(Rule):
    """The message types move from vmmapi.h to ipc.h, which bhyvectl(8) includes.

    Moved from lib/libvmmapi/vmmapi.h to usr.sbin/bhyve/ipc.h, as they are
    (with their comments): the file-name macro, enum ipc_opcode, struct
    checkpoint_op and struct ipc_message.  They go right after ipc.h's
    include guard.  They are no libvmmapi interface: only bhyve(8) and
    bhyvectl(8) speak this protocol.  MAX_SNAPSHOT_VMNAME is renamed
    MAX_SNAPSHOT_FILENAME inside the moved text, since max-snapshot-filename
    must not touch the same bytes.

    bhyvectl.c includes "ipc.h" after <vmmapi.h>, under #ifdef BHYVE_SNAPSHOT:
    makefile-bhyvectl-ipc-h adds -I${SRCTOP}/usr.sbin/bhyve only in the
    MK_BHYVE_SNAPSHOT block, and only that code sends messages.

    Already applied when ipc.h defines struct ipc_message, vmmapi.h none of
    the types, and bhyvectl.c includes ipc.h.  Not applicable when the types
    are gone (nvlists) or ipc.h does not exist.
    """

    id = "ipc-h-shared"
    summary = "move the message types to ipc.h; bhyvectl includes it"
    files = (VMMAPI_H, IPC_H, BHYVECTL_C)
    requires = ("vmmapi-ipc-message",)

    def plan(self, tree: Tree) -> Outcome:
        rid = self.id
        types = message_types(tree)
        if not types:
            return NotApplicable(NVLIST_REASON)
        ipc_h, vm = tree.view(IPC_H, CFile), tree.view(VMMAPI_H, CFile)
        ctl = tree.view(BHYVECTL_C, CFile)
        if ipc_h is None:
            return NotApplicable(f"{IPC_H} does not exist: the socket code was not moved")
        if vm is None or ctl is None:
            return Conflict("vmmapi.h or bhyvectl.c does not exist")
        edits: list[Edit] = []
        moving = _message_items(vm)
        if defined_tag(vm, MSG_STRUCT, "struct") is not None:
            if defined_tag(ipc_h, MSG_STRUCT, "struct") is not None:
                return Conflict("struct ipc_message is defined in both vmmapi.h and ipc.h")
            guard = next((it for it in ipc_h.items if it.kind == "define"
                          and it.parent is not None and it.parent.kind == "conditional"), None)
            if guard is None:
                return Conflict(f"{IPC_H} has no include guard to put the types under")
            block = "\n".join(_renamed_text(vm, it.lead_start, it.end) for it in moving)
            edits.append(insert(IPC_H, guard.end, "\n" + block, rid))
            for it in moving:
                edits.append(replace(VMMAPI_H, it.full_start, it.full_end, b"", rid))
            outside = [i for i in vm.idents() if i.name in (OP_STRUCT, MSG_STRUCT, NEW_ENUM)
                       and not inside(i.start, [(it.full_start, it.full_end) for it in moving])]
            if outside:
                return Conflict(f"vmmapi.h itself still uses {outside[0].name}, line "
                                f"{vm.line_of(outside[0].start)}")
        elif defined_tag(ipc_h, MSG_STRUCT, "struct") is None:
            return Conflict("struct ipc_message is in neither vmmapi.h nor ipc.h")
        if not _includes_ipc_h(ctl):
            edits.append(self._include(ctl))
        if not edits:
            return AlreadyApplied("ipc.h holds the message types and bhyvectl.c includes it")
        return Edits(edits, "moves the message types to ipc.h; bhyvectl.c includes it")

    def _include(self, ctl: CFile) -> Edit:
        after = next((it for it in ctl.includes() if it.name == "<vmmapi.h>"), None)
        if after is None:
            after = ctl.includes()[-1]
        return insert(BHYVECTL_C, after.end,
                      '\n#ifdef BHYVE_SNAPSHOT\n#include "ipc.h"\n#endif\n', self.id)


class MaxSnapshotFilename(Rule):
    """Rename MAX_SNAPSHOT_VMNAME to MAX_SNAPSHOT_FILENAME: it bounds a file name.

    The rename operation over the C files the recipe knows (every
    identifier, in all #if branches), less the message types still in
    vmmapi.h, which ipc-h-shared moves and renames in the same commit.

    Already applied when MAX_SNAPSHOT_FILENAME is defined and the old name is
    used nowhere; not applicable when neither name exists any more.
    """

    id = "max-snapshot-filename"
    summary = "rename MAX_SNAPSHOT_VMNAME to MAX_SNAPSHOT_FILENAME"
    files = C_FILES

    def plan(self, tree: Tree) -> Outcome:
        paths = tuple(p for p in C_FILES if tree.exists(p))
        op = Rename(RenameOptions(OLD_FILENAME, NEW_FILENAME, paths, "any"), id=self.id)
        outcome = op.plan(tree)
        vm = tree.view(VMMAPI_H, CFile)
        if outcome.status == Status.APPLIED and vm is not None and tree.exists(IPC_H) \
                and defined_tag(vm, MSG_STRUCT, "struct") is not None:
            skip = [(it.full_start, it.full_end) for it in _message_items(vm)]
            outcome.changes = [e for e in outcome.changes if not (
                e.path == VMMAPI_H and inside(e.start, skip))]
        if outcome.status == Status.APPLIED and not outcome.changes:
            return AlreadyApplied(f"{OLD_FILENAME} is left only in the types ipc-h-shared moves")
        if outcome.status == Status.APPLIED:
            outcome.reason = f"renames {len(outcome.changes)} uses of {OLD_FILENAME}"
        elif outcome.status == Status.NOT_APPLICABLE:
            outcome.reason = (f"neither {OLD_FILENAME} nor {NEW_FILENAME} exists: "
                              "snapshot requests no longer carry a fixed-size name")
        return outcome


class MaxVmnameVmmapi(Rule):
    """One MAX_VMNAME, of 89, in vmmapi.h instead of private copies of 100.

    The copies (`#define MAX_VMNAME 100` in snapshot.h or snapshot.c, ipc.c,
    bhyvectl.c) are removed; an #if block left empty goes with them.
    vmmapi.h gets, after VMMAPI_VERSION (from the template dgram_max_vmname.h):
    `#define MAX_VMNAME 89`, with a comment saying why: a VM name must fit the
    socket path /var/run/bhyve/<vmname> in sun_path, SUNPATHLEN (104) minus
    strlen("/var/run/bhyve/") (15).  Every user includes vmmapi.h already.

    Already applied when vmmapi.h defines MAX_VMNAME and no other file does;
    not applicable when no file uses MAX_VMNAME.
    """

    id = "max-vmname-vmmapi"
    summary = "one MAX_VMNAME (89) in vmmapi.h instead of copies of 100"
    files = C_FILES

    def plan(self, tree: Tree) -> Outcome:
        rid = self.id
        vm = tree.view(VMMAPI_H, CFile)
        if vm is None:
            return Conflict(f"{VMMAPI_H} does not exist")
        edits: list[Edit] = []
        used = False
        for path in C_FILES:
            cf = tree.view(path, CFile)
            if cf is None:
                continue
            used |= bool(cf.idents("MAX_VMNAME"))
            if path == VMMAPI_H:
                continue
            for it in cf.items:
                if it.kind == "define" and it.name == "MAX_VMNAME":
                    edits.append(self._remove(cf, path, it))
        if "MAX_VMNAME" not in vm.macros():
            if not used:
                return NotApplicable("no file uses MAX_VMNAME any more")
            anchor = vm.macros().get("VMMAPI_VERSION") or (vm.includes() or [None])[-1]
            if anchor is None:
                return Conflict(f"{VMMAPI_H} has neither VMMAPI_VERSION nor an #include "
                                "to put MAX_VMNAME after")
            edits.append(insert(VMMAPI_H, anchor.end, "\n" + template("dgram_max_vmname.h"),
                                rid))
        if not edits:
            return AlreadyApplied("MAX_VMNAME is defined in vmmapi.h only")
        return Edits(edits, "MAX_VMNAME (89) in vmmapi.h; "
                     f"{sum(1 for e in edits if not e.text)} private copies removed")

    def _remove(self, cf: CFile, path: str, it: Item) -> Edit:
        block = it.parent
        if block is not None and len(block.children) == 1 and block.parent is None:
            return replace(path, block.full_start, block.full_end, b"", self.id)
        return delete_span(cf, path, it.lead_start, it.end, self.id)

