"""The lossless C view on hand-written FreeBSD-style inputs: spans, conditions, kinds."""

from __future__ import annotations

from pathlib import Path

from refactor.c.lossless import CFile
from refactor.tree import Tree

INPUTS = Path(__file__).parent / "inputs"


def load(name: str) -> CFile:
    return CFile((INPUTS / name).read_bytes(), name)


def test_inputs_parse_without_errors():
    names = sorted(p.name for p in INPUTS.glob("*.[ch]") if p.name != "broken.c")
    assert {"vmm_sock.c", "bhyve_idioms.c", "macro_comments.c", "ifdef_else_chain.c",
            "asm_spelling.c"} <= set(names)
    for name in names:
        assert load(name).errors == [], name


def test_broken_file_reports_the_line():
    c = load("broken.c")
    assert [(e.line, e.text) for e in c.errors] == [(6, "\treturn (1 +);")]
    # The rest of the file is still listed.
    assert c.item("fine").kind == "declaration"


def test_item_kinds_and_names():
    c = load("vmm_sock.c")
    kinds = [(it.kind, it.name) for it in c.toplevel()]
    assert kinds[:4] == [("comment", ""), ("include", "<sys/cdefs.h>"), ("other", "__FBSDID"),
                         ("include", "<sys/types.h>")]
    assert ("include", '"sock.h"') in kinds
    assert ("other", "SET_DECLARE") in kinds and ("other", "DATA_SET") in kinds
    assert ("struct", "sock_client") in kinds
    assert [it.name for it in c.includes()] == [
        "<sys/cdefs.h>", "<sys/types.h>", "<sys/capsicum.h>", "<sys/queue.h>", "<pthread.h>",
        "<stdio.h>", '"sock.h"']
    assert set(c.macros()) == {"SOCK_BACKLOG", "SOCK_LOG", "SOCK_DUP"}
    cvs = c.item("sock_cv")
    assert cvs.names == ("sock_cv", "sock_done_cv") and cvs.storage == "static"
    assert c.item("sock_clients").kind == "declaration"


def test_prototype_versus_definition():
    c = load("vmm_sock.c")
    proto, body = c.items_named("sock_fatal")
    assert (proto.kind, proto.is_definition) == ("declaration", False)
    assert (body.kind, body.is_definition) == ("function", True)
    assert c.item("sock_fatal") is body
    assert c.function("sock_reply").storage == "static"


def test_exact_spans_of_a_function_with_its_comment():
    c = load("vmm_sock.c")
    fn = c.function("sock_reply")
    text = c.data
    assert text[fn.start:fn.end].startswith(b"static int\nsock_reply(")
    assert text[fn.start:fn.end].endswith(b"\treturn (0);\n}\n")
    assert text[fn.lead_start:fn.start] == b"/*\n * Answer one request.\n */\n"
    # The blank line above the comment belongs to the item.
    assert text[fn.full_start:fn.lead_start] == b"\n"
    assert (fn.start_line, fn.end_line) == (43, 59)
    lo, hi = c.body_span("sock_reply")
    assert text[lo] == ord("{") and text[hi - 1] == ord("}") and hi == fn.end - 1


def test_trailing_comment_belongs_to_its_declaration():
    c = load("vmm_sock.c")
    it = c.item("sock_count")
    assert c.text(it) == b"static int sock_count;\t\t/* live clients */\n"


def test_conditions_of_items_in_both_branches():
    c = load("vmm_sock.c")
    a, b = c.items_named("sock_snapshot")
    assert a.conditions == ("defined(BHYVE_SNAPSHOT)",)
    assert b.conditions == ("!defined(BHYVE_SNAPSHOT)",)
    assert c.text(b) == b"static long sock_snapshot;\n"
    block = a.parent
    assert block.kind == "conditional" and block.name == "defined(BHYVE_SNAPSHOT)"
    assert block.children == [a, b]
    assert c.text(block).endswith(b"#endif /* BHYVE_SNAPSHOT */\n")
    inc = c.item("<sys/capsicum.h>")
    assert inc.conditions == ("!defined(WITHOUT_CAPSICUM)",)


def test_header_guard_and_nested_conditions():
    c = load("vmm_sock.h")
    guard = c.toplevel()[1]
    assert guard.kind == "conditional" and guard.name == "!defined(_SOCK_H_)"
    assert c.typedef_names() == {"sock_reply_t"}
    op = c.item("sock_op")
    assert op.kind == "enum" and "SOCK_OP_SUSPEND" in op.names
    (suspend,) = c.idents("SOCK_OP_SUSPEND")
    assert suspend.conditions == ("!defined(_SOCK_H_)", "defined(BHYVE_SNAPSHOT)")
    assert [it.name for it in c.items if it.kind == "other"] == ["__BEGIN_DECLS", "__END_DECLS"]
    assert c.item("sock_shutdown").is_definition is False


def test_identifier_kinds():
    c = load("vmm_sock.c")

    def kinds(name):
        return {i.kind for i in c.idents(name)}

    assert kinds("sock_count") == {"ordinary"}
    assert kinds("pthread_cond_t") == {"type"}
    assert kinds("sock_client") == {"tag"}
    assert kinds("sock_handler") == {"tag"}  # in SET_DECLARE(.., struct sock_handler)
    assert kinds("sc_fd") == {"field"}
    assert kinds("sh_name") == {"field"}  # designated initialiser
    assert kinds("SOCK_DUP") == {"macro"}
    assert kinds("WITHOUT_CAPSICUM") == {"macro"}
    assert kinds("found") == {"label"}
    # In a macro body, in DATA_SET(...) and in the code.
    spots = [c.line_of(i.start) for i in c.idents("sock_count")]
    assert spots == [25, 36, 56]
    assert [c.line_of(i.start) for i in c.idents("sock_default_handler")] == [67, 71]
    # Strings and comments are never identifiers.
    assert not c.idents("capsicum") and not c.idents("clients")


def test_identifiers_in_every_branch():
    src = b"#ifdef X\nint a;\n#else\nlong a;\n#endif\n"
    c = CFile(src, "t.c")
    assert [(i.name, i.conditions) for i in c.idents("a")] == [
        ("a", ("defined(X)",)), ("a", ("!defined(X)",))]
    elif_src = b"#if A > 1\nint p;\n#elif defined B\nint q;\n#else\nint r;\n#endif\n"
    c = CFile(elif_src, "t.c")
    assert c.idents("q")[0].conditions == ("!(A > 1)", "defined(B)")
    assert c.idents("r")[0].conditions == ("!(A > 1)", "!defined(B)")


def test_conditional_inside_a_string_concatenation():
    c = load("vmm_sock.c")
    assert c.errors == []
    fn = c.function("sock_fatal")
    assert fn.is_definition and c.text(fn).endswith(b"\texit(1);\n}\n")


