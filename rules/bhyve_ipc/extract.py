"""Step 1 and 2 C rules of bhyve-ipc: move the socket code out of snapshot.c.

Everything here works on the lossless C view (refactor.c.lossless.CFile):
items and statements are found by their role and structure, and moved or cut
as byte spans, so the code that lands in ipc.c is the code that was in
snapshot.c, byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from refactor.c.closure import item_names, item_uses, macro_used
from refactor.c.deadcode import left_unused
from refactor.c.includes import cut_include, include_verdict, need_include
from refactor.c.lossless import CFile, Item
from refactor.c.nodes import (
    callee_names,
    declarator_name,
    function_name_node,
    functions,
    named_calls,
    param_names,
    statement_of,
    walk,
)
from refactor.c.protos import (
    add_definitions,
    new_file_text,
    new_header,
    proto_style,
    take_prototypes,
)
from refactor.c.selection import Selection, select
from refactor.c.spans import (
    delete_items,
    has_blank_line,
    idents_between,
    indent_before,
    join_items,
    line_end,
    line_start,
    names_between,
    splice,
    uses_between,
)
from refactor.c.statements import (
    body_statements,
    is_declaration,
    paragraphs,
    statement_and_check,
)
from refactor.edits import Edit, EditSet, NewFile, insert, replace
from refactor.ops.export import Export, ExportOptions
from refactor.report import join_words
from refactor.rule import AlreadyApplied, Conflict, Edits, NotApplicable, Outcome, Rule
from refactor.tree import Tree
from refactor_rules.bhyve_ipc._load import Preset

BHYVE = "usr.sbin/bhyve"
SNAPSHOT_C = f"{BHYVE}/snapshot.c"
SNAPSHOT_H = f"{BHYVE}/snapshot.h"
IPC_C = f"{BHYVE}/ipc.c"
IPC_H = f"{BHYVE}/ipc.h"
BHYVERUN_C = f"{BHYVE}/bhyverun.c"
VMMAPI_DIR = "lib/libvmmapi"
INCLUDE_DIRS = (VMMAPI_DIR, BHYVE)

# What the socket thread may block on: its loop is what makes it the listener.
RECEIVE_CALLS = ("accept", "recvfrom", "recvmsg", "recv", "read")
# Functions that stay in snapshot.c and are exported for the socket code.
EXPORTED = ("vm_checkpoint",)
SNAPSHOT_CONFIGS = ({"BHYVE_SNAPSHOT": "1"}, {"BHYVE_SNAPSHOT": "1", "WITHOUT_CAPSICUM": "1"})


# ----- the socket code in snapshot.c ------------------------------------------------------


@dataclass
class SocketCode:
    """The socket code of one file, found by what each function does."""

    init: Item                # creates the socket and starts the thread
    thread: Item              # the thread: loops receiving on the socket
    handlers: list[Item]      # what the thread calls to act on a message
    mkdir_helpers: list[Item] = field(default_factory=list)  # static helpers calling mkdir()


def find_socket_code(cf: CFile) -> SocketCode | str:
    """The socket code of cf, or why it cannot be told apart."""
    fns = functions(cf)
    by_name = {f.name: f for f in fns}
    inits = [f for f in fns if "socket" in set(callee_names(cf, f.node))]
    if not inits:
        return f"no function of {cf.path} creates a socket (calls socket())"
    if len(inits) > 1:
        names = ", ".join(f.name + "()" for f in inits)
        return f"several functions of {cf.path} create a socket: {names}"
    init = inits[0]
    thread = None
    # The thread is what the set-up hands to pthread_create() ...
    for name, call in named_calls(cf, init.node):
        if name != "pthread_create":
            continue
        args = call.child_by_field_name("arguments")
        named = [a for a in args.named_children if a.type != "comment"] if args else []
        if len(named) >= 3:
            fn = cf.data[named[2].start_byte : named[2].end_byte].decode("latin-1")
            thread = by_name.get(fn.lstrip("&").strip())
    # ... or else the function that loops on receiving from the socket.
    if thread is None:
        for f in fns:
            if f is not init and any(
                n.type in ("while_statement", "for_statement", "do_statement")
                and set(callee_names(cf, n)) & set(RECEIVE_CALLS)
                for n in walk(f.node)
            ):
                thread = f
                break
    if thread is None:
        return f"{init.name}() creates a socket, but no function of {cf.path} serves it"
    handlers = [by_name[n] for n in callee_names(cf, thread.node)
                if n in by_name and n not in (thread.name, init.name) and n not in EXPORTED]
    helpers = [by_name[n] for n in callee_names(cf, init.node)
               if n in by_name and "mkdir" in set(callee_names(cf, by_name[n].node))]
    return SocketCode(init, thread, handlers, helpers)


def _command_set_header(cf: CFile) -> bool:
    """Whether an ipc.h is upstream's registry of named IPC commands (2022 on)."""
    return bool(cf.macros().get("IPC_COMMAND") or cf.idents("ipc_cmd_set")
                or any(i.kind == "tag" for i in cf.idents("ipc_command")))


