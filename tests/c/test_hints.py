"""Macro hints: masking keeps every offset and line, and hides only what it must."""

from __future__ import annotations

from pathlib import Path

import tree_sitter
import tree_sitter_c

from refactor.c.hints import DEFAULT_HINTS, conditional_groups, mask, scan, words

INPUTS = Path(__file__).parent / "inputs"
PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_c.language()))


def parses(src: bytes) -> bool:
    return not PARSER.parse(src).root_node.has_error


def test_default_hints_cover_the_cdefs_macros():
    for name in ("__unused", "__dead2", "__packed", "__aligned", "__printflike", "__scanflike",
                 "__format_arg", "__pure", "__pure2", "__used", "__weak_symbol", "__noinline",
                 "__always_inline", "__result_use_check", "__nonnull", "__returns_twice",
                 "__section", "__FBSDID", "__RCSID", "__SCCSID", "__COPYRIGHT", "__DECONST",
                 "SET_DECLARE", "DATA_SET", "TEXT_SET", "__BEGIN_DECLS", "__END_DECLS",
                 "__restrict", "__inline", "__containerof", "__GLOBL", "__weak_reference",
                 "__sym_compat", "__diagused", "__exclusive_cache_line", "__read_mostly",
                 "__nodiscard", "__malloc_like", "__alloc_size", "__alloc_size2", "__NO_TLS"):
        assert name in DEFAULT_HINTS, name


def test_mask_keeps_length_and_line_breaks():
    for path in INPUTS.glob("*.[ch]"):
        data = path.read_bytes()
        out = mask(data)
        assert len(out) == len(data)
        assert [i for i, b in enumerate(out) if b == 10] == \
            [i for i, b in enumerate(data) if b == 10]


def test_attributes_become_spaces_and_the_rest_parses():
    src = (b"static void fatal(const char *, ...) __dead2 __printflike(1, 2);\n"
           b"static int f(int x __unused, char *__restrict p) __aligned(sizeof(long));\n")
    out = mask(src)
    assert b"__dead2" not in out and b"__printflike" not in out and b"__unused" not in out
    assert out.index(b";") == src.index(b";")
    assert not parses(src) and parses(out)


def test_balanced_arguments_respect_strings_and_comments():
    src = b'__FBSDID("$FreeBSD: (unbalanced $");\nint x __section(".data)") /* ) */;\n'
    out = mask(src)
    assert out == b" " * len(b'__FBSDID("$FreeBSD: (unbalanced $")') + b";\nint x " + \
        b" " * len(b'__section(".data)")') + b" /* ) */;\n"


def test_directives_comments_and_strings_are_never_masked():
    src = (b"#define\t__unused\t__attribute__((__unused__))\n"
           b"/* __unused here */\nconst char *s = \"__dead2\";\n")
    assert mask(src) == src


def test_declaration_macros_report_their_identifiers():
    src = (b"SET_DECLARE(pci_devemu_set, struct pci_devemu);\n"
           b"DATA_SET(pci_devemu_set, pci_de_vnet);\n")
    out, regions = scan(src)
    assert out == b" " * 46 + b";\n" + b" " * 37 + b";\n"
    assert [(r.name, r.kind) for r in regions] == [("SET_DECLARE", "declaration"),
                                                   ("DATA_SET", "declaration")]
    assert [(w.name, w.ctx) for w in regions[0].words] == [("pci_devemu_set", ""),
                                                           ("pci_devemu", "tag")]
    assert [src[w.start:w.end] for w in regions[1].words] == [b"pci_devemu_set", b"pci_de_vnet"]


def test_deconst_keeps_the_call_and_hides_only_the_type():
    src = b"void f(void) { p = __DECONST(struct foo *, q); }\n"
    out, regions = scan(src)
    assert out == b"void f(void) { p = __DECONST(0           , q); }\n"
    assert not parses(src) and parses(out)
    assert [(w.name, w.ctx) for w in regions[0].words] == [("foo", "tag")]


def test_queue_macros_parse():
    src = (b"static TAILQ_HEAD(mevent_list, mevent) change_head;\n"
           b"static LIST_HEAD(, foo) heads;\n"
           b"void f(void) { TAILQ_FOREACH(mevp, &change_head, me_list) { g(mevp); } }\n")
    out = mask(src)
    assert not parses(src) and parses(out)
    assert b"struct     mevent_list" in out and b"while        (mevp" in out


def test_named_variadic_macro_parameter():
    src = b"#define\tEPRINTLN(fmt, arg...)\tfprintf(stderr, fmt, ##arg)\nint x;\n"
    out = mask(src)
    assert out == src.replace(b"arg...)", b"arg   )")
    assert not parses(src) and parses(out)