def test_hidden_branch_identifiers_are_kept():
    src = (b"static const int tab[] = {\n\tONE,\n#ifdef X\n\tTWO,\n#else\n\tTHREE,\n#endif\n"
           b"\tFOUR\n};\n")
    c = CFile(src, "t.c")
    assert c.errors == []
    assert c.idents("TWO")[0].conditions == ("defined(X)",)
    assert c.idents("THREE")[0].conditions == ("!defined(X)",)
    assert c.idents("FOUR")[0].conditions == ()


def test_crlf_spans():
    data = (INPUTS / "vmm_sock.c").read_bytes().replace(b"\n", b"\r\n")
    c = CFile(data, "crlf.c")
    assert c.errors == []
    fn = c.function("sock_reply")
    assert c.text(fn).startswith(b"static int\r\nsock_reply(")
    assert c.text(fn).endswith(b"}\r\n")
    assert data[fn.full_start:fn.lead_start] == b"\r\n"
    assert c.line_of(fn.start) == 43
    d = c.item("SOCK_LOG")
    assert c.text(d).endswith(b"##__VA_ARGS__)\r\n")


def test_latin1_and_missing_final_newline():
    data = b"/* caf\xe9 */\nint a;\nint b;"
    c = CFile(data, "l.c")
    assert c.errors == []
    b = c.item("b")
    assert c.text(b) == b"int b;" and b.end == len(data)
    assert c.item("a").lead_start == 0  # the comment sits directly above


def test_tree_view_factory(tmp_path):
    (tmp_path / "x.c").write_bytes(b"int x;\n")
    tree = Tree.from_dir(tmp_path)
    c = tree.view("x.c", CFile)
    assert c.path == "x.c" and c.item("x").kind == "declaration"
    assert tree.view("x.c", CFile) is c


def test_idioms_of_bhyve_are_items():
    c = load("bhyve_idioms.c")
    assert c.item("toy_vcpu_init", "function").is_definition
    assert c.item("toy_names").kind == "declaration"
    assert c.item("SET_DECLARE").names == ("toy_dsdt_set", "toy_dsdt")
    assert c.item("toy_hdr").kind == "struct"
    assert [i.conditions for i in c.idents("te_snapshot")] == [("defined(BHYVE_SNAPSHOT)",)]


def test_comment_before_a_line_continuation():
    c = load("macro_comments.c")
    caps = c.item("VTCON_HOSTCAPS", "define")
    assert (caps.start_line, caps.end_line) == (7, 9)
    assert c.text(caps).endswith(b"/* more than one port */\n")
    assert {i.name for i in c.idents() if i.start < caps.end and i.start >= caps.start} == {
        "VTCON_HOSTCAPS", "VTCON_F_SIZE", "VTCON_F_MULTIPORT"}
    assert c.function("vtcon_nports").start_line == 19


def test_if_cutting_an_else_chain():
    c = load("ifdef_else_chain.c")
    assert [f.name for f in c.items if f.kind == "function"] == ["shape_parse", "start_guest"]
    assert c.idents("MAXCPUS_KEY")[0].conditions == ("defined(notyet)",)
    assert c.idents("restore_guest")[0].conditions == ("defined(BHYVE_SNAPSHOT)",)
    assert c.idents("boot_guest")[0].conditions == ()
    assert c.text(c.function("start_guest")).endswith(b"\t\tboot_guest();\n\t}\n}\n")


def test_keyword_spellings_of_cdefs():
    c = load("asm_spelling.c")
    assert [f.name for f in c.items if f.kind == "function"] == ["tsc_read", "cpu_relax"]
    assert c.item("tsc_name").kind == "declaration"


def test_idents_between_is_the_same_as_a_scan():
    from refactor.c.lossless import CFile

    src = b"int a;\nint f(int b) { return a + b; }\nint g(void) { return f(a); }\n"
    cf = CFile(src, "t.c")
    for fn in ("f", "g"):
        it = cf.function(fn)
        want = [i for i in cf.identifiers if it.start <= i.start < it.end]
        assert cf.idents_between(it.start, it.end) == want
    assert [i.name for i in cf.idents_between(0, 6)] == ["a"]


# ----- shapes of real trees that tree-sitter-c does not follow alone -------------
# Each snippet is written for the test, in the shape found in FreeBSD sources.

def _clean(src: bytes) -> CFile:
    cf = CFile(src, "shape.c")
    assert cf.errors == [], cf.errors
    assert cf.masked.count(b"\n") == src.count(b"\n") and len(cf.masked) == len(src)
    return cf


def test_old_style_definition_returning_a_pointer():
    src = (b"static char *\nlookup(tab, key)\n\tchar **tab;\n\tconst char *key;\n"
           b"{\n\treturn (tab[0]);\n}\n\nint\nother(void)\n{\n\treturn (0);\n}\n")
    cf = _clean(src)
    assert [it.name for it in cf.items if it.kind == "function"] == ["lookup", "other"]
    assert len(cf.idents("key")) == 2 and len(cf.idents("tab")) == 3


def test_prototype_with_a_name_list_is_left_alone():
    # Only a definition head loses its '*'s, never a prototype's code.
    src = b"char *f(int, char *);\nchar *\ng(a)\n\tint a;\n{\n\treturn (0);\n}\n"
    cf = _clean(src)
    assert cf.masked.startswith(b"char *f(int, char *);")


def test_if_head_ending_a_conditional_branch():
    src = (b"void\nf(int e)\n{\n#ifdef CHECK\n\te = check(e);\n\tif (e == 0)\n#endif\n"
           b"\t\tapply(e);\n\tdone(e);\n}\n")
    cf = _clean(src)
    assert [i.conditions for i in cf.idents("check")] == [("defined(CHECK)",)]
    assert len(cf.idents("apply")) == 1


def test_if_head_in_each_branch():
    src = (b"void\nf(int c)\n{\n#ifdef OLD\n\tif (c == 1 || c == 2)\n#else\n\tif (c == 1)\n"
           b"#endif\n\t\tput(c);\n\telse\n\t\tget(c);\n}\n")
    cf = _clean(src)
    assert len(cf.idents("c")) == 6  # the hidden branch's words are still listed


def test_table_of_bare_macro_rows():
    src = (b"static const struct name names[] = {\n\tROW(A, \"a\")\n\tROW(B, \"b\")"
           b" ROW(C, \"c\")\n\t{ 0, NULL }\n};\n")
    cf = _clean(src)
    assert [i.start for i in cf.idents("ROW")] == [m.start() for m in
                                                  __import__("re").finditer(rb"ROW", src)]
    assert cf.idents("C")