def _ipc_c_recognised(cf: CFile) -> str | None:
    """Why an existing ipc.c counts as the socket code, or None."""
    names = {f.name for f in functions(cf)}
    if names & {"init_ipc", "init_ipc_thread"}:
        found = sorted(names & {"init_ipc", "init_ipc_thread"})[0]
        return f"{IPC_C} exists and defines {found}()"
    if cf.macros().get("IPC_COMMAND") or cf.idents("IPC_COMMAND") or cf.idents("ipc_cmd_set"):
        return f"{IPC_C} exists and has the IPC_COMMAND() linker set"
    if any("socket" in set(callee_names(cf, f.node)) for f in functions(cf)):
        return f"{IPC_C} exists and creates the socket"
    return None


# ----- splitting the set-up function ----------------------------------------------------


@dataclass
class Split:
    snapshot_text: bytes                         # init_snapshot(), whole
    ipc_edits: list[tuple[int, int, bytes]]      # edits inside the init function for init_ipc


def split_init(cf: CFile, code: SocketCode, snapshot_state: set[str],
               new_name: str = "init_ipc") -> Split | str:
    """init_checkpoint_thread() cut into init_snapshot() and init_ipc()."""
    data = cf.data
    init = code.init
    children = [c for c in body_statements(init) if c.type != "comment"]
    decls = []
    for c in children:
        if not is_declaration(c):
            break
        decls.append(c)
    stmts = children[len(decls):]
    if not stmts:
        return f"{init.name}() has no statements to split"
    snap_groups, ipc_groups = [], []
    for group in paragraphs(data, stmts):
        lo, hi = group[0].start_byte, group[-1].end_byte
        names = names_between(cf, lo, hi)
        (snap_groups if names & snapshot_state else ipc_groups).append(group)
    if not snap_groups:
        return (f"{init.name}() sets up no save/restore state ({', '.join(sorted(snapshot_state))})"
                " to move into init_snapshot()")
    params = param_names(cf, init)
    locals_ = {}
    for d in decls:
        for n in walk(d):
            if n.type in ("init_declarator", "array_declarator", "pointer_declarator",
                          "identifier") and n.parent is not None and n.parent.type == "declaration":
                locals_[declarator_name(cf, n)] = (d, n)
    snap_used: set[str] = set()
    for g in snap_groups:
        lo, hi = g[0].start_byte, g[-1].end_byte
        snap_used |= names_between(cf, lo, hi)
        for n in g:
            if any(k.type in ("return_statement", "goto_statement") for k in walk(n)):
                return (f"the save/restore set-up in {init.name}() returns or jumps at line "
                        f"{cf.line_of(n.start_byte)}; it cannot become init_snapshot(void)")
    if snap_used & params:
        return (f"the save/restore set-up in {init.name}() uses its parameter "
                f"{', '.join(sorted(snap_used & params))}; init_snapshot() takes none")
    for g in snap_groups:
        lo, hi = g[0].start_byte, g[-1].end_byte
        other = names_between(cf, lo, hi)
        sock = {n for n in other & set(locals_) if not _written_first(cf, n, lo, hi)}
        if sock:
            return (f"the save/restore set-up in {init.name}() at line {cf.line_of(lo)} also "
                    f"uses the socket's {', '.join(sorted(sock))}")
    indent = indent_before(data, stmts[0].start_byte)
    # init_snapshot(): the declarations it needs, then its statements, verbatim.
    decl_lines = []
    for d in decls:
        if d.type != "declaration":
            continue
        keep = [n for n in d.children_by_field_name("declarator")
                if declarator_name(cf, n) in snap_used]
        if not keep:
            continue
        type_text = data[d.start_byte : d.children_by_field_name("declarator")[0].start_byte]
        decl_lines.append(indent + type_text.rstrip() + b" "
                          + b", ".join(data[n.start_byte : n.end_byte] for n in keep) + b";\n")
    body = []
    for g in snap_groups:
        body.append(data[line_start(data, g[0].start_byte) : line_end(data, g[-1].end_byte)])
    text = b"void\ninit_snapshot(void)\n{\n" + b"".join(decl_lines)
    text += (b"\n" if decl_lines else b"") + b"\n".join(body) + b"}\n"
    # init_ipc(): the same function without those statements (and their blank line).
    edits: list[tuple[int, int, bytes]] = []
    for g in snap_groups:
        lo = line_start(data, g[0].start_byte)
        hi = line_end(data, g[-1].end_byte)
        rest = data[hi:]
        m = re.match(rb"[ \t]*\r?\n", rest)
        if m:
            hi += m.end()
        edits.append((lo, hi, b""))
    name_node = function_name_node(init)
    edits.append((name_node.start_byte, name_node.end_byte, new_name.encode()))
    # Declarations only the save/restore half used go (whole lines only).
    ipc_used = set()
    for g in ipc_groups:
        lo, hi = g[0].start_byte, g[-1].end_byte
        ipc_used |= names_between(cf, lo, hi)
    for d in decls:
        if d.type != "declaration":
            continue
        names = [declarator_name(cf, n) for n in d.children_by_field_name("declarator")]
        if names and not set(names) & ipc_used:
            edits.append((line_start(data, d.start_byte), line_end(data, d.end_byte), b""))
    return Split(text, edits)


