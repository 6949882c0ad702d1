"""Shapes of real FreeBSD code the semantic layer must parse, each written small.

Every case is hand-written in the shape learned from the trees (never their
code); fixture headers are ours.
"""

from __future__ import annotations

from pathlib import Path

from pycparser import c_ast

from refactor.c.semantic import knr_parameters, parse_configs


def parse(tmp_path: Path, text: str, name: str = "f.c", **headers: str):
    for h, body in headers.items():
        (tmp_path / h.replace("__", "/")).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / h.replace("__", "/")).write_text(body)
    (tmp_path / name).write_text(text)
    return parse_configs(tmp_path / name, [{}], [tmp_path], tmp_path)[0]


def funcs(unit) -> dict[str, c_ast.FuncDef]:
    return {e.decl.name: e for e in unit.ast.ext if isinstance(e, c_ast.FuncDef)}


def test_knr_parameter_names_are_no_types(tmp_path):
    # Tree-sitter reads `(ctx, len)` as a list of types; they are parameters.
    unit = parse(tmp_path, "struct pool;\n\nint\nopen_pool(ctx, len)\n\tstruct pool **ctx;\n"
                 "\tint len;\n{\n\treturn (len + (ctx != 0));\n}\n\n"
                 "static char *\nlast(word)\n\tchar *word;\n{\n\treturn (word);\n}\n")
    assert unit.ok, unit.error
    assert {"ctx", "len", "word"}.isdisjoint(unit.discovered_types)
    assert set(funcs(unit)) == {"open_pool", "last"}


def test_knr_parameters_read_from_the_text():
    text = "int\ncount(a, b)\n\tint a;\n\n\tchar *b;\n{\n}\nint proto(size_t, int);\n"
    assert knr_parameters(text) == {"a", "b"}
    assert knr_parameters("void f(int a);\nint g;\n") == set()


def test_knr_definition_with_implicit_int(tmp_path):
    # C89: no return type, and a declaration list (an old test program's main).
    unit = parse(tmp_path, "char buf[16];\n\nmain(argc, argv)\n\tchar **argv;\n{\n"
                 "\treturn (argv[0][0] + argc);\n}\n")
    assert unit.ok, unit.error
    fd = funcs(unit)["main"]
    assert fd.decl.type.type.type.names == ["int"]
    assert [d.name for d in fd.param_decls] == ["argv"]


def test_a_variable_taken_for_a_type_is_dropped_on_retry(tmp_path):
    # `slot_t` looks like a type by its name, but this file makes it a variable.
    unit = parse(tmp_path, "static int slot_t;\n\nint\nget(void)\n{\n\treturn (slot_t);\n}\n")
    assert unit.ok, unit.error
    assert "slot_t" not in unit.discovered_types


def test_an_unknown_type_of_a_struct_member_is_discovered(tmp_path):
    # pycparser 3 says only "Invalid specifier list" at `WIDGET *w;` (no token):
    # the retry reads the name where it stopped.  The header is a system one
    # (not scanned for type names), and WIDGET's own header is missing.
    inc = tmp_path / "usr_include"
    inc.mkdir()
    (inc / "gadget.h").write_text("#include <widget.h>\nstruct holder {\n"
                                  "\tstruct holder *next;\n\tWIDGET *w;\n\tGIZMO g;\n};\n"
                                  "extern WIDGET *first(WIDGET *);\n")
    (tmp_path / "f.c").write_text("#include <gadget.h>\nint n;\n")
    unit = parse_configs(tmp_path / "f.c", [{}], [tmp_path], tmp_path, system_dirs=[inc])[0]
    assert unit.ok, unit.error
    assert {"WIDGET", "GIZMO"} <= set(unit.discovered_types)


def test_an_ident_directive_is_no_parse_error(tmp_path):
    unit = parse(tmp_path, '#ident\t"@(#)f.c\t1.1\t90/01/01"\n#pragma ident "x"\n\nint n;\n')
    assert unit.ok, unit.error


def test_an_enumerator_read_as_a_type_is_dropped_on_retry(tmp_path):
    # An annotation macro with an argument reads, to tree-sitter, like a
    # declarator whose parameter type is NSLOTS; NSLOTS is an enumerator.
    unit = parse(tmp_path, '#include "ann.h"\n\nenum slot { SLOT_A, SLOT_B, NSLOTS };\n\n'
                 "int\ntotal(__in_count(NSLOTS) const int *v)\n{\n"
                 "\treturn (v[SLOT_A] + v[NSLOTS - 1]);\n}\n",
                 **{"ann.h": "#define\t__in_count(n)\n"})
    assert unit.ok, unit.error
    assert "NSLOTS" not in unit.discovered_types


def test_a_function_named_like_a_type_is_no_type(tmp_path):
    # The `_t` suffix makes a name look like a type; a definition says otherwise.
    unit = parse(tmp_path, "typedef long stamp_t;\n\nstatic inline stamp_t\n"
                 "to_stamp_t(unsigned long d)\n{\n\treturn ((stamp_t)d);\n}\n")
    assert unit.ok, unit.error
    assert "to_stamp_t" not in unit.discovered_types