def test_file_scope_rows_and_a_loop_macro_nobody_declared():
    src = (b"EMIT_OPS(1, uint8_t)\nEMIT_OPS(2, uint16_t)\n\nvoid\nf(struct h *h)\n{\n"
           b"\tstruct n *p;\n\n\tfor_each_node(p, h) {\n\t\tuse(p);\n\t}\n"
           b"\tDO_THING(h)\n}\n")
    cf = _clean(src)
    kinds = [(it.kind, it.name) for it in cf.toplevel()]
    assert kinds[:2] == [("other", "EMIT_OPS"), ("other", "EMIT_OPS")]
    assert ("function", "f") in kinds
    assert len(cf.idents("p")) == 3 and cf.idents("DO_THING")


def test_a_call_that_ends_an_expression_is_no_row():
    # `f(x) + 1`, `g(y);` and `h(z)` before `}` of an initializer are left as they are.
    src = b"int v = f(x) + 1;\nint w[] = { g(y), h(z) };\nvoid k(void) { g(y); }\n"
    cf = _clean(src)
    assert cf.masked == src


def test_label_before_a_directive_or_a_brace():
    src = (b"int\nf(int x)\n{\n\tif (x)\n\t\tgoto out;\n\tx++;\nout:\n#ifdef TRACE\n"
           b"\ttrace(x);\n#endif\n\treturn (x);\nfail:\n}\n")
    cf = _clean(src)
    assert [i.kind for i in cf.idents("out")] == ["label", "label"]
    assert [i.kind for i in cf.idents("fail")] == ["label"]


def test_a_type_macro_before_a_declarator_is_no_row():
    src = (b"struct q {\n\tQ_ENTRY(q) link;\n\tint x;\n};\nvoid\nf(void)\n{\n\tM(1)\n"
           b"\tQ_HEAD(h, q) *hp;\n}\n")
    cf = CFile(src, "shape.c")
    assert b"Q_ENTRY(q) link;" in cf.masked and b"M(1)" not in cf.masked
    # a head in queue(3)'s shape declares `struct h`, never a row
    assert [r.kind for r in cf.regions if r.name == "Q_HEAD"] == ["queue-head"]
    assert cf.errors == []


def test_branch_that_closes_or_reopens_a_brace():
    src = (b"void\nf(int c)\n{\n#ifdef COMPAT\n\tif (c) {\n#endif\n\t\tnative(c);\n"
           b"#ifdef COMPAT\n\t} else {\n\t\tcompat(c);\n\t}\n#endif\n}\n"
           b"void\ng(int c)\n{\n#ifdef SMP\n\tfor (;;) {\n#endif\n\t\tstep(c);\n#ifdef SMP\n"
           b"\t}\n#endif\n}\n")
    cf = _clean(src)
    assert [it.name for it in cf.items if it.kind == "function"] == ["f", "g"]
    assert cf.idents("compat") and cf.idents("step")


def test_empty_macros_before_a_type_and_after_a_declarator():
    src = (b"GLOBAL void\nstart(int n)\n{\n}\n\nLOCAL INLINE u32 count;\n"
           b"static u64 ticks ALIGNED;\nstatic int\ncb(int arg UNUSED_ARG, int x)\n{\n"
           b"\treturn (x);\n}\n")
    cf = _clean(src)
    assert [it.name for it in cf.items if it.kind == "function"] == ["start", "cb"]
    assert {"GLOBAL", "LOCAL", "INLINE", "ALIGNED", "UNUSED_ARG"} <= {i.name for i in
                                                                       cf.identifiers}
    assert cf.item("count").kind == "declaration" and cf.item("ticks").kind == "declaration"


def test_extern_and_struct_declarations_keep_their_words():
    src = (b"extern u32 wait_a;\nstatic struct tag var;\nstruct s { int a; } x;\n"
           b"int broken = ;\n")
    cf = CFile(src, "shape.c")
    assert [e.line for e in cf.errors] == [4]
    assert cf.masked[:src.index(b"int broken")] == src[:src.index(b"int broken")]


def test_local_and_private_are_plain_names():
    src = (b"int\nf(struct p *p)\n{\n\tint n, local;\n\n\tlocal = p->private;\n"
           b"\treturn (local + n);\n}\n")
    cf = _clean(src)
    assert [i.name for i in cf.idents("local")] == ["local"] * 3
    assert [i.kind for i in cf.idents("private")] == ["field"]


def test_types_and_member_paths_as_macro_arguments():
    src = (b"void\nf(struct m *m, int n)\n{\n\tstruct v *p;\n\n"
           b"\tALLOC(p, struct v *, n * 2, 0);\n\tq = GET(m, char *);\n"
           b"\tPROBE(wait, unsigned int, n);\n"
           b"\tn = offsetof(struct m, hdr.len) + offsetof(struct m, tab[n + 1]);\n}\n")
    cf = _clean(src)
    assert [i.kind for i in cf.idents("v")] == ["tag", "tag"]
    assert cf.idents("hdr") and cf.idents("tab")
    # A prototype's parameters are no macro arguments.
    src2 = b"int g(struct v *p, unsigned int n);\n"
    assert CFile(src2, "p.c").masked == src2


def test_tokens_pasted_into_names_and_an_empty_last_argument():
    src = (b"static const struct card cards[] = {\n\tCARD(ACME, 3C589),\n\tCARD(ACME, 2a),\n"
           b"\t{ 0 }\n};\n\nvoid\nf(struct m *m, int off, int len)\n{\n"
           b"\tCHECK(m, off, len,);\n}\n")
    cf = _clean(src)
    assert cf.idents("ACME") and len(cf.idents("len")) == 2


def test_file_scope_declaration_macro_with_a_type_and_a_storage_class_under_if():
    src = (b"PCPU_STAT(struct ipstat, ipstat);\n\n#ifdef KERNEL\nstatic\n#endif\n"
           b"struct mod m = { 1 };\n\nstatic _Thread_local int depth;\n")
    cf = _clean(src)
    assert [(it.kind, it.name) for it in cf.toplevel()][0] == ("other", "PCPU_STAT")
    assert cf.item("depth").kind == "declaration"
    assert cf.idents("ipstat")


def test_if_right_after_else_and_in_a_conditional_expression():
    src = (b"void\nf(int d)\n{\n\tif (d == 0)\n\t\td = 1;\n\telse\n#ifdef ALT\n\t\td = alt(d);\n"
           b"#else\n\t\td = 2;\n#endif\n\tput(d ? name(d) :\n#ifdef SIX\n\t    six(d),\n"
           b"#else\n\t    \"none\",\n#endif\n\t    d);\n}\n")
    cf = _clean(src)
    assert cf.idents("alt") and cf.idents("six") and len(cf.idents("d")) == 10


def test_if_zero_cutting_an_else_reads_its_else_branch():
    src = (b"void\nf(int r)\n{\n\tif (r)\n\t\tfail();\n\telse\n\t\tok();\n#if 0\n\telse {\n"
           b"\t\tnever();\n\t}\n#endif\n\tif (r) {\n\t\tone();\n#if 0\n\t} else {\n#endif\n"
           b"\t\ttwo();\n\t}\n}\n")
    cf = _clean(src)
    assert [i.conditions for i in cf.idents("never")] == [("0",)]
    assert cf.idents("two")


