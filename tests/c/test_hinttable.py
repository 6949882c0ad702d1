"""Macro hints learned from #defines: each shape, on small hand-written cases."""

from __future__ import annotations

from refactor.c import hinttable
from refactor.c.lossless import CFile

DEFS = rb"""
#define	my_foreach(p, h)	for ((p) = (h)->first; (p); (p) = (p)->next)
#define	my_foreach_safe(p, h, t)	my_foreach(p, h)
#define	MY_DEFINE(name, desc)	struct thing name[1] = { { desc } }; \
	KEEP(name)
#define	MY_TEST(name, tc)	static void test_##name(const struct tc *tc)
#define	my_cast(m, t)	((t)((m)->data))
#define	my_owner(p, type, f)	((type *)((char *)(p) - 8))
#define	__kuser
#define	__ctor	__attribute__((constructor))
#define	static
#define	exit
#define	OPTION_FLAG
"""


def test_learn_reads_each_shape_off_the_definition():
    t = hinttable.learn([DEFS])
    assert t["my_foreach"] == ("loop", ())
    assert t["my_foreach_safe"] == ("loop", ())  # through another loop macro
    assert t["MY_DEFINE"] == ("declaration", ())
    assert t["MY_TEST"] == ("header", ())
    assert t["my_cast"] == ("type-argument", (1,))
    assert t["my_owner"] == ("type-argument", (1,))
    assert t["__kuser"] == ("attribute", ())
    assert t["__ctor"] == ("attribute", ())
    # a keyword, a plain word and an option flag are never hidden
    assert "static" not in t and "exit" not in t and "OPTION_FLAG" not in t


def test_definitions_that_disagree_are_left_out():
    t = hinttable.learn([b"#define twice(a) for (;;)\n", b"#define twice(a) struct s a = {0};\n"])
    assert "twice" not in t
    # an empty stand-in does not vote against the real shape
    t = hinttable.learn([b"#define MY_DEFINE(a, b)\n", DEFS])
    assert t["MY_DEFINE"] == ("declaration", ())


USES = DEFS + rb"""
static MY_DEFINE(things, "some things");

MY_TEST(adds, tc)
{
	int __kuser *p;

	my_foreach(p, &head) {
		q = my_cast(m, const struct foo *);
		r = my_owner(q, struct bar, link);
	}
}

static __ctor void
init(void)
{
}
"""


def test_a_file_using_the_shapes_parses_clean():
    cf = CFile(USES, "uses.c")
    assert cf.errors == []
    assert [it.name for it in cf.toplevel() if it.kind == "function"] == ["adds", "init"]
    decl = next(it for it in cf.items_named("MY_DEFINE") if it.kind != "define")
    assert cf.text(decl).startswith(b"static MY_DEFINE(things")
    # identifiers under the masks are still found, with their kinds
    assert [i.kind for i in cf.idents("things")] == ["ordinary"]
    assert [i.kind for i in cf.idents("foo")] == ["tag"]
    assert [i.kind for i in cf.idents("bar")] == ["tag"]


def test_a_type_argument_is_masked_only_when_it_is_a_type():
    src = DEFS + b"void f(void) { a = my_cast(m, x); b = my_cast(m, char *); }\n"
    cf = CFile(src, "t.c")
    assert cf.errors == []
    assert [i.kind for i in cf.idents("x")] == ["ordinary"]


def test_define_inside_an_initializer():
    src = b"""static struct row rows[] = {
	{ .name = "a" },
#define	ROW_A	0
	{ .name = "b" },
#define	ROW_B	1
};
#undef ROW_B

int
f(void)
{
	return rows[ROW_A].x;
}
"""
    cf = CFile(src, "t.c")
    assert cf.errors == []
    assert [i.kind for i in cf.idents("ROW_A")] == ["macro", "macro"]
    assert cf.function("f") is not None


def test_the_committed_table_knows_the_common_freebsd_shapes():
    t = hinttable.load()
    assert t["MALLOC_DEFINE"] == ("declaration", ())
    assert t["SYSCTL_NODE"] == ("declaration", ())
    assert t["TAILQ_FOREACH"] == ("loop", ())
    assert t["mtod"] == ("type-argument", (1,))
    assert t["ATF_TC_BODY"] == ("header", ())
    assert "offsetof" not in t  # tree-sitter-c reads offsetof itself


