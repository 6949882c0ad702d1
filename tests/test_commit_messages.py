"""Commit messages say what applied in this tree, in FreeBSD's form, for every era."""

from __future__ import annotations

import pytest
from conftest import TREES, git, run_cli

from refactor.messages import WIDTH, Options, text_of, wrap
from refactor.plan import plan_recipe
from refactor.recipe import get_recipe
from refactor.report import join_words
from refactor.rule import Status
from refactor.tree import Tree

ERAS = sorted(p.name for p in TREES.iterdir() if p.is_dir())
RECIPE = get_recipe("bhyve-ipc")
RULE_IDS = [r.id for r in RECIPE.rules()]


def body_of(step, result) -> str:
    text = text_of(step, result.rule)
    return wrap(text.body(result) if callable(text.body) else text.body)


def check_messages(plan, options=None) -> list[str]:
    """Every rule this module states about a plan's messages; returns the messages."""
    messages = []
    for s in plan.steps:
        message = s.step.message(s.rules, options)
        applied = [r for r in s.rules if r.status == Status.APPLIED]
        if not s.changes:
            assert message is None, f"a step that changes nothing has a message: {message}"
            continue
        assert message, s.step.subject
        messages.append(message)
        subject, blank, *rest = message.rstrip("\n").split("\n")
        assert subject.startswith("bhyve: "), subject
        assert len(subject) <= WIDTH, subject
        assert blank == "" or not rest
        assert "Reviewed by" not in message
        paragraphs = message.split("\n\n")
        trailers = paragraphs[-1] if ":\t" in paragraphs[-1] or "Signed-off-by" in \
            paragraphs[-1] else ""
        for line in message[:len(message) - len(trailers)].splitlines():
            assert len(line.expandtabs()) <= WIDTH, line
        for r in s.rules:
            said = body_of(s.step, r)
            if r.status == Status.APPLIED:
                assert said in message, r.rule.id
            elif said not in (body_of(s.step, a) for a in applied):
                assert said not in message, f"{r.rule.id} ({r.status}) is in the message"
        already = [text_of(s.step, r.rule).name for r in s.rules
                   if r.status == Status.ALREADY_APPLIED]
        if already:
            assert wrap(f"Already in this tree: {join_words(dict.fromkeys(already))}.") \
                in message
        else:
            assert "Already in this tree" not in message
    return messages


@pytest.mark.parametrize("era", ERAS)
def test_messages_of_every_era(era):
    plan = plan_recipe(RECIPE, Tree.from_dir(TREES / era))
    check_messages(plan)


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("rule", RULE_IDS)
def test_messages_with_skip_and_only(era, rule):
    tree = Tree.from_dir(TREES / era)
    for kwargs in ({"skip": [rule]}, {"only": [rule]}):
        plan = plan_recipe(RECIPE, tree, **kwargs)
        if plan.conflicts:
            continue
        check_messages(plan, Options(("Differential Revision: https://x.example/D1",), True,
                                     "A B <a@b.example>"))


def test_subject_names_only_what_applied():
    """The issue's case: on the 2022 tree step 4 only moves MAX_VMNAME."""
    plan = plan_recipe(RECIPE, Tree.from_dir(TREES / "bhyve-2022-nvlist"))
    subjects = [s.subject for s in plan.steps if s.changes]
    assert subjects[-1] == "bhyve: define MAX_VMNAME once, in vmmapi.h"
    message = plan.steps[-1].step.message(plan.steps[-1].rules)
    assert "SOCK_DGRAM" not in message and "ipc.h" not in message
    # handle_message() is kept there: the message must not claim a get_message() rename.
    step3 = plan.steps[2].step.message(plan.steps[2].rules)
    assert "get_message" not in step3 and "ipc_*" in step3
    assert "Already in this tree: send_message() and snapshot_request()" in step3


def test_designed_step_keeps_its_title_and_step2_has_the_prefix():
    plan = plan_recipe(RECIPE, Tree.from_dir(TREES / "bhyve-2021"))
    assert [s.subject for s in plan.steps] == [
        "bhyve: move the IPC socket code out of snapshot.c",
        "bhyve: create /var/run/bhyve through mtree instead of mkdir()",
        "bhyve: generic IPC messages",
        "bhyve: use SOCK_DGRAM for IPC and share ipc.h with bhyvectl",
    ]


def test_trailers_and_signoff_only_when_asked():
    plan = plan_recipe(RECIPE, Tree.from_dir(TREES / "bhyve-2021"))
    step = plan.steps[0]
    plain = step.step.message(step.rules)
    assert "Differential Revision" not in plain and "Signed-off-by" not in plain
    signed = step.step.message(step.rules, Options(RECIPE.trailers, True, "A B <a@b.example>"))
    assert signed.endswith("\n\nDifferential Revision:\thttps://reviews.freebsd.org/D28199\n"
                           "Signed-off-by: A B <a@b.example>\n")


def last_paragraph(repo, commit) -> list[str]:
    return git(repo, "show", "-s", "--format=%B", commit).rstrip().split("\n\n")[-1] \
        .splitlines()