def test_gnu_case_ranges():
    src = (b"int\nf(int c)\n{\n\tswitch (c) {\n\tcase LO ... HI:\n\t\treturn (1);\n"
           b"\tcase 'a' ... 'z':\n\t\treturn (2);\n\t}\n\treturn (0);\n}\n")
    cf = _clean(src)
    assert cf.idents("LO") and cf.idents("HI")


def test_if_among_the_rows_of_an_initializer():
    src = (b"struct ops *all[] = {\n#ifdef WITH_A\n\t&ops_a,\n#endif\n\t&ops_b,\n\tNULL\n};\n"
           b"void\nf(void)\n{\n\tstatic const struct tab t[] = {\n\t\t{ ONE, one },\n"
           b"#ifdef CACHE\n\t\tCACHE_ROW(&info)\n#endif\n\t\t{ NULL, NULL }\n\t};\n"
           b"\tuse(t);\n}\n")
    cf = _clean(src)
    assert cf.idents("ops_a") and cf.idents("CACHE_ROW") and cf.idents("info")
    assert [it.name for it in cf.items if it.kind == "function"] == ["f"]


def test_statements_as_macro_arguments_and_old_token_pasting():
    src = (b"#define PASTE(x) strlen(sprintf/**/x)\t/* the old way */\n"
           b"int\nf(struct m *m, int len)\n{\n\tCHECK_LEN(m, len, return (EINVAL));\n"
           b"\tFAIL_POINT(fp, goto out);\n\treturn (0);\nout:\n\treturn (1);\n}\n")
    cf = _clean(src)
    assert [i.kind for i in cf.idents("out")] == ["label", "label"]
    assert cf.masked.startswith(b"#define PASTE(x) strlen(sprintf    x)\t/* the old way */")


def test_constexpr_as_a_name_in_old_code():
    src = b"static int constexpr;\n\nint\nf(void)\n{\n\tconstexpr = 1;\n\treturn (constexpr);\n}\n"
    cf = _clean(src)
    assert len(cf.idents("constexpr")) == 3


def test_designators_and_a_switch_macro():
    src = (b"static const struct desc d = {\n\tSET(.bcdUSB, 0x0300),\n\t.len = 4,\n};\n"
           b"void\nf(struct sc *sc)\n{\n\tswitch SUBTYPE(sc->media) {\n\tcase 1:\n\t\tbreak;\n"
           b"\t}\n}\n")
    cf = _clean(src)
    assert cf.idents("bcdUSB") and cf.idents("SUBTYPE") and cf.idents("media")


def test_else_right_after_an_endif():
    src = (b"void\nf(struct p *p)\n{\n#ifdef SIX\n\tif (p->six) {\n\t\tsix(p);\n\t}\n#endif\n"
           b"#if defined(SIX) && defined(FOUR)\n\telse\n#endif\n#ifdef FOUR\n\t{\n\t\tfour(p);\n"
           b"\t}\n#endif\n}\n")
    cf = _clean(src)
    assert cf.idents("six") and cf.idents("four")


def test_a_word_between_a_type_and_its_star_and_an_include_among_rows():
    src = (b"int\nf(struct hw UNUSED_ARG *hw, u16 UNUSED_ARG *c)\n{\n\treturn (0);\n}\n"
           b"static const struct kw keywords[] = {\n#include \"keywords.h\"\n\t{ 0, 0 }\n};\n")
    cf = _clean(src)
    assert cf.function("f") is not None and len(cf.idents("UNUSED_ARG")) == 2
    assert [i.kind for i in cf.idents("hw")] == ["tag", "ordinary"]


def test_error_at_covers_the_whole_line_and_names_it():
    src = b"int a;\nint b = a + ;\nint c;\n"
    cf = CFile(src, "e.c")
    line2 = src.index(b"int b")
    err = cf.error_at(line2, line2 + 3)  # `int`, not the token tree-sitter marked
    assert err is not None and err.line == 2
    assert err.plain("e.c") == "e.c:2: cannot parse int b = a + ;"
    assert cf.error_at(0, 6) is None and cf.error_at(src.index(b"int c"), len(src)) is None
    # An insertion at the start of the line, or past its break, only moves it.
    assert cf.error_at(line2, line2) is None
    assert cf.error_at(src.index(b"int c"), src.index(b"int c")) is None
    assert cf.error_at(line2 + 4, line2 + 4) is not None


def test_register_with_no_type_is_an_implicit_int():
    src = (b"int\ncount(s)\n\tchar *s;\n{\n\tregister n, k = 0;\n\tregister char *p;\n\n"
           b"\tfor (p = s, n = 0; *p; p++)\n\t\tn++;\n\treturn (n + k);\n}\n")
    cf = _clean(src)
    assert len(cf.data) == len(cf.masked) and cf.masked.count(b"\n") == src.count(b"\n")
    assert [i.kind for i in cf.idents("n")] == ["ordinary"] * 4
    assert b"register char *p" in cf.masked  # a typed declaration is left alone


def test_a_cast_to_a_function_pointer_returning_a_typedef():
    src = (b"static my_int_t (*hook)(void *, int);\n"
           b"void\nreset(void)\n{\n\thook = (my_int_t (*)(void *, int))do_nothing;\n"
           b"\tn = sizeof(my_int_t (*)(void));\n}\n")
    cf = _clean(src)
    assert len(cf.idents("my_int_t")) == 3 and len(cf.idents("do_nothing")) == 1
    assert cf.function("reset") is not None


def test_prose_and_half_code_under_if_zero_are_no_errors():
    # `#if 0` holds what no compiler reads: a paragraph, or a draft whose
    # parameter list ends in `;`.  Its words are still listed.
    src = (b"#include <stdio.h>\n\n#if 0 /* notes */\nHere we say what the code\n"
           b"(below) does, and why it's kept.\n#endif\n\n#if 0\n"
           b"static int draft(struct zone *z;\n\tchar *buf)\n{\n\treturn (0);\n}\n"
           b"#else\nint kept;\n#endif\n\nint\nmain(void)\n{\n\treturn (0);\n}\n")
    cf = _clean(src)
    assert cf.function("main") is not None and cf.idents("kept")
    assert [i.conditions for i in cf.idents("draft")] == [("0",)]


def test_loop_macro_with_a_type_among_its_arguments():
    src = (b"int\ncount(struct head *h)\n{\n\tstruct elem *e;\n\tint n = 0;\n\n"
           b"\tELEM_LIST_FOR_EACH_ENTRY(e, &h->list, link,\n\t    struct elem)\n\t\tn++;\n"
           b"\tlist_for_each_entry(e, &h->other, link) {\n\t\tn++;\n\t}\n\treturn (n);\n}\n")
    cf = _clean(src)
    assert [i.kind for i in cf.idents("elem")] == ["tag", "tag"] or cf.idents("elem")
    assert len(cf.idents("e")) == 3 and cf.idents("link")