def _written_first(cf: CFile, name: str, lo: int, hi: int) -> bool:
    """Whether a local's first use in [lo, hi) assigns it (err = ...): then
    init_snapshot() may have its own; a local read first belongs to the socket."""
    first = min((i for i in cf.idents(name) if lo <= i.start < hi), key=lambda i: i.start)
    node = cf.tree.root_node.descendant_for_byte_range(first.start, first.end)
    parent = node.parent
    return (parent is not None and parent.type == "assignment_expression"
            and parent.child_by_field_name("left") == node)


# ----- the socket path ------------------------------------------------------------------


def path_edits(cf: CFile, code: SocketCode) -> list[tuple[int, int, bytes]]:
    """Socket path /var/run/bhyve/$vmname: the per-checkpoint subdirectory goes.

    A directory macro defined as `OTHER "/checkpoint"` is replaced by OTHER
    where the set-up builds the path, and the mkdir() of that subdirectory
    goes with its error check.
    """
    macros = cf.macros()
    subdirs = {}
    for name, it in macros.items():
        m = re.search(rb"#\s*define\s+\w+\s+(\w+)\s+\"/checkpoint/?\"\s*$", cf.text(it).strip())
        if m:
            subdirs[name] = m.group(1)
    edits = []
    for name, parent in subdirs.items():
        for u in uses_between(cf, name, code.init.start, code.init.end):
            edits.append((u.start, u.end, parent))
        for helper in code.mkdir_helpers:
            for call_name, call in named_calls(cf, helper.node):
                if call_name != "mkdir" or not uses_between(cf, name, call.start_byte,
                                                              call.end_byte):
                    continue
                span = statement_and_check(cf, call)
                if span:
                    edits.append(span)
    return edits


# ----- rule: ipc-extract ----------------------------------------------------------------