def test_a_header_function_named_like_a_type_is_dropped_on_retry(tmp_path):
    # The definition is in a system header (not scanned for names): only the
    # parse shows `to_stamp_t(...) {` is a function.
    inc = tmp_path / "usr_include"
    (inc / "dev").mkdir(parents=True)
    (inc / "dev" / "stamp.h").write_text(
        "typedef long stamp_t;\nstatic inline stamp_t\nto_stamp_t(unsigned long d)\n{\n"
        "\treturn ((stamp_t)d);\n}\n")
    (tmp_path / "f.c").write_text("#include <dev/stamp.h>\n\nlong\nnow(void)\n{\n"
                                  "\treturn (to_stamp_t(3));\n}\n")
    unit = parse_configs(tmp_path / "f.c", [{}], [tmp_path], tmp_path, system_dirs=[inc])[0]
    assert unit.ok, unit.error
    assert "to_stamp_t" not in unit.discovered_types


def test_an_unknown_type_in_a_pointer_cast_is_discovered(tmp_path):
    # `(gadget_fn_t *)0` made by `##` in a system header's macro: no text
    # names it, and pycparser 3 says only "Invalid expression".
    inc = tmp_path / "usr_include"
    inc.mkdir()
    (inc / "tbl.h").write_text("#define\tENTRY(n, f)\t(1 ? (f) : (n##_fn_t *)0)\n")
    (tmp_path / "f.c").write_text("#include <tbl.h>\nint spin(void);\n"
                                  "void *slot = ENTRY(gadget, spin);\n")
    unit = parse_configs(tmp_path / "f.c", [{}], [tmp_path], tmp_path, system_dirs=[inc])[0]
    assert unit.ok, unit.error
    assert "gadget_fn_t" in unit.discovered_types


def test_a_compound_literal_subscripted_and_its_member_taken(tmp_path):
    unit = parse(tmp_path, "struct match { int vendor; int rev; };\n"
                 "struct hw { const struct match *reqs; };\n\n"
                 "static const struct hw table = {\n"
                 "\t.reqs = &(const struct match[]) { { .vendor = 1, .rev = 2 } }[0],\n};\n\n"
                 "int\nrev(void)\n{\n\treturn ((struct match){ 3, 4 }.rev + table.reqs->rev);\n}\n")
    assert unit.ok, unit.error
    assert "rev" in funcs(unit)


def test_asm_with_a_qualifier_and_named_operands(tmp_path):
    # `__asm volatile` is no call of the prelude's `__asm(...)`: the statement
    # reaches the parser, which reads no `[name]` operands.
    unit = parse(tmp_path, "static inline unsigned long\nread_reg(void)\n{\n"
                 "\tunsigned long v;\n\n"
                 '\t__asm volatile ("mov %[out], 1 /* ) */" : [out] "=r" (v) : : "memory");\n'
                 '\t__asm__ __volatile__ ("nop");\n\treturn (v);\n}\n')
    assert unit.ok, unit.error
    assert funcs(unit)["read_reg"].coord.line == 2


def test_the_gnu_conditional_with_the_middle_left_out(tmp_path):
    unit = parse(tmp_path, "int mult(int);\n\nint\nclock_of(int m, int c)\n{\n"
                 "\tc /= mult(m) ?: 1;\n\treturn (m ? c : c ?: 2);\n}\n")
    assert unit.ok, unit.error
    op = funcs(unit)["clock_of"].body.block_items[0].rvalue
    assert isinstance(op, c_ast.TernaryOp) and op.iftrue is op.cond


def test_an_unknown_type_of_an_unnamed_parameter_is_discovered(tmp_path):
    # A system header that uses `span_t` before any header declares it.
    inc = tmp_path / "usr_include"
    inc.mkdir()
    (inc / "hash.h").write_text("typedef struct ctx { int n; } CTX;\n"
                                "void hash_update(CTX *, const void *, span_t);\n")
    (tmp_path / "f.c").write_text("#include <hash.h>\nint n;\n")
    unit = parse_configs(tmp_path / "f.c", [{}], [tmp_path], tmp_path, system_dirs=[inc])[0]
    assert unit.ok, unit.error
    assert "span_t" in unit.discovered_types


def test_an_unknown_string_escape_is_kept_as_its_character(tmp_path):
    # `"\%"`: compilers warn and keep `%`; pycparser's lexer refused the file.
    unit = parse(tmp_path, 'int emit(const char *, ...);\n\nvoid\nshow(void)\n{\n'
                 '\temit(" {T:\\%iused} \\e[0m \\x41 \\101 \\"q\\"", 1);\n'
                 '\temit("\\\\*", 2);\n}\n')
    assert unit.ok, unit.error
    from refactor.c.semantic import _fix_string_escapes

    assert _fix_string_escapes('s = "\\\\*" "\\%d";') == 's = "\\\\*" "%d";'


def test_a_lexer_error_after_an_unknown_name_is_a_parse_error_not_a_crash(tmp_path):
    # The retry looks at the tokens after the error; lexing them can fail
    # (an invalid char constant right after an unknown type in a system header).
    inc = tmp_path / "usr_include"
    inc.mkdir()
    (inc / "h.h").write_text("struct s { mystery *x; };\nchar c = '\\%';\n")
    (tmp_path / "f.c").write_text("#include <h.h>\nint n;\n")
    unit = parse_configs(tmp_path / "f.c", [{}], [tmp_path], tmp_path, system_dirs=[inc])[0]
    assert not unit.ok
    assert unit.error.startswith("<h.h>:2:") and "char constant" in unit.error