def test_a_type_argument_on_its_own_line_keeps_the_line_count():
    # The `0` standing for the type goes where the type is, not on the line break.
    src = b"void\nf(void)\n{\n\tp = ALLOC(n,\n\t    struct nfsfh *);\n\tbad(;\n}\n"
    cf = CFile(src, "shape.c")
    assert cf.masked.count(b"\n") == src.count(b"\n")
    assert [e.line for e in cf.errors] == [6]


def test_two_function_heads_under_if_share_one_body():
    src = (b"#if VERSION >= 10\nstatic int\nout(struct ifnet *ifp,\n\tconst struct sockaddr *dst)\n"
           b"#else\nstatic int\nout(struct ifnet *ifp,\n\tstruct sockaddr *dst)\n#endif\n{\n"
           b"\treturn (send(ifp, dst));\n}\n")
    cf = _clean(src)
    assert cf.function("out") is not None and len(cf.idents("dst")) == 3


def test_function_defining_macro_rows_up_to_the_end_of_the_file():
    src = (b"#define\tDECL(type, f, g)\ttype f(type x) { return (g(x)); }\n\n"
           b"DECL(double, near, rint)\nDECL(float, nearf, rintf)\n"
           b"DECL(long double, nearl, rintl)\n")
    cf = _clean(src)
    assert cf.idents("nearl") and cf.idents("rint")


def test_two_string_macros_before_a_literal():
    # printk(KERN_ERR PFX "..."): both macros expand to strings.
    src = (b"void\nf(int n)\n{\n\tprintk(KERN_ERR PFX \"bad %d\\n\", n);\n"
           b"\tmsg = LEVEL TAG \"x\" SUFFIX;\n}\n")
    cf = _clean(src)
    assert cf.idents("KERN_ERR") and cf.idents("PFX") and cf.idents("LEVEL")


def test_a_macro_joined_to_a_string_is_listed():
    cf = _clean(b"void\ng(uint64_t v)\n{\n\tprintf(\"%\" PRIu64 \"\\n\", v);\n"
                b"\tputs(TAG \"y\");\n}\n")
    assert cf.idents("PRIu64") and cf.idents("TAG")


def test_an_object_like_statement_macro_alone_on_its_line():
    # PRIV_START / PRIV_END (lpr), DBG_ENTER: macros that expand to statements.
    src = (b"int\nf(int fd)\n{\n\tint res;\n\n\tPRIV_START\n\tres = unlink(path);\n"
           b"\tPRIV_END\n\tif (res < 0)\n\t\treturn (res);\n\tTRACE_OUT\n}\n")
    cf = _clean(src)
    assert cf.idents("PRIV_START") and cf.idents("PRIV_END") and cf.idents("TRACE_OUT")
    assert cf.function("f") is not None


def test_a_return_type_on_its_own_line_is_no_statement_macro():
    src = b"int x;\nuint32_t\nf(void)\n{\n\treturn (0);\n}\nbad(;\n"
    cf = CFile(src, "shape.c")
    assert cf.function("f") is not None and [e.line for e in cf.errors] == [7]


def test_statements_and_blocks_as_macro_arguments():
    src = (b"void\nf(int m)\n{\n\tDEB(if (m & 4) printf(\"x\\n\"););\n"
           b"\tDODEBUG(START, printf(\"%d\\n\", m););\n"
           b"\tKEYDBG(DUMP,\n\t    printf(\"%s: \", __func__); dump(m));\n"
           b"\tLOOP(*dst = *src; src++; dst++);\n}\n")
    cf = _clean(src)
    assert len(cf.idents("m")) == 4 and cf.idents("dump") and cf.idents("dst")


def test_an_else_branch_cutting_an_expression():
    src = (b"int\nf(int a, int b)\n{\n\tif (a == 0 ||\n#ifdef INET6\n\t    b == 6)\n#else\n"
           b"\t    b == 4)\n#endif\n\t\treturn (1);\n\tsc->state =\n#if DBG\n\t    a;\n#else\n"
           b"\t    b;\n#endif\n\treturn (0);\n}\n")
    cf = _clean(src)
    assert cf.function("f") is not None and len(cf.idents("b")) == 4


def test_attributes_after_a_declarator():
    src = (b"extern int\t_DYNAMIC __attribute__ ((weak));\n"
           b"u_char root[SIZE * 1024] __attribute__ ((section (\"oldmfs\")));\n"
           b"static const struct {\n\tint32_t namesz;\n} tag __attribute__ ((section"
           b" (NOTE_SECTION), aligned(4))) __used = {\n\t.namesz = 8,\n};\n")
    cf = _clean(src)
    assert cf.idents("NOTE_SECTION") and [it.name for it in cf.items][:2] == ["_DYNAMIC", "root"]


def test_macros_that_expand_to_strings_beside_a_call_or_a_word():
    src = (b"void\nf(void)\n{\n\tfd = open(_PATH_DEV MDCTL_NAME, O_RDWR, 0);\n"
           b"\tprintf(\"elf\" __XSTRING(__ELF_WORD_SIZE) \": loaded\\n\");\n"
           b"\tname = __XSTRING(VERSION)\"/\"MACHINE_ARCH;\n}\n")
    cf = _clean(src)
    assert cf.idents("_PATH_DEV") and cf.idents("MDCTL_NAME") and cf.idents("__ELF_WORD_SIZE")


def test_words_around_a_file_scope_declarator():
    src = (b"private const el_action_t el_map[] = {\n\tED_INSERT,\n};\n"
           b"PRIVATE int do_readtab = 0;\n"
           b"static char *\nEFIAPI\nformat(IN OUT struct path *dp, OUT struct buf *bp)\n"
           b"{\n\treturn (0);\n}\n"
           b"static struct lock_delay_config __read_frequently mtx_delay;\n"
           b"static void usage(void) _Noreturn;\n")
    cf = _clean(src)
    assert [it.name for it in cf.items if it.kind == "function"] == ["format"]
    assert cf.idents("EFIAPI") and len(cf.idents("OUT")) == 2


def test_a_function_head_made_by_a_macro():
    # DEFINE_IFUNC(qual, ret_type, name, args, resolver_qual) heads a resolver.
    src = (b"int fubyte_smap(volatile const void *base);\n"
           b"DEFINE_IFUNC(, int, fubyte, (volatile const void *), static)\n{\n"
           b"\treturn (smap ? fubyte_smap : fubyte_nosmap);\n}\n"
           b"DEFINE_UIFUNC(QUAL, int, getsize, (void), RESOLVER_QUAL)\n{\n\treturn (0);\n}\n")
    cf = _clean(src)
    assert cf.function("fubyte") is not None and len(cf.idents("DEFINE_IFUNC")) == 1
    assert cf.function("getsize") is not None
    assert len(cf.idents("QUAL")) == 1 and len(cf.idents("RESOLVER_QUAL")) == 1