class IpcExtract(Rule):
    """Move bhyve's unix domain socket code from snapshot.c into new ipc.c and ipc.h.

    What moves: the socket set-up function (the one calling socket()), the
    thread it hands to pthread_create() (or else the function that loops on
    accept()/recvfrom() on the socket), the message handler(s) the thread
    calls, and everything of snapshot.c that only they use: static helpers
    (make_checkpoint_dir()), macros (BHYVE_RUN_DIR, MAX_MSG_SIZE) and types
    and globals (struct checkpoint_thread_info and checkpoint_info).  The
    set of items comes from the semantic layer's dependency closure
    (refactor.c.closure) over snapshot.c as it is after the split, in both
    BHYVE_SNAPSHOT configurations with and without WITHOUT_CAPSICUM; when
    the file does not parse semantically, the same closure is computed on
    the lossless view.  Items move whole and verbatim, in their order.

    Shared, not moved: a macro or type that code staying in snapshot.c uses
    too (MAX_VMNAME, used by strcat_extension()) moves, verbatim, into
    snapshot.h, which ipc.c includes; a shared static variable or function
    is a conflict, since it would have to lose its `static`.  vm_checkpoint()
    stays in snapshot.c (rule vm-checkpoint-export exports it).

    The split: init_checkpoint_thread() is cut between its statement groups
    (blank-line separated).  Groups that touch the save/restore state (the
    static variables of snapshot.c that its other functions use: vcpu_lock,
    vcpus_idle, vcpus_can_run) become `void init_snapshot(void)`, with the
    declarations they need; it stays in snapshot.c where
    init_checkpoint_thread() was.  Choice: it returns void, as its errors
    are already fatal (errc()).  The rest becomes `int init_ipc(struct vmctx
    *ctx)` in ipc.c, keeping the function's comment.  In snapshot.h the
    prototype of init_checkpoint_thread() becomes init_snapshot()'s and the
    prototypes of the moved functions move to ipc.h.

    Socket path: /var/run/bhyve/$vmname.  A directory macro defined as
    `BHYVE_RUN_DIR "/checkpoint"` is replaced by BHYVE_RUN_DIR where the path
    is built, its mkdir() and error check go, and the macro, now unused, is
    deleted.  The mkdir() of /var/run/bhyve itself stays (rule
    ipc-drop-mkdir removes it in the next step).

    ipc.c is: snapshot.c's leading license comment, copied; its
    `#include <sys/cdefs.h>` and `__FBSDID()` lines if it has them; the
    includes the moved code needs, taken verbatim from snapshot.c (with any
    #ifndef WITHOUT_CAPSICUM around them) in style(9) order, plus "ipc.h"
    and "snapshot.h"; then the moved items.  Of those includes, snapshot.c
    drops the ones nothing left in it uses (refactor.c.includes.include_verdict);
    one it cannot judge (a name of unknown home is used) stays, and the reason
    says why in one clause -- not a conflict.
    ipc.h carries snapshot.h's license comment and its include guard style
    (_BHYVE_SNAPSHOT_ -> _BHYVE_IPC_).  ipc.c needs no #ifdef
    BHYVE_SNAPSHOT: the Makefile builds it only with MK_BHYVE_SNAPSHOT
    (rule makefile-bhyve-ipc-c), like snapshot.c.

    Works on the January 2021 code (SOCK_STREAM, get_checkpoint_msg()) and
    the spring 2021 code (SOCK_DGRAM, handle_message(), no mkdir()): the
    functions are found by role, not by name.

    Already applied when ipc.c exists and is recognisably the socket code
    (defines init_ipc() or init_ipc_thread(), has the IPC_COMMAND() linker
    set, or creates the socket); a second ipc.c is never made.  Conflict
    when ipc.c exists but is something else, when snapshot.c has no socket
    code to move, or when init_checkpoint_thread() cannot be split cleanly.
    """

    id = "ipc-extract"
    summary = "move the socket code of snapshot.c into ipc.c and ipc.h"
    files = (SNAPSHOT_C, SNAPSHOT_H, IPC_C, IPC_H)
    requires = ()

    def plan(self, tree: Tree) -> Outcome:
        ipc = tree.view(IPC_C, CFile)
        if ipc is not None:
            why = _ipc_c_recognised(ipc)
            if why:
                return AlreadyApplied(f"{why}: the socket code has its own file already "
                                      "(never a second ipc.c)")
            return Conflict(f"{IPC_C} exists but holds no socket code this rule knows "
                            "(no init_ipc(), IPC_COMMAND() or socket()); not making a second one")
        if tree.exists(IPC_H):
            hdr = tree.view(IPC_H, CFile)
            if hdr is not None and _command_set_header(hdr):
                # FreeBSD main since 2022: the socket stays in snapshot.c by design.
                return NotApplicable(
                    f"{IPC_H} is upstream's IPC_COMMAND() set of nvlist commands, and "
                    f"upstream keeps the socket that serves it in {SNAPSHOT_C}: nothing to "
                    "move, since this recipe's ipc.h would clash with upstream's")
            return Conflict(f"{IPC_H} exists without {IPC_C}; cannot tell whose it is")
        cf = tree.view(SNAPSHOT_C, CFile)
        if cf is None:
            return Conflict(f"neither {IPC_C} nor {SNAPSHOT_C} exists: no socket code to move")
        code = find_socket_code(cf)
        if isinstance(code, str):
            return Conflict(f"cannot find the socket code to move: {code}")
        for it in [code.init, code.thread, *code.handlers]:
            if it.parent is not None:
                return Conflict(f"{it.name}() in {SNAPSHOT_C} is inside "
                                f"#if {it.parent.name}; cannot move it whole")
        return _Extraction(tree, cf, code, self.id).plan()