def test_a_rename_hands_its_edits_on_an_error_line_to_the_planner_guard():
    """A name on a line the parser could not read is not silently left out (that would
    make a half rename): its edit is returned, and CFile.in_error marks it, which the
    planner turns into a conflict (tests/test_plan.py)."""
    from refactor.c.rename import rename_edits

    src = (b"int count;\n\nint f(void) { return count; }\n\n@@ count count @@\n\n"
           b"int g(void) { return count; }\n")
    cf = CFile(src, "t.c")
    assert [e.line for e in cf.errors] == [5]
    lo, hi = src.index(b"@@"), src.rindex(b"@@") + 2
    assert cf.in_error(lo, hi) and not cf.in_error(0, 9)
    edits = rename_edits(cf, "count", "total")
    inside = [e for e in edits if cf.in_error(e.start, e.end)]
    assert len(edits) - len(inside) == 3
    assert inside and all(lo <= e.start < hi for e in inside)


def test_a_storage_class_before_a_declaration_macro_is_no_function_head():
    t = hinttable.learn([b"#define RAW_THING(id, v) struct thing id = { v }\n"
                         b"#define THING(name, v) static RAW_THING(thing_##name, v)\n"
                         b"#define INT_THING(name, v) THING(name, v); CHECK(v)\n"])
    assert t["THING"] == ("declaration", ())
    assert t["INT_THING"] == ("declaration", ())


def test_a_definition_of_another_shape_vetoes():
    queue_like = b"#define MY_HEAD(name, type) struct name { struct type *first; }\n"
    linux_like = b"#define MY_HEAD(name) struct my_list name = { &(name), &(name) }\n"
    assert "MY_HEAD" not in hinttable.learn([queue_like, linux_like])
    shim = b"#define MY_NODE(name, ...) struct { } name __used\n"
    assert hinttable.learn([shim])["MY_NODE"] == ("declaration", ())


def test_an_operator_passed_to_a_macro():
    src = (b"int\nf(struct ts *a, struct ts *b)\n{\n\tif (ts_cmp(a, b, <))\n\t\treturn (1);\n"
           b"\tMY_ASSERT(a->sec, <=, b->sec);\n\treturn (0);\n}\n")
    cf = CFile(src, "t.c")
    assert cf.errors == []
    assert [i.kind for i in cf.idents("sec")] == ["field", "field"]


def test_a_wrapper_and_a_qualifier_spelling():
    src = (b"#define\tMY_P(protos)\tprotos\n#define\tcomplex\t_Complex\n"
           b"static int probe MY_P((int, char *));\n"
           b"double complex\nconj2(double complex z)\n{\n\treturn (z);\n}\n")
    t = hinttable.learn([src])
    assert t["MY_P"] == ("wrapper", ()) and t["complex"] == ("attribute", ())
    cf = CFile(src, "t.c")
    assert cf.errors == []
    assert cf.item("probe").kind == "declaration"
    assert cf.function("conj2") is not None


def test_typed_names_empty_arguments_and_va_arg():
    defs = (b"#define\tMY_NAME(n)\tmy_entry_##n\n"
            b"#define\tMY_DEFINE(t, n)\tt MY_NAME(n) __section(\"set_my\") __used\n"
            b"#define\tMY_SUM(a, b)\ta + b\n")
    t = hinttable.learn([defs])
    assert t["MY_DEFINE"] == ("typed-name", ()) and "MY_SUM" not in t
    src = defs + (b"static MY_DEFINE(int, hits) = 1;\nMY_DEFINE(struct counter, total);\n\n"
                  b"void\nf(va_list ap)\n{\n\tstruct item *p = va_arg(ap, struct item *);\n"
                  b"\tPROBE2(proc, , , exit, p);\n}\n")
    cf = CFile(src, "t.c")
    assert cf.errors == []
    assert cf.item("hits").kind == "declaration"
    assert [i.kind for i in cf.idents("counter")] == ["tag"]


def test_a_plain_word_spelling_static_is_no_hint():
    # `#define local static` in one program: elsewhere `local` is a variable.
    t = hinttable.learn([b"#define local static\n#define private static\n"
                         b"#define yyconst const\n#define __hidden_static static\n"])
    assert "local" not in t and "private" not in t
    assert t["yyconst"] == ("attribute", ()) and t["__hidden_static"] == ("attribute", ())


def test_a_prototype_wrapper_with_a_traditional_c_stand_in_is_still_a_wrapper():
    # cdefs.h style: one definition passes the prototype on, the pre-ANSI one drops it.
    defs = [b"#ifdef HAVE_PROTOS\n#define\tMY_PROTO(args)\targs\n#else\n"
            b"#define\tMY_PROTO(args)\t()\n#endif\n"]
    t = hinttable.learn(defs)
    assert t["MY_PROTO"] == ("wrapper", ())
    cf = CFile(defs[0] + b"static int probe MY_PROTO((struct dev *, int));\n", "p.c")
    assert cf.errors == []
    assert [i.kind for i in cf.idents("dev")] == ["tag"]
    # a `()` definition alone teaches nothing
    assert "NO_PROTO" not in hinttable.learn([b"#define NO_PROTO(args) ()\n"])