def test_unnamed_bitfields():
    src = (b"struct regs {\n\tu_int32_t\tspeed;\n\tunsigned\t\t\t: 3;\n\tuint32_t\t:7,\n"
           b"\t\tfmt:2;\n\tint :1;\n};\n")
    cf = _clean(src)
    assert cf.item("regs") is not None and cf.idents("fmt")


def test_type_macros_with_an_empty_first_argument_and_linux_heads():
    src = (b"struct area {\n\t_HASH_HEAD(, mapper, HASH_SIZE)\t ma_cache;\n"
           b"\tCK_SLIST_HEAD(, entry) listhead;\n\tMIDIQ_HEAD(, char) inq, outq;\n};\n"
           b"static LIST_HEAD(err_list);\n"
           b"static RB_PROTOTYPE(ifhead, kif, tree, compare);\n"
           b"static CK_LIST_HEAD(, owner)\t\towners;\n")
    cf = _clean(src)
    assert cf.idents("err_list") and cf.idents("compare") and cf.idents("owners")


def test_annotation_calls_before_a_parameter_type():
    src = (b"int\nnext_keyword(\n\t__in_bcount(size)\tcaddr_t tag,\n\t__in\t\t\tsize_t size,\n"
           b"\t__out\t\t\tunsigned int *keyp)\n{\n\treturn (0);\n}\n")
    cf = _clean(src)
    assert cf.function("next_keyword") is not None and len(cf.idents("size")) == 2


def test_abstract_pointer_declarators_after_a_typedef_name():
    src = (b"static daddr_t hashalloc(struct inode *, int,\n"
           b"\t\t     daddr_t (*)(struct inode *, int, daddr_t, int));\n"
           b"void\nf(void)\n{\n\tg((const struct quirk (*)[])&table);\n"
           b"\tuint8_t buf[EVT_SIZE(struct version)];\n}\n")
    cf = _clean(src)
    assert cf.function("f") is not None and cf.idents("table")


def test_a_statement_macro_without_a_semicolon_as_an_if_body():
    src = (b"void\nf(int x)\n{\n\tif (x)\n\t\tWR_LEAF(dest, data, x)\n\telse\n\t\tg();\n"
           b"\tif (x)\n\t\tDebug(LOAD, (\"%s\\n\", name))\n\tnext = x;\n}\n")
    cf = _clean(src)
    assert cf.idents("WR_LEAF") and cf.idents("name") and cf.function("f") is not None


def test_a_type_argument_in_an_if_body():
    src = (b"void\nf(int x)\n{\n\tif (x)\n\t\tMALLOC(rep, struct nfsreq *, sizeof(*rep),\n"
           b"\t\t    M_NFSDREQ, M_WAITOK);\n}\n")
    cf = _clean(src)
    assert cf.idents("nfsreq") and cf.idents("rep") and cf.idents("M_WAITOK")


def test_a_group_an_error_touches_is_read_as_its_first_branch():
    # `static __inline` kept for some builds: the group ends in attributes.
    src = (b"#ifdef INLINE_REM\nstatic __inline __always_inline\n#endif\nint\n"
           b"rem(double x, double *y)\n{\n\treturn (0);\n}\n"
           b"static void\t\tchild(int),\n#if DEBUG\n\t\t\tdump(int),\n#endif\n"
           b"\t\t\thandler(int);\n")
    cf = _clean(src)
    assert cf.function("rem") is not None and cf.idents("dump") and cf.idents("handler")


def test_roff_comment_lines_heading_a_program_kept_for_a_paper():
    src = (b'.\\" Copyright (c) 1986\n.\\"\n.\\"\t@(#)pipe.c\t8.1\n#include <stdio.h>\n\n'
           b"int\nmain(void)\n{\n\treturn (0);\n}\n")
    cf = _clean(src)
    assert cf.function("main") is not None


def test_a_word_between_a_base_type_and_its_star():
    src = (b"struct db {\n\tvoid OSAL_IOMEM\t\t*db_addr;\n};\n"
           b"int\nrx_start(u16 size,\n\t    void OSAL_IOMEM **pp_prod)\n{\n\treturn (0);\n}\n"
           b"static void lock_cqs(struct cq *a)\n\t__acquires(&a->lock);\n")
    cf = _clean(src)
    assert cf.idents("OSAL_IOMEM") and cf.function("rx_start") is not None


def test_a_null_directive_and_a_comment_over_lines_in_a_define():
    src = (b"#define\tMAXARGS\t16384\n#\n\n#define\tGO_LEFT() do {\t\\\n\tif (x) {\t\\\n"
           b"\t\t/*\t\t\\\n\t\t * the root node.\t\\\n\t\t */\t\t\\\n\t\tleaf = x;\t\\\n"
           b"\t}\t\t\\\n} while (0)\n\nint y;\n")
    cf = _clean(src)
    assert "GO_LEFT" in cf.macros() and cf.item("y") is not None


def test_statement_macros_before_else_and_rows_before_a_brace():
    src = (b"int\nf(int c)\n{\n\tfor (;;) {\n\t\tc = getc(in);\n\t\tCHECKOOB(return (-1))\n"
           b"\t\telse if (c == EOF)\n\t\t\tbreak;\n\t\tDebug(LOAD, (\"%s\\n\", name))\n"
           b"\t\tnext = c;\n\t}\n\treturn (0);\n}\n"
           b"static struct vec shm_vec[] = { SHMINFO_XVEC { .sysctl = NULL } };\n")
    cf = _clean(src)
    assert cf.idents("CHECKOOB") and cf.idents("SHMINFO_XVEC") and cf.function("f") is not None


def test_a_comment_over_lines_after_an_endif_at_the_end_of_the_file():
    _clean(b"#if A\nint x;\n#endif\t/* A || B ||\n\t   C */\n")


def test_printf_conversions_as_macro_arguments():
    src = (b"void\nprint_facts(struct softc *sc, struct facts *facts)\n{\n"
           b"\tPRINTFIELD(sc, facts, MsgVersion, 0x%x);\n\tPRINTFIELD(sc, facts, Ports, %d);\n}\n")
    cf = _clean(src)
    assert len(cf.idents("facts")) == 4 and cf.idents("Ports")


def test_a_brace_list_as_a_macro_argument():
    src = (b"const struct hw table[] = {\n\tHW_MATCH(\"PCI/v0\", v0,\n\t\t/* PCI */\n\t\t{\n"
           b"\t\t\tCORE_VENDOR\t(MFGID_BCM),\n\t\t\tCORE_UNIT\t(0)\n\t\t},\n"
           b"\t\t{ CORE_CLASS(DEVCLASS_PCI) }),\n\t{ NULL }\n};\n")
    cf = _clean(src)
    assert cf.idents("MFGID_BCM") and cf.idents("DEVCLASS_PCI")