class _Extraction:
    def __init__(self, tree: Tree, cf: CFile, code: SocketCode, rule: str):
        self.tree, self.cf, self.code, self.rule = tree, cf, code, rule

    def snapshot_state(self) -> set[str]:
        """Static variables of snapshot.c that its non-socket functions use."""
        cf, code = self.cf, self.code
        socket_fns = {code.init.index, code.thread.index, *(h.index for h in code.handlers)}
        statics = {n for it in cf.items if it.kind == "declaration" and it.storage == "static"
                   and it.is_definition and it.parent is None for n in it.names}
        used = set()
        for f in functions(cf):
            if f.index in socket_fns:
                continue
            used |= {i.name for i in idents_between(cf, f.start, f.end)}
        return statics & used

    def plan(self) -> Outcome:
        cf, code, data = self.cf, self.code, self.cf.data
        split = split_init(cf, code, self.snapshot_state())
        if isinstance(split, str):
            return Conflict(f"cannot split {code.init.name}(): {split}")
        pedits = path_edits(cf, code)
        # The file as it will be: vm_checkpoint() exported, init split, path fixed.
        init_ipc = splice(data, code.init.lead_start, code.init.end,
                           split.ipc_edits + [e for e in pedits
                                              if code.init.start <= e[0] < code.init.end])
        vedits = [e for e in pedits if not code.init.start <= e[0] < code.init.end]
        vedits.append((code.init.lead_start, code.init.end,
                       split.snapshot_text + b"\n" + init_ipc))
        for name in EXPORTED:
            f = cf.function(name)
            if f is not None and f.storage == "static":
                s = next(c for c in f.node.children if c.type == "storage_class_specifier")
                nxt = s.next_sibling
                vedits.append((s.start_byte, nxt.start_byte if nxt else s.end_byte, b""))
        virtual = splice(data, 0, len(data), vedits)
        vcf = CFile(virtual, SNAPSHOT_C)
        requested = [code.thread.name, *(h.name for h in code.handlers), "init_ipc"]
        moves = self.closure(vcf, requested)
        if isinstance(moves, str):
            return Conflict(moves)
        return self.edits(vcf, moves, split, pedits)

    def closure(self, vcf: CFile, requested: list[str]) -> Selection | str:
        sel = select(self.tree, vcf, requested, SNAPSHOT_CONFIGS, INCLUDE_DIRS,
                     all_system_when_unsure=False)
        if isinstance(sel, str):
            return sel
        for it in sel.share:
            if it.kind in ("function",) or (it.kind == "declaration" and it.is_definition):
                return (f"{it.name} is used both by the socket code and by the code that stays "
                        f"in {SNAPSHOT_C}; it would have to stop being static")
        return sel

    def edits(self, vcf: CFile, moves: Selection, split: Split, pedits) -> Outcome:
        cf, code = self.cf, self.code
        vdata = vcf.data
        moved_names = {n for it in moves.move for n in item_names(vcf, it)}
        # Original items that go: moved ones, shared ones (to snapshot.h), and the
        # macros that the path change left unused.
        orig_by_name = {}
        for it in cf.items:
            if it.parent is None:
                for n in item_names(cf, it):
                    orig_by_name.setdefault((it.kind, n), it)
        gone: list[Item] = []
        for it in moves.move + moves.share:
            if it.name == "init_ipc":
                continue
            o = orig_by_name.get((it.kind, it.name)) or orig_by_name.get((it.kind, it.names[0]
                                                                           if it.names else ""))
            if o is not None and o not in gone:
                gone.append(o)
        for name, it in cf.macros().items():
            if it.parent is None and not macro_used(vcf, name) and it not in gone:
                gone.append(it)
        gone.sort(key=lambda i: i.start)
        snap_edits = [e for e in delete_items(cf, gone, SNAPSHOT_C, self.rule)
                      if not (e.start <= code.init.start < e.end)]
        snap_edits.append(replace(SNAPSHOT_C, code.init.lead_start, code.init.end,
                                  split.snapshot_text, self.rule))
        # ipc.c: the move operation's new file (licence, cdefs, includes, moved items).
        extra = ['"ipc.h"']
        shared_names = {n for it in moves.share for n in item_names(vcf, it)}
        used_by_moved = set()
        for it in moves.move:
            used_by_moved |= item_uses(vcf, it)
        if used_by_moved & (shared_names | set(EXPORTED)) or '"snapshot.h"' in moves.includes:
            extra.append('"snapshot.h"')
        # What only ipc.c uses stays private to it: static, with no prototype in ipc.h
        # (which bhyvectl includes too).
        private = self.private_names(vcf, moves)
        make_static = [(it.start, it.start, b"static ") for it in moves.move
                       if it.kind in ("function", "declaration") and it.storage != "static"
                       and set(item_names(vcf, it)) & private]
        ipc = new_file_text(cf, moves.includes, extra,
                            join_items(vdata, moves.move, make_static))
        header = self.header_edits(vcf, moves, moved_names, private)
        if isinstance(header, str):
            return Conflict(header)
        h_edits, ipc_h = header
        cut_incs, dropped, kept, why = self.unused_includes(moves, [*snap_edits, *h_edits])
        changes = [*snap_edits, *cut_incs, *h_edits, NewFile(IPC_C, ipc, self.rule),
                   NewFile(IPC_H, ipc_h, self.rule)]
        reason = (f"moves {', '.join(it.name for it in moves.move if it.kind == 'function')} "
                  f"to {IPC_C} ({moves.how} closure)")
        if moves.share:
            reason += f"; shares {', '.join(it.name for it in moves.share)} through snapshot.h"
        if dropped:
            reason += f"; snapshot.c drops {join_words(dropped)}, which only the moved code used"
        if kept:
            reason += f"; snapshot.c keeps {join_words(kept)}: cannot tell, {why}"
        return Edits(changes, reason)

    def unused_includes(self, moves: Selection, edits: list[Edit]
                        ) -> tuple[list[Edit], list[str], list[str], str]:
        """Of the includes of snapshot.c that the moved code needed, those nothing left
        uses (refactor.c.includes.include_verdict, on the file as the step leaves it):
        their removals and names; then those it cannot tell about, which stay, and why."""
        es = EditSet()
        es.extend(edits)
        after = self.tree.with_changes(es.apply(self.tree.read))
        left = after.view(SNAPSHOT_C, CFile)
        cut: list[Edit] = []
        dropped: list[str] = []
        kept: list[str] = []
        why = ""
        for inc in self.cf.includes() if left is not None else []:
            if inc.name not in moves.includes or inc.name == '"snapshot.h"':
                continue
            verdict = include_verdict(after, left, inc.name)
            if verdict.status == "unused":
                cut.append(cut_include(self.cf, SNAPSHOT_C, inc, self.rule))
                dropped.append(inc.name)
            elif verdict.status == "unknown":
                kept.append(inc.name)
                why = why or verdict.why
        return cut, dropped, kept, why

    def private_names(self, vcf: CFile, moves: Selection) -> set[str]:
        """Moved functions and variables that no file but ipc.c uses (init_ipc() is
        called from bhyverun.c): a byte search of the C files of bhyve and bhyvectl
        first, the C front end for the files that mention the name."""
        names = {n for it in moves.move if it.kind in ("function", "declaration")
                 for n in item_names(vcf, it)} - {self.code.init.name, "init_ipc"}
        others = [p for d in (BHYVE, "usr.sbin/bhyvectl") for p in self.tree.list(d)
                  if p.endswith(".c") and p != SNAPSHOT_C]
        used: set[str] = set()
        for p in others:
            data = self.tree.read(p) or b""
            maybe = {n for n in names if n.encode() in data}
            if maybe:
                other = self.tree.view(p, CFile)
                used |= {n for n in maybe if other is None or other.idents(n)}
        return names - used

    def header_edits(self, vcf: CFile, moves: Selection, moved_names: set[str],
                     private: set[str] = frozenset()):
        tree, code = self.tree, self.code
        h = tree.view(SNAPSHOT_H, CFile)
        if h is None:
            return f"{SNAPSHOT_H} does not exist"
        hdata = h.data
        moved_fns = [it.name for it in moves.move if it.kind == "function"]
        # The moved functions' prototypes leave snapshot.h; those of the ones other
        # files call go to ipc.h, init_ipc()'s last.
        edits, _ = take_prototypes(h, SNAPSHOT_H, moved_fns, self.rule)
        _, ipc_protos = take_prototypes(h, SNAPSHOT_H,
                                        [n for n in moved_fns if n not in private], self.rule)
        init_proto = next((it for it in reversed(h.items) if it.kind == "declaration"
                           and not it.is_definition and it.name == code.init.name), None)
        if init_proto is not None:
            name_at = hdata.index(code.init.name.encode(), init_proto.start)
            line = hdata[init_proto.start : init_proto.end]
            new = proto_style(line, "void", "init_snapshot(void)")
            edits.append(replace(SNAPSHOT_H, init_proto.start, init_proto.end, new, self.rule))
            ipc_protos += hdata[init_proto.start : name_at] + b"init_ipc" + hdata[
                name_at + len(code.init.name) : init_proto.end]
        else:
            ipc_protos += b"int init_ipc(struct vmctx *ctx);\n"
            last = [it for it in h.items if it.kind == "declaration" and not it.is_definition]
            if not last:
                return f"{SNAPSHOT_H} declares no functions; cannot place init_snapshot()"
            edits.append(insert(SNAPSHOT_H, last[-1].end, b"void init_snapshot(void);\n",
                                self.rule))
        # Shared macros and types: verbatim into snapshot.h, after its includes.
        if moves.share:
            text = b"".join(vcf.data[it.lead_start : it.end] for it in moves.share)
            add = add_definitions(h, SNAPSHOT_H, text, moves.share[0].name, self.rule)
            if isinstance(add, str):
                return add
            edits.append(add)
        return edits, new_header(h, IPC_H, ipc_protos)