def test_apply_with_trailer_signoff_author(fixture_repo, tmp_path):
    src = fixture_repo("bhyve-2021-partial")
    out = tmp_path / "out"
    res = run_cli("apply", "--tree", str(src), "--out", str(out), "--build", "none",
                  "--trailer", "--signoff", "--author", "Jane Dev <jane@example.org>")
    assert res.returncode == 0, res.stderr
    log = git(src, "log", "--reverse", "--format=%an <%ae>|%cn|%s", "main..refactor/bhyve-ipc")
    rows = [line.split("|") for line in log.splitlines()]
    # Step 2 is wholly in this tree: no empty commit for it.
    assert [r[2] for r in rows] == ["bhyve: move the IPC socket code out of snapshot.c",
                                    "bhyve: generic IPC messages",
                                    "bhyve: share ipc.h with bhyvectl"]
    assert all(r[0] == "Jane Dev <jane@example.org>" and r[1] == "Test Author" for r in rows)
    for commit in git(src, "rev-list", "main..refactor/bhyve-ipc").split():
        # Git's trailer parser takes no key with a space, so read the last paragraph.
        last = last_paragraph(src, commit)
        assert last == ["Differential Revision:\thttps://reviews.freebsd.org/D28199",
                        "Signed-off-by: Test Author <author@example.org>"]
    patches = sorted(out.glob("*.patch"))
    assert len(patches) == 3
    assert "From: Jane Dev <jane@example.org>" in patches[0].read_text()


def test_apply_with_own_trailer_only(fixture_repo, tmp_path):
    src = fixture_repo()
    res = run_cli("apply", "--tree", str(src), "--out", str(tmp_path / "o"), "--build", "none",
                  "--trailer", "Sponsored by: The FreeBSD Foundation")
    assert res.returncode == 0, res.stderr
    for commit in git(src, "rev-list", "main..refactor/bhyve-ipc").split():
        assert last_paragraph(src, commit) == ["Sponsored by:\tThe FreeBSD Foundation"]


@pytest.mark.parametrize("args", [["--author", "Jane"], ["--author", "<j@x>"],
                                  ["--trailer", "no colon here"]])
def test_bad_author_or_trailer_is_usage(fixture_repo, tmp_path, args):
    src = fixture_repo()
    res = run_cli("apply", "--tree", str(src), "--out", str(tmp_path / "o"), "--build", "none",
                  *args)
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert "refactor/bhyve-ipc" not in git(src, "branch")


def toy_tree(tmp_path, files: dict[str, bytes]) -> Tree:
    root = tmp_path / f"t{len(list(tmp_path.iterdir()))}"
    root.mkdir()
    for name, data in files.items():
        (root / name).write_bytes(data)
    return Tree.from_dir(root)


def test_a_rule_without_step_texts_speaks_with_its_summary_and_message(tmp_path):
    """Rules of other recipes (and operations) need no Text: summary and message serve."""
    from toy import AppendLine, Rename

    from refactor.recipe import Recipe, Step

    a = AppendLine("add-a", "a.txt", "new line")
    a.message = "Add a line to a.txt, for the sake of the test."
    b = Rename("ren-b", "b.txt", "old", "new")
    c = AppendLine("add-c", "c.txt", "present")
    recipe = Recipe("toy", "a toy", [Step("Toy things", "", [a, b, c], area="toy")])
    tree = toy_tree(tmp_path, {"a.txt": b"x\n", "b.txt": b"new\n", "c.txt": b"present\n"})
    step = plan_recipe(recipe, tree).steps[0]
    assert step.step.message(step.rules) == (
        "toy: append to a.txt\n\n"
        "Add a line to a.txt, for the sake of the test.\n\n"
        "Already in this tree: rename in b.txt and append to c.txt.\n")
    tree = toy_tree(tmp_path, {"a.txt": b"x\n", "b.txt": b"old\n", "c.txt": b"x\n"})
    step = plan_recipe(recipe, tree).steps[0]
    # Every rule applied: the step's own title, prefixed and lower-cased as FreeBSD writes it.
    assert step.step.message(step.rules).splitlines()[0] == "toy: toy things"


def test_a_step_body_opens_every_commit_of_the_step(tmp_path):
    from toy import AppendLine

    from refactor.recipe import Recipe, Step

    a, b = AppendLine("add-a", "a.txt", "one"), AppendLine("add-b", "b.txt", "two")
    a.message = "Add one to a.txt."
    why = """Two files need a line each, and this sentence is long enough that it has
    to be wrapped at seventy-two columns.

    A second paragraph."""
    recipe = Recipe("toy", "a toy", [Step("toy: add lines", why, [a, b])])
    step = plan_recipe(recipe, toy_tree(tmp_path, {"a.txt": b"x\n", "b.txt": b"two\n"})).steps[0]
    assert step.step.message(step.rules) == (
        "toy: append to a.txt\n\n"
        "Two files need a line each, and this sentence is long enough that it has\n"
        "to be wrapped at seventy-two columns.\n\n"
        "A second paragraph.\n\n"
        "Add one to a.txt.\n\n"
        "Already in this tree: append to b.txt.\n")