def test_a_function_named_like_a_type_argument_macro_is_declared():
    # Some program's `#define swap(t, a, b)` takes a type; dc(1) declares its own swap().
    src = b"static void\t\t swap(void);\nstatic void\nswap(void)\n{\n\tpush(pop());\n}\n"
    cf = _clean(src)
    assert cf.function("swap") is not None and b"swap(void);" in cf.masked


def test_a_function_with_no_type_is_an_implicit_int_definition():
    # K&R's implicit int on a function: tree-sitter-c reads no definition without
    # a type, so the head is read apart and joined to its body as one item.
    src = (b"#include <stdio.h>\n\nmain()\n{\n\treturn (helper(1));\n}\n\n"
           b"static\ncmp(a, b)\n\tconst void *a, *b;\n{\n\treturn (*(int *)a - *(int *)b);\n}\n\n"
           b"XqueryIdle(char *d)\n{\n\treturn (d != 0);\n}\n\n"
           b"int\nhelper(int x)\n{\n\treturn (x);\n}\n")
    cf = _clean(src)
    fns = [(it.name, it.storage, it.is_definition) for it in cf.toplevel()
           if it.kind == "function"]
    assert fns == [("main", "", True), ("cmp", "static", True), ("XqueryIdle", "", True),
                   ("helper", "", True)]
    cmp = cf.function("cmp")
    # one item from `static` to the closing brace: the K&R declarations are its own
    assert cf.text(cmp).startswith(b"static\ncmp(a, b)") and cf.text(cmp).endswith(b"}\n")
    assert [it.kind for it in cf.toplevel()] == ["include", "function", "function", "function",
                                                 "function"]
    assert len(cf.idents("a")) == 3 and len(cf.idents("helper")) == 2
    assert [i.kind for i in cf.idents("XqueryIdle")] == ["ordinary"]



def test_ifdef_notyet_is_dead_code_like_if_zero():
    # BSD's never-defined words: a draft kept under `#ifdef notyet` needs not parse.
    src = (b"void\nsetup(struct hw *h)\n{\n#ifdef notyet\n\tif (ready(h))\n\t\tuint32_t m;\n"
           b"\tREG_RMW(h, REG_CTL, ... );\n#endif\n\tstart(h);\n}\n")
    cf = _clean(src)
    assert [i.conditions for i in cf.idents("REG_CTL")] == [("defined(notyet)",)]
    assert cf.function("setup") is not None and len(cf.idents("h")) == 4


def test_a_label_right_after_a_case_label_before_a_directive():
    src = (b"int\nstep(int state)\n{\n\tswitch (state) {\n\tcase 1:\nagain:\n#if 0\n"
           b"\t\tretry();\n#endif\n\t\tbreak;\n\tdefault:\nerr:\n#ifdef DEBUG\n"
           b"\t\tdump();\n#endif\n\t\treturn (-1);\n\t}\n\tgoto again;\n}\n")
    cf = _clean(src)
    assert [i.kind for i in cf.idents("again")] == ["label", "label"]
    assert [i.kind for i in cf.idents("err")] == ["label"]


def test_a_line_splice_after_a_comment_and_a_decorated_name():
    # `*/\` at a line's end splices the next line on, which changes nothing here;
    # `name@8` is an stdcall-decorated name pasted by a macro.
    # (and a word before the type, which needs the splice gone to be seen)
    src = (b"/*\n * The next function.\n *****/\\\nosGLOBAL int\nnext(int x)\n"
           b"{\n\treturn (x);\n}\n\n"
           b"static struct entry table[] = {\n\tIMPORT_FUNC(CreateRequest, 2),\n"
           b"\tIMPORT_FUNC_MAP(_CreateRequest@8, CreateRequest, 2),\n\t{ NULL, NULL }\n};\n")
    cf = _clean(src)
    assert cf.function("next") is not None
    assert [i.name for i in cf.idents() if "CreateRequest" in i.name] == [
        "CreateRequest", "_CreateRequest", "CreateRequest"]


def test_string_macros_side_by_side_after_a_question_mark():
    src = (b"#define A \"on\"\n#define B \" or off\"\nvoid\nadd(int both)\n{\n"
           b"\tregister_knob(\"trust\", both ?\n\t    A B : A);\n}\n")
    cf = _clean(src)
    assert len(cf.idents("A")) == 3 and len(cf.idents("B")) == 2


def test_unnamed_bitfields_inside_a_list():
    src = (b"struct corb {\n\tuint32_t n:1,\n\t\t  fmt:2,\n\t\t  :1,\n\t\t  dir:1;\n"
           b"\tuint32_t x;\n};\n")
    cf = _clean(src)
    assert [i.name for i in cf.idents(kind="field")][:4] == ["n", "fmt", "dir", "x"]


def test_an_annotation_before_a_qualified_parameter():
    src = (b"int\nformat(\n\tIN OUT struct pool *Str,\n\tIN const char *Fmt,\n"
           b"\t__in_ecount(n) const struct range *r,\n\t__in size_t n)\n{\n\treturn (0);\n}\n")
    cf = _clean(src)
    assert cf.function("format") is not None
    assert [i.kind for i in cf.idents("Fmt")] == ["ordinary"] and len(cf.idents("n")) == 2


def test_a_format_with_width_and_words_as_a_macro_argument():
    src = (b"void\ncall(int seg, int off)\n{\n\tif (trace)\n"
           b"\t\tTRACE(Calling 0x%06x, (seg << 4) + off, regs);\n\tTRACE(Done %d, off);\n}\n")
    cf = _clean(src)
    assert len(cf.idents("seg")) == 2 and len(cf.idents("regs")) == 1


def test_a_declarator_after_a_comma_at_file_scope_is_no_macro_call():
    # A repair elsewhere in the file (`Debug(...)` without `;`) must not take
    # `do_univ(user *)` for a declaration-like macro.
    src = (b"static void\tchild(entry *, user *),\n\t\tdo_univ(user *);\n\n"
           b"void\nrun(entry *e)\n{\n\tchild(e, 0);\n"
           b"\tDebug(DPROC, (\"[%d] back\\n\", getpid()))\n}\n")
    cf = _clean(src)
    decl = cf.toplevel()[0]
    assert decl.kind == "declaration" and decl.names == ("child", "do_univ")