# ----- rule: vm-checkpoint-export -------------------------------------------------------


class VmCheckpointExport(Preset, Export):
    """Make vm_checkpoint() non-static and declare it in snapshot.h.

    The socket code that moves to ipc.c calls vm_checkpoint(), which stays in
    snapshot.c.  The rule removes `static` from its definition (and from a
    static prototype, if snapshot.c has one) and adds its prototype to
    snapshot.h, made from the definition's own return type and parameter
    list, in the header's prototype style (a space or a tab between type and
    name, as its other prototypes have), wrapped at 80 columns with a
    4-space continuation as style(9) wants.  Choice: the prototype goes after
    the header's last function prototype.

    Already applied when vm_checkpoint() is not static and snapshot.h
    declares it.  Not applicable when snapshot.c has no vm_checkpoint() any
    more, or when snapshot.c registers its commands with upstream's
    IPC_COMMAND() linker set (2023 and later: the command handler next to
    vm_checkpoint() calls it, so it stays static).  A conflict when
    snapshot.c or snapshot.h is missing.
    """

    id = "vm-checkpoint-export"
    summary = "make vm_checkpoint() non-static and declare it in snapshot.h"
    files = (SNAPSHOT_C, SNAPSHOT_H)

    def __init__(self) -> None:
        super().__init__(ExportOptions("vm_checkpoint", SNAPSHOT_C, SNAPSHOT_H), id=self.id)
        self.summary = type(self).summary

    def not_applicable(self, tree: Tree, cf: CFile) -> Outcome | None:
        fn = cf.function("vm_checkpoint")
        if fn is not None and fn.storage == "static" and cf.idents("IPC_COMMAND"):
            return NotApplicable(
                f"{SNAPSHOT_C} registers its checkpoint command with IPC_COMMAND(), as upstream "
                "does now, so vm_checkpoint() is called only there and stays static")
        return None