def test_object_like_macros_that_expand_to_code():
    defs = (b"#define\tAS_BYTE\t*(unsigned char *)&\n"
            b"#define\tTO_LONG\t(long)\n"
            b"#define\tBAIL\t{ report(__LINE__); return 1; }\n"
            b"#define\tSTOP\tbreak;\n"
            b"#define\tPAIR\t{ 1, 2 }\n"        # an initializer, no statement
            b"#define\tSUM\t(a + b)\n")         # an expression, no cast
    t = hinttable.learn([defs])
    assert t["AS_BYTE"] == t["TO_LONG"] == ("prefix", ())
    assert t["BAIL"] == t["STOP"] == ("statement", ())
    assert "PAIR" not in t and "SUM" not in t
    src = defs + (b"int\nput(struct dev *d, int v)\n{\n\twrite(d->port, AS_BYTE v);\n"
                  b"\tn = TO_LONG (d->count);\n\tif (v < 0) BAIL\n"
                  b"\tswitch (v) {\n\tcase 1:\n\t\tv++;\n\t\tSTOP\n\t}\n\treturn 0;\n}\n"
                  b"int AS_BYTE_count = 1;\n")
    cf = CFile(src, "c.c")
    assert cf.errors == [] and len(cf.masked) == len(src)
    assert [it.name for it in cf.toplevel() if it.kind == "function"] == ["put"]
    assert len(cf.idents("v")) == 5


def test_an_object_like_macro_of_the_same_name_does_not_vote_on_a_function_like_one():
    # zlib's `OF((int))` wrapper, and a register flag `OF` in another header:
    # they are used apart, with and without an argument list.
    defs = [b"#define\tOF(args)\targs\n", b"#define\tOF\t0x00000200\n"]
    t = hinttable.learn(defs)
    assert t["OF"] == ("wrapper", ())
    cf = CFile(b"extern char *strerror OF((int));\nint flags = OF | 1;\n", "z.c")
    assert cf.errors == [] and [i.name for i in cf.idents("strerror")] == ["strerror"]
    # two function-like shapes that disagree are still left out
    t = hinttable.learn([b"#define\tM(a)\ta\n", b"#define\tM(a)\tfor (;;)\n", b"#define\tM 1\n"])
    assert "M" not in t
    # but a function-like namesake still vetoes an object-like hint, which would
    # hide every bare use of the word (`DBG(PMC, REG, 1)` pastes REG into a name)
    t = hinttable.learn([b"#define\tREG\tregister\n", b"#define\tREG(x)\t((x) << 2)\n"])
    assert "REG" not in t
    assert hinttable.learn([b"#define\tREG\tregister\n"])["REG"] == ("attribute", ())


def test_a_cast_to_a_function_pointer_is_a_prefix():
    defs = b"#define\tINIT_T\t(int (*)(struct sc *, int))\n"
    assert hinttable.learn([defs])["INIT_T"] == ("prefix", ())
    cf = CFile(defs + b"struct funcs ncv_funcs = {\n\tINIT_T ncv_start,\n\tINIT_T ncv_stop,\n};\n",
               "n.c")
    assert cf.errors == [] and len(cf.idents("ncv_start")) == 1


def test_a_cast_to_a_named_pointer_and_a_pasted_struct_tag():
    defs = b"#define\tBC\t(rrt_func_t *)\n#define\tSTACK_OF(type)\tstruct stack_st_##type\n"
    t = hinttable.learn([defs])
    assert t["BC"] == ("prefix", ()) and "STACK_OF" not in t  # a type, never a declaration
    cf = CFile(defs + b"static struct rrip table[] = {\n\t{ \"PX\", BC rrip_attr, 0 },\n};\n",
               "r.c")
    assert cf.errors == [] and len(cf.idents("rrip_attr")) == 1


def test_a_plain_lowercase_word_spelling_a_qualifier_is_no_hint():
    # `#define constant const` in one program must not hide ficl's word `constant`;
    # `complex` spells the reserved `_Complex`, as <complex.h> has it.
    t = hinttable.learn([b"#define\tconstant\tconst\n#define\tcomplex\t_Complex\n"
                         b"#define\tCONST\tconst\n"])
    assert "constant" not in t
    assert t["complex"] == ("attribute", ()) and t["CONST"] == ("attribute", ())
    assert hinttable.learn([b"#define\tyyconst\tconst\n"])["yyconst"] == ("attribute", ())
    cf = CFile(b"void\nwords(struct dict *dp)\n{\n\tappend(dp, \"constant\", constant, 0);\n}\n",
               "w.c")
    assert cf.errors == [] and len(cf.idents("constant")) == 1