def test_extra_hints_from_a_rule():
    src = b"static int x MY_ATTR(3);\nstatic int y MY_FLAG;\n"
    out = mask(src, extra=["MY_ATTR", "MY_FLAG"])
    assert out == b"static int x " + b" " * 10 + b";\nstatic int y " + b" " * 7 + b";\n"
    assert mask(src) == src


def test_words_kinds_in_macro_bodies():
    body = b'(a)->sc_fd + sizeof(struct sock) + b.len "str x" /* c y */'
    assert [(w.name, w.ctx) for w in words(body, directives=True)] == [
        ("a", ""), ("sc_fd", "field"), ("sock", "tag"), ("b", ""), ("len", "field")]


def test_conditional_groups_know_inline_ones():
    src = (b"#ifdef A\nint a;\n#endif\nvoid f(void) {\n\tg(\"x\"\n#ifdef B\n\t    \"y\"\n"
           b"#else\n\t    \"z\"\n#endif\n\t    );\n}\n")
    groups = conditional_groups(src)
    assert [(g.directives[0][1].strip(), g.inline) for g in groups] == [("A", False),
                                                                        ("B", True)]
    assert [d[0] for d in groups[1].directives] == ["ifdef", "else", "endif"]


def test_comments_in_continued_directives_are_blanked():
    src = (b"#define\tCAPS\t\\\n\t(F_A |\t/* a */ \\\n\t F_B)\t/* b */\n"
           b"#define\tONE\t1\t/* kept */\n#define\tS\t\"/* str */\" \\\n\tx\n")
    out = mask(src)
    assert b"/* a */" not in out and b"/* b */" not in out
    assert b"/* kept */" in out and b'"/* str */"' in out
    assert len(out) == len(src)
    two = src.index(b"#define\tS")  # a "/*" in a string stays; tree-sitter trips on it
    assert PARSER.parse(src[:two]).root_node.has_error
    assert not PARSER.parse(out[:two]).root_node.has_error


def test_multiline_comment_in_a_directive_keeps_it_going():
    # The comment becomes spaces and a `\` before each of its line breaks: the
    # #define still ends after `+ 2`, as the C preprocessor reads it.
    src = b"#define\tX\t1 /* one\n\t   two */ \\\n\t+ 2\nint y;\n"
    out = mask(src)
    assert len(out) == len(src) and out.count(b"\n") == src.count(b"\n")
    assert b"/*" not in out and out.endswith(b"\t+ 2\nint y;\n")
    assert PARSER.parse(src).root_node.has_error
    assert not PARSER.parse(out).root_node.has_error


def test_groups_cutting_an_else_chain_are_inline():
    leading = (b"void f(void) {\n\tif (a)\n\t\tx();\n#ifdef N\n\telse if (b)\n\t\ty();\n"
               b"#endif\n\telse\n\t\tz();\n}\n")
    dangling = (b"void g(void) {\n#ifdef S\n\tif (r) {\n\t\tx();\n\t} else\n#endif\n"
                b"\t{\n\t\ty();\n\t}\n}\n")
    plain = b"void h(void) {\n#ifdef S\n\tif (r)\n\t\tx();\n\telse\n\t\ty();\n#endif\n}\n"
    for src, inline in ((leading, True), (dangling, True), (plain, False)):
        assert [g.inline for g in conditional_groups(src)] == [inline], src


def test_keyword_spellings_become_keywords():
    src = b"void f(void) { __asm __volatile(\"pause\"); }\n__const int k; __signed char c;\n"
    out, regions = scan(src)
    assert out == (b"void f(void) { __asm volatile  (\"pause\"); }\nconst   int k; "
                   b"signed   char c;\n")
    assert [r.kind for r in regions] == ["keyword"] * 3
    assert parses(out) and not parses(src)


def test_a_function_named_like_a_learned_macro_is_declared_not_masked():
    from refactor.c.lossless import CFile

    # `module_init(fn)` is a declaration macro in another program's headers.
    table = {"module_init": ("declaration", ())}
    src = (b"static void\nmodule_init(void *arg)\n{\n}\nmodule_init(setup);\n"
           b"static mod_t *\nmodule_init(int n);\n")
    masked, _ = scan(src, (), table)
    assert masked.startswith(b"static void\nmodule_init(void *arg)")
    assert b"module_init(setup)" not in masked  # a use at file scope is still the macro
    assert b"mod_t *\nmodule_init(int n)" in masked
    assert CFile(src.replace(b"module_init(setup);\n", b""), "m.c").function("module_init")


def test_a_type_argument_macro_after_a_dereference_is_still_masked():
    table = {"mtod": ("type-argument", (1,))}
    src = b"void\nf(void)\n{\n\t*mtod(m, uint32_t *) = 0;\n\tx = (u_char *)mtod(m, char *);\n}\n"
    masked, _ = scan(src, (), table)
    assert b"uint32_t" not in masked and b"char *)" not in masked.split(b"u_char *)")[1]