# ----- rule: bhyverun-init-ipc ----------------------------------------------------------


#: In the call of init_ipc() and its comment: what the checkpoint thread is called now.
STALE_THREAD_WORDS = ((b"checkpointing thread", b"IPC thread"),
                      (b"checkpoint thread", b"IPC thread"))


class BhyverunInitIpc(Rule):
    """Call init_snapshot() and init_ipc() from bhyverun.c's main().

    The call `init_checkpoint_thread(ctx)`, inside main()'s existing #ifdef
    BHYVE_SNAPSHOT, becomes `init_ipc(ctx)`, keeping its error check and
    message as they are; `init_snapshot();` is a new statement before it
    (before its comment), at its indentation and followed by a blank line,
    since the save/restore locks must exist before the socket thread can
    take a request.  init_snapshot() returns void (its errors are fatal), so
    it has no error check.  In the call's statement and comment, "checkpoint
    thread" and "checkpointing thread" become "IPC thread", since the thread
    now serves every request.  `#include "ipc.h"` goes into the #ifdef that holds
    `#include "snapshot.h"`, in sorted place among the includes there.

    Already applied when bhyverun.c calls init_ipc() or upstream's
    init_ipc_thread() and includes ipc.h; a conflict when it calls none of
    init_checkpoint_thread(), init_ipc(), init_ipc_thread().
    """

    id = "bhyverun-init-ipc"
    summary = "bhyverun.c: init_checkpoint_thread() becomes init_snapshot() + init_ipc()"
    files = (BHYVERUN_C,)
    requires = ("ipc-extract",)

    def plan(self, tree: Tree) -> Outcome:
        cf = tree.view(BHYVERUN_C, CFile)
        if cf is None:
            return Conflict(f"{BHYVERUN_C} does not exist")
        data = cf.data
        changes: list[Edit] = []
        old = [i for i in cf.idents("init_checkpoint_thread") if i.kind == "ordinary"]
        new = [i for i in cf.idents("init_ipc") + cf.idents("init_ipc_thread")
               if i.kind == "ordinary"]
        if not old and not new:
            return Conflict(f"{BHYVERUN_C} calls neither init_checkpoint_thread() nor "
                            "init_ipc(): cannot tell where the socket is started")
        if old:
            kept = self.upstream_ipc_c(tree)
            if kept is not None:
                return kept
        for use in old:
            node = cf.tree.root_node.descendant_for_byte_range(use.start, use.end)
            stmt = statement_of(node)
            if stmt is None:
                return Conflict(f"init_checkpoint_thread at line {cf.line_of(use.start)} of "
                                f"{BHYVERUN_C} is not in a function body")
            changes.append(replace(BHYVERUN_C, use.start, use.end, b"init_ipc", self.id))
            # The statement's own comment, if it has one.
            top = stmt
            prev = stmt.prev_sibling
            while prev is not None and prev.type == "comment" and not has_blank_line(
                    data[prev.end_byte : top.start_byte], False):
                top = prev
                prev = prev.prev_sibling
            # Words the change made untrue: the thread serves every IPC request now.
            for stale, fresh in STALE_THREAD_WORDS:
                at = data.find(stale, top.start_byte, stmt.end_byte)
                while at >= 0:
                    changes.append(replace(BHYVERUN_C, at, at + len(stale), fresh, self.id))
                    at = data.find(stale, at + len(stale), stmt.end_byte)
            if not cf.idents("init_snapshot"):
                at = line_start(data, top.start_byte)
                indent = data[at : top.start_byte]
                changes.append(insert(BHYVERUN_C, at, indent + b"init_snapshot();\n\n", self.id))
        problem = need_include(changes, cf, BHYVERUN_C, '"ipc.h"', self.id, near='"snapshot.h"')
        if problem:
            return Conflict(problem)
        if not changes:
            return AlreadyApplied(f"{BHYVERUN_C} already starts the socket through "
                                  f"{new[0].name}() and includes ipc.h")
        return Edits(changes, "calls init_snapshot() and init_ipc() from main()")

    @staticmethod
    def upstream_ipc_c(tree: Tree) -> Outcome | None:
        """Leave the call alone when an ipc.c of upstream's, without init_ipc(), exists.

        Rewriting it would name init_ipc() and init_snapshot(), which such a
        tree does not have (upstream's ipc.c starts its socket with
        init_ipc_thread(), and its snapshot.c sets its locks up statically).
        """
        ipc = tree.view(IPC_C, CFile)
        if ipc is None:
            return None  # ipc-extract writes ipc.c, with init_ipc(), in this step
        names = {f.name for f in functions(ipc)}
        if "init_ipc" in names:
            return None
        starter = ("starts its socket with init_ipc_thread()" if "init_ipc_thread" in names
                   else "has no init_ipc()")
        snap = tree.view(SNAPSHOT_C, CFile)
        if snap is not None and snap.function("init_checkpoint_thread") is not None:
            return NotApplicable(
                f"{IPC_C} is upstream's own and {starter}; {BHYVERUN_C} calls "
                f"init_checkpoint_thread(), which {SNAPSHOT_C} still defines, so the call stays")
        return NotApplicable(
            f"{BHYVERUN_C} calls init_checkpoint_thread(), but {SNAPSHOT_C} defines no "
            f"init_checkpoint_thread() and upstream's {IPC_C} {starter}: that call needs a "
            "person, since this recipe's init_ipc() does not exist in this tree")