def test_an_empty_define_with_a_trailing_blank_ends_on_its_line():
    # tree-sitter-c takes the next line for the body of `#define X ` (a blank
    # before the line break): a guard would swallow the header's first line, and
    # an #if group its #endif.
    src = (b"#ifndef _X_H_\n#define _X_H_ \nint x;\n#endif\n\n#if 0\n"
           b"#define DPRINTK(fmt, args...) printf(fmt, ##args)\n#else\n"
           b"#define DPRINTK(fmt, args...) \t\n#endif\n\nint y;\n")
    cf = _clean(src)
    assert cf.item("x").kind == "declaration" and cf.item("y").kind == "declaration"
    assert [it.name for it in cf.items if it.kind == "define"] == ["_X_H_", "DPRINTK", "DPRINTK"]
    assert not cf.idents("x")[0].conditions == ()  # x is inside the guard


def test_an_if_group_holding_an_attribute_after_a_struct_body():
    # The `;` tree-sitter misses is on the line before the #if.
    src = (b"struct l_flock {\n\tl_short\t\tl_type;\n\tl_pid_t\t\tl_pid;\n}\n"
           b"#if defined(__amd64__) && defined(COMPAT32)\n__packed\n#endif\n;\n\n"
           b"static void\nf(struct l_flock *l)\n{\n}\n")
    cf = _clean(src)
    assert cf.item("l_flock").kind == "struct" and cf.function("f") is not None


def test_if_zero_in_parentheses_cutting_an_else_is_dead_code():
    src = (b"static int\nsetspeed(struct sc *sc, int speed) {\n\tint i = 0;\n\n#if(0)\n"
           b"\tif (speed == 0) {\n\t\tslave(sc);\n\t}\n\telse {\n#endif\n"
           b"\t\tfor (i = 0; tab[i] != 0; i++)\n\t\t\tif (tab[i] == speed)\n\t\t\t\tbreak;\n"
           b"#if 0\n\t}\n#endif\n\treturn (i);\n}\n\nint after;\n")
    cf = _clean(src)
    assert cf.function("setspeed") is not None and cf.item("after").kind == "declaration"
    assert [i.conditions for i in cf.idents("slave")] == [("(0)",)]


def test_ifndef_the_guard_of_a_header_included_above_is_dead_code():
    # <sys/sysproto.h> defines _SYS_SYSPROTO_H_: its stand-in below is never
    # built, and lacks the `;` after the struct, as in the tree.
    src = (b"#include <sys/param.h>\n#include <sys/sysproto.h>\n\n#ifndef _SYS_SYSPROTO_H_\n"
           b"struct list_args {\n\tconst char *path;\n\tsize_t nbytes;\n}\n#endif\nint\n"
           b"sys_list(struct thread *td, struct list_args *uap)\n{\n\treturn (0);\n}\n")
    cf = _clean(src)
    assert cf.function("sys_list") is not None and len(cf.idents("nbytes")) == 1
    # a guard of a header not included stays live code
    other = src.replace(b"#include <sys/sysproto.h>\n", b"\n")
    assert [e.line for e in CFile(other, "t.c").errors] != []


def test_an_argument_that_starts_with_a_binary_operator():
    # `PCI_MASK_CONFIG(dev, reg, |FLAG, 2)` pastes `reg_value |FLAG`.
    src = (b"void\nreset(device_t dev)\n{\n\tPCI_MASK_CONFIG(dev, CTRL,\n\t    |CTRL_RESET, 2);\n"
           b"\tPCI_MASK_CONFIG(dev, CTRL, & ~CTRL_RESET, 2);\n\tf(a, /* no */ b);\n}\n")
    cf = _clean(src)
    assert len(cf.idents("CTRL_RESET")) == 2 and len(cf.idents("b")) == 1


def test_a_lone_branch_opening_a_brace_it_never_closes_is_not_read():
    # `while (...) {` under `#ifdef WIP` has no `}` of its own: reading it would
    # leave the rest of the file inside the function.
    src = (b"static bool\nget_bios(struct dev *d)\n{\n#ifdef FREEBSD_WIP\n"
           b"\twhile ((p = next_class(p)) != NULL) {\n#endif\n"
           b"\tif ((dev = find_class(d)) != NULL) {\n\t\th = handle(dev);\n#ifdef FREEBSD_WIP\n"
           b"\t\tif (!h)\n\t\t\tcontinue;\n#endif\n\t\tif (!h)\n\t\t\treturn false;\n\t}\n"
           b"\treturn true;\n}\n\nint after;\n")
    cf = _clean(src)
    assert cf.function("get_bios") is not None and cf.item("after").kind == "declaration"
    assert [i.conditions for i in cf.idents("next_class")] == [("defined(FREEBSD_WIP)",)]


def test_format_flags_a_spaced_named_variadic_and_a_define_between_declarators():
    src = (b"#define\tFATAL(ptr, x ...) do {\t\\\n\tcleanup();\t\\\n} while (0)\n\n"
           b"static const union bits\nlimit_hi = MAKE(0xb172, 13, 11356.5L),\n"
           b"#define limit\t(limit_hi.e)\nlimit_lo = MAKE(0xb172, -13, -11355.1L);\n\n"
           b"void\nshow(long v)\n{\n\tPRINT(AT_FLAGS, %#lx, (u_long)v);\n"
           b"\tPRINT(AT_NAME, %-8s, \"x\");\n}\n")
    cf = _clean(src)
    assert cf.item("limit_hi").names == ("limit_hi", "limit_lo")
    assert [it.name for it in cf.items if it.kind == "define"] == ["FATAL"]
    assert [i.kind for i in cf.idents("limit")] == ["macro"]
    assert len(cf.idents("v")) == 2


def test_a_lone_branch_closing_what_a_branch_of_its_condition_opened_is_read():
    src = (b"static void\nlog_pkt(int ver, struct pkt *p)\n{\n#ifdef V6\n\tif (ver == 4) {\n#else\n"
           b"\tif (1) {\n#endif\n\t\tlog4(p);\n#ifdef V6\n\t} else {\n\t\tlog6(p);\n\t}\n#endif\n"
           b"\tdone(p);\n}\n\nint after;\n")
    cf = _clean(src)
    assert cf.function("log_pkt") is not None and cf.item("after").kind == "declaration"


def test_macro_arguments_after_else_and_after_a_number_times():
    src = (b"void\nshow(int x, int len)\n{\n\tif (x)\n\t\tPRINT(AT_PROT, %#x, x);\n\telse\n"
           b"\t\tPRINT(AT_PROT, %s, \"none\");\n"
           b"\tCHECK_LENGTH(len, 1 + 2 * F_INSN_SIZE(struct in6_addr));\n}\n")
    cf = _clean(src)
    assert [i.kind for i in cf.idents("in6_addr")] == ["tag"] and len(cf.idents("x")) == 4


def test_a_doubled_semicolon_in_a_struct_body():
    src = (b"struct opts {\n\tchar *digest;\n\tchar *max_length;;\n\tint immediate;\n};\n"
           b"void\nf(void)\n{\n\tx = 1;;\n}\n")
    cf = _clean(src)
    assert [i.name for i in cf.idents(kind="field")] == ["digest", "max_length", "immediate"]
