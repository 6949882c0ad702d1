from toy import AppendLine, Create, Rename, toy_recipe

from refactor.edits import insert
from refactor.plan import plan_recipe
from refactor.rule import Edits, Rule, Status
from refactor.tree import Tree
from refactor.validate import parse_problems


def tree_of(tmp_path, files):
    for k, v in files.items():
        p = tmp_path / k
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(v)
    return Tree.from_dir(tmp_path)


def test_later_steps_see_earlier_ones(tmp_path):
    tree = tree_of(tmp_path, {"a.c": b"int old;\n"})
    recipe = toy_recipe([Rename("r1", "a.c", "old", "mid")], [Rename("r2", "a.c", "mid", "new")])
    plan = plan_recipe(recipe, tree)
    assert [r.status for r in plan.rule_results()] == [Status.APPLIED, Status.APPLIED]
    assert plan.steps[0].after.read("a.c") == b"int mid;\n"
    assert plan.final.read("a.c") == b"int new;\n"
    assert tree.read("a.c") == b"int old;\n"  # planning writes nothing


def test_overlapping_rules_in_one_step_conflict(tmp_path):
    tree = tree_of(tmp_path, {"a.c": b"int old;\n"})
    recipe = toy_recipe([Rename("r1", "a.c", "old", "x"), Rename("r2", "a.c", "ol", "y")])
    plan = plan_recipe(recipe, tree)
    assert {r.rule.id for r in plan.conflicts} == {"r1", "r2"}
    assert "r1" in plan.conflicts[0].reason and "r2" in plan.conflicts[0].reason


def test_prerequisite_not_applied_is_named(tmp_path):
    tree = tree_of(tmp_path, {"a.c": b"int other;\n"})
    recipe = toy_recipe([Rename("base", "a.c", "old", "new")],
                        [Rename("dep", "a.c", "other", "x", requires=("base",))])
    plan = plan_recipe(recipe, tree)
    base, dep = plan.rule_results()
    assert base.status == Status.NOT_APPLICABLE
    assert dep.status == Status.NOT_APPLICABLE
    assert "prerequisite base" in dep.reason


def test_skip_and_only(tmp_path):
    tree = tree_of(tmp_path, {"a.c": b"x\n"})
    recipe = toy_recipe([AppendLine("one", "a.c", "1"), Create("two", "b.c", b"int two;\n")])
    plan = plan_recipe(recipe, tree, skip=["one"])
    assert [r.status for r in plan.rule_results()] == [Status.NOT_APPLICABLE, Status.APPLIED]
    assert plan.rule_results()[0].reason == "left out with --skip"
    plan = plan_recipe(recipe, tree, only=["one"])
    assert [r.status for r in plan.rule_results()] == [Status.APPLIED, Status.NOT_APPLICABLE]
    assert plan.final.read("b.c") is None


def test_skipped_rule_still_reports_already_applied(tmp_path):
    tree = tree_of(tmp_path, {"a.c": b"1\n"})
    plan = plan_recipe(toy_recipe([AppendLine("one", "a.c", "1")]), tree, skip=["one"])
    assert plan.rule_results()[0].status == Status.ALREADY_APPLIED


def test_rule_that_raises_is_a_conflict(tmp_path):
    class Broken(AppendLine):
        def plan(self, tree):
            raise KeyError("boom")

    plan = plan_recipe(toy_recipe([Broken("b", "a.c", "x")]), tree_of(tmp_path, {"a.c": b""}))
    assert plan.conflicts and "KeyError" in plan.conflicts[0].reason


def test_a_rule_that_breaks_c_syntax_is_a_conflict(tmp_path):
    tree = tree_of(tmp_path, {"a.c": b"int\nf(void)\n{\n\treturn (0);\n}\n"})
    plan = plan_recipe(toy_recipe([Rename("breaker", "a.c", "(0);", "(0;")]), tree)
    assert [r.rule.id for r in plan.conflicts] == ["breaker"]
    assert "a.c:4" in plan.conflicts[0].reason
    assert not plan.changed


def test_an_old_parse_error_does_not_block(tmp_path):
    tree = tree_of(tmp_path, {"a.c": b"int x = ;\nint old;\n"})
    plan = plan_recipe(toy_recipe([Rename("r", "a.c", "old", "new")]), tree)
    assert plan.rule_results()[0].status == Status.APPLIED


def test_an_edit_inside_a_c_parse_error_is_a_conflict_naming_the_line(tmp_path):
    # Line 2 does not parse, so what its words are is a guess: an edit there
    # stops the run, even one whose result parses (the re-parse cannot catch it).
    src = b"int keep;\nint x = old + ;\nint other;\n"
    tree = tree_of(tmp_path, {"a.c": src})
    plan = plan_recipe(toy_recipe([Rename("r", "a.c", "old + ;", "old + 1;")]), tree)
    [res] = plan.rule_results()
    assert res.status == Status.CONFLICT
    assert "a.c:2: cannot parse int x = old + ;" in res.reason
    assert not plan.changed
    # The same rule on a clean line of that file is fine.
    plan = plan_recipe(toy_recipe([Rename("r", "a.c", "other", "new")]), tree)
    assert plan.rule_results()[0].status == Status.APPLIED
    assert plan.final.read("a.c") == src.replace(b"other", b"new")