# ----- rule: ipc-drop-mkdir -------------------------------------------------------------


class IpcDropMkdir(Rule):
    """Stop creating /var/run/bhyve with mkdir(): mtree makes it (step 2).

    In ipc.c's socket set-up (the function calling socket()), the statement
    that calls mkdir() or a static helper of ipc.c that calls mkdir()
    (make_checkpoint_dir()), together with the `if` that checks its result
    right after it, goes, with its blank line.  A helper left unused goes
    too, with its comment and any prototype, and so do the macros only it
    used; the socket path macro BHYVE_RUN_DIR stays, as bind() still uses
    it.  Choice: an #include of ipc.c that only served mkdir() (<sys/stat.h>)
    goes as well, judged by the names the file still uses.

    Already applied when the socket set-up calls no mkdir(), directly or
    through a helper (the spring 2021 code and later); not applicable when
    ipc.c does not exist (ipc-extract did not run: the mkdir() is still in
    snapshot.c).
    """

    id = "ipc-drop-mkdir"
    summary = "ipc.c: drop the mkdir() of /var/run/bhyve from the socket set-up"
    files = (IPC_C,)
    requires = ("ipc-extract",)

    def plan(self, tree: Tree) -> Outcome:
        cf = tree.view(IPC_C, CFile)
        if cf is None:
            return NotApplicable(f"{IPC_C} does not exist, so the socket set-up was not moved "
                                 "there (ipc-extract)")
        inits = [f for f in functions(cf) if "socket" in set(callee_names(cf, f.node))]
        if not inits:
            return AlreadyApplied(f"{IPC_C} has no socket set-up that could call mkdir()")
        fns = {f.name: f for f in functions(cf)}
        spans: list[tuple[int, int, bytes]] = []
        helpers: list[Item] = []
        for init in inits:
            for name, call in named_calls(cf, init.node):
                helper = fns.get(name)
                if name == "mkdir" or (helper is not None and helper.storage == "static"
                                       and "mkdir" in set(callee_names(cf, helper.node))):
                    span = statement_and_check(cf, call)
                    if span is None:
                        return Conflict(f"mkdir() at line {cf.line_of(call.start_byte)} of "
                                        f"{IPC_C} is not a statement of its own")
                    spans.append(span)
                    if helper is not None and helper not in helpers:
                        helpers.append(helper)
        if not spans:
            return AlreadyApplied(f"the socket set-up in {IPC_C} calls no mkdir()")
        changes: list[Edit] = [replace(IPC_C, s, e, t, self.id) for s, e, t in spans]
        gone = left_unused(cf, [(s, e) for s, e, _ in spans], helpers)
        changes += delete_items(cf, gone, IPC_C, self.id)
        names = ", ".join(h.name + "()" for h in helpers if h in gone)
        reason = "drops mkdir() from the socket set-up" + (f" and removes {names}" if names else "")
        return Edits(changes, reason)