def test_an_insertion_into_a_c_parse_error_is_a_conflict(tmp_path):
    src = b"int a;\nint b = ;\n"
    tree = tree_of(tmp_path, {"a.h": src})
    plan = plan_recipe(toy_recipe([_InsertAt("ins", "a.h", src.index(b";\n", 8), b"1")]), tree)
    assert plan.rule_results()[0].status == Status.CONFLICT
    assert "a.h:2: cannot parse" in plan.rule_results()[0].reason
    # At the start of the next line, outside the error, it applies.
    plan = plan_recipe(toy_recipe([_InsertAt("ins", "a.h", len(src), b"int c;\n")]), tree)
    assert plan.rule_results()[0].status == Status.APPLIED


class _InsertAt(Rule):
    def __init__(self, rid, path, at, text):
        self.id, self.path, self.at, self.text = rid, path, at, text
        self.summary, self.files = f"insert into {path}", (path,)

    def plan(self, tree):
        return Edits([insert(self.path, self.at, self.text)])


def test_a_rule_that_unbalances_an_mtree_spec_is_a_conflict(tmp_path):
    spec = b"/set type=dir uname=root gname=wheel mode=0755\n.\n    run\n    ..\n..\n"
    tree = tree_of(tmp_path, {"etc/mtree/BSD.var.dist": spec})
    rule = Rename("breaker", "etc/mtree/BSD.var.dist", "    ..\n", "")
    plan = plan_recipe(toy_recipe([rule]), tree)
    assert [r.rule.id for r in plan.conflicts] == ["breaker"]
    assert "BSD.var.dist" in plan.conflicts[0].reason


def test_an_old_mtree_fault_above_an_edit_does_not_block(tmp_path):
    # The stray `..` at the end is upstream's; the rule adds a line above it.
    spec = b"/set type=dir\n.\n    run\n    ..\n..\n..\n"
    tree = tree_of(tmp_path, {"etc/mtree/BSD.var.dist": spec})
    assert parse_problems("etc/mtree/BSD.var.dist", spec)  # the fault is really there
    rule = Rename("adder", "etc/mtree/BSD.var.dist", "/set type=dir\n", "/set type=dir\n#\n")
    plan = plan_recipe(toy_recipe([rule]), tree)
    assert plan.rule_results()[0].status == Status.APPLIED, plan.rule_results()[0].reason


class _Stray(Rule):
    """Declares one file, changes another."""

    id, summary, files = "stray", "writes outside its files", ("a.txt",)

    def plan(self, tree):
        return Edits([insert("b.txt", 0, b"x")])


def test_a_change_outside_the_declared_files_is_a_conflict(tmp_path):
    (tmp_path / "a.txt").write_text("a\n")
    (tmp_path / "b.txt").write_text("b\n")
    plan = plan_recipe(toy_recipe([_Stray()]), Tree.from_dir(tmp_path))
    [res] = plan.rule_results()
    assert res.status == Status.CONFLICT
    assert "b.txt, outside the files it declares (a.txt)" in res.reason
    assert not plan.changed


def test_a_declared_directory_covers_the_files_under_it(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f.txt").write_text("x\n")
    rule = AppendLine("in-dir", "d/f.txt", "more")
    rule.files = ("d",)
    plan = plan_recipe(toy_recipe([rule]), Tree.from_dir(tmp_path))
    assert plan.rule_results()[0].status == Status.APPLIED


# --- a manual page whose content changes gets the commit's date in .Dd ----------------------

PAGE = b".Dd January 10, 2021\n.Dt FOO 8\n.Os\n.Sh NAME\n.Nm foo\n.Nd a tool\n"


def test_changed_man_page_gets_the_commit_date(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1646870400")  # 2022-03-10
    tree = tree_of(tmp_path, {"foo.8": PAGE, "a.c": b"int old;\n"})
    recipe = toy_recipe([AppendLine("doc", "foo.8", ".Sh SEE ALSO"),
                         Rename("code", "a.c", "old", "new")])
    plan = plan_recipe(recipe, tree)
    page = plan.final.read("foo.8")
    assert page == PAGE.replace(b"January 10, 2021", b"March 10, 2022") + b".Sh SEE ALSO\n"
    assert plan.final.read("a.c") == b"int new;\n"  # not a page: untouched by the date
    # Planned again on the result: already applied, and the date is not bumped again.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1678406400")  # a year later
    again = plan_recipe(recipe, plan.final)
    assert not again.changed
    assert [r.status for r in again.rule_results()] == [Status.ALREADY_APPLIED] * 2


def test_page_whose_rule_changes_only_its_date_is_left_alone(tmp_path, monkeypatch):
    # A rule that sets .Dd itself keeps its date: the planner dates only pages
    # whose content besides .Dd changed.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1646870400")
    tree = tree_of(tmp_path, {"foo.8": PAGE})
    recipe = toy_recipe([Rename("date", "foo.8", "January 10, 2021", "May 1, 2021")])
    plan = plan_recipe(recipe, tree)
    assert plan.final.read("foo.8") == PAGE.replace(b"January 10, 2021", b"May 1, 2021")


def test_a_rename_whose_name_is_on_an_unreadable_line_is_a_conflict_not_half_done(tmp_path):
    # Comments and strings are renamed through rename_edits, which used to drop an
    # edit on an error line silently; the rename would then have been partial.
    from refactor.ops.rename import Rename as RenameOp

    src = b"int old;\nint y = 1 + ; /* not old */\nint f(void) { return old; }\n"
    tree = tree_of(tmp_path, {"a.c": src})
    op = RenameOp(RenameOp.Options(old="old", new="total", paths=("a.c",), comments=True))
    plan = plan_recipe(toy_recipe([op]), tree)
    [res] = plan.rule_results()
    assert res.status == Status.CONFLICT
    assert "a.c:2: cannot parse" in res.reason
    assert not plan.changed
