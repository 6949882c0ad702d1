"""The work behind each sub-command of the CLI."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from refactor import gitutil
from refactor.cli import RECIPE_TRAILERS, default_out, dump_json
from refactor.emit import check_branch_free, emit, prepare_out
from refactor.errors import UsageError
from refactor.install import remove_stale, say_removed
from refactor.messages import Options, format_trailer, parse_ident
from refactor.plan import Plan, plan_recipe
from refactor.recipe import find_rule, get_recipe, recipes
from refactor.report import (
    Progress,
    plan_json,
    status_table,
    step_diff,
    step_stat,
    summary,
    use_colour,
)
from refactor.target import check_anchors, check_readable, dirty_paths, open_target


def _planned(args, before_plan=None) -> tuple:
    gitutil.require_git()
    recipe = get_recipe(args.recipe)
    target = open_target(args.tree)
    check_anchors(target, recipe)
    check_readable(target, recipe)
    if before_plan:
        before_plan(recipe, target)
    progress = Progress()
    try:
        plan = plan_recipe(recipe, target.tree, skip=args.skip, only=args.only,
                           progress=progress)
    finally:
        progress.done()
    return recipe, target, plan


def check_out_place(out: Path, target, default: bool = False) -> None:
    """--out must not be inside the git directory (but for the default, which is
    <git-dir>/refactor-out/...); inside the tree it is allowed, with a warning."""
    real = Path(os.path.realpath(out))
    git_dir = target.root / ".git"
    if target.is_git:
        git_dir = Path(gitutil.run(target.root, "rev-parse", "--absolute-git-dir")
                       .decode().strip())
    for d in (git_dir, Path(os.path.realpath(git_dir))):
        if real == d or d in real.parents:
            if default:
                return
            raise UsageError(f"--out {out} is inside {d}; pick a folder outside the repository")
    root = Path(os.path.realpath(target.root))
    if real == root or root in real.parents:
        print(f"refactor: warning: --out {out} is inside the tree {target.root}",
              file=sys.stderr)


def clean_stale(target, out: Path | None) -> None:
    """Remove what killed runs left behind (their pid is gone), and say so."""
    left = [str(p) for p in remove_stale(Path(tempfile.gettempdir()), "refactor-")]
    if out is not None:
        left += [str(p) for d in (out.parent, out) for p in remove_stale(d, ".")]
    if target.is_git:
        left += gitutil.remove_stale_refs(target.root)
    say_removed(left)


def check_out_writable(out: Path) -> None:
    """Fail early, before planning, when --out could not be created or written."""
    probe = out
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise UsageError(f"cannot write to --out {out}: {probe} is not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write to --out {out}: {probe} is not writable")


def check_strategy(name: str, option: str = "--build") -> None:
    """Refuse an unknown --build before any work is done."""
    if name == "none":
        return
    from refactor.buildtest import choose_strategy

    try:
        choose_strategy(name)
    except ValueError as exc:
        raise UsageError(f"{option} {name}: {exc}") from None


def message_options(args) -> tuple[Options, str | None]:
    """--trailer, --signoff and --author, checked before any work: (options, author)."""
    trailers: list[str] = []
    for t in args.trailer:
        trailers += get_recipe(args.recipe).trailers if t == RECIPE_TRAILERS else [t]
    for t in trailers:
        format_trailer(t)  # a malformed one is bad usage
    author = "{} <{}>".format(*parse_ident(args.author)) if args.author else None
    return Options(tuple(trailers), args.signoff), author


def cmd_apply(args) -> int:
    # Absolute: git runs inside the tree, and must not write the series there.
    out = (Path(args.out) if args.out else default_out(args.recipe, args.tree)).absolute()
    check_out_writable(out)
    check_strategy(args.build)
    message, author = message_options(args)
    replaces: list[str | None] = [None]

    def before_plan(recipe, target):
        if args.in_place and target.is_git:
            raise UsageError("--in-place is for trees that are not git checkouts; "
                             "on a checkout the change goes on a branch")
        check_out_place(out, target, default=not args.out)
        replaces[0] = check_branch_free(target, args.branch or f"refactor/{recipe.name}",
                                        args.force)
        clean_stale(target, out)

    recipe, target, plan = _planned(args, before_plan)
    colour = use_colour(sys.stdout, args.color) and not args.json

    if plan.conflicts:
        report = _report(plan, target, None, out, exit_status=1)
        _show(args, report, status_table(plan, colour))
        print(f"refactor: {len(plan.conflicts)} rule(s) conflict; nothing was written",
              file=sys.stderr)
        return 1
    if not plan.changed:
        report = _report(plan, target, None, out, exit_status=0)
        _show(args, report, status_table(plan, colour) + "\nnothing to do: the tree has "
              "every applicable change already; nothing was written")
        return 0

    touched = sorted({p for s in plan.steps for p in s.changes})
    dirty = dirty_paths(target, touched)
    if dirty and not args.allow_dirty:
        raise UsageError(f"uncommitted changes in {', '.join(dirty)}, which the recipe "
                         f"touches; commit or stash them, or pass --allow-dirty")
    branch = args.branch or f"refactor/{recipe.name}"
    out = prepare_out(out)

    progress = Progress()
    try:
        emitted = emit(plan, target, out, branch if target.is_git else None, args.build,
                       in_place=args.in_place, progress=progress, message=message,
                       author=author, replaces=replaces[0],
                       report=lambda e: _report(plan, target, e, out,
                                                exit_status=1 if e.build_failed else 0))
    finally:
        progress.done()
    status = 1 if emitted.build_failed else 0
    assert emitted.report is not None  # emit() wrote it with the rest
    report = emitted.report
    text = status_table(plan, colour, emitted.builds, emitted.commits)
    if emitted.branch:
        text += f"\nbranch {emitted.branch} in {target.root}"
    if emitted.backup:
        text += f"\nthe old {emitted.branch} is kept as branch {emitted.backup}"
    text += f"\nwrote {len(report['written'])} files to {out}"
    if status:
        text += "\nbuild-test FAILED; the branch and patches are written for inspection"
    _show(args, report, text)
    return status


def _show(args, report: dict, text: str) -> None:
    if args.json:
        dump_json(report)
    else:
        print(text)


def _report(plan: Plan, target, emitted, out: Path, exit_status: int) -> dict:
    steps = []
    for i, s in enumerate(plan.steps):
        steps.append({
            "subject": s.subject,
            "commit": emitted.commits[i] if emitted else None,
            "files": s.touched,
            "rules": [r.to_json() for r in s.rules],
            "build": emitted.builds[i] if emitted and emitted.builds else None,
        })
    return {
        "tree": str(target.root),
        "head": target.head,
        "recipe": plan.recipe.name,
        "mode": "git" if target.is_git else "plain",
        "branch": emitted.branch if emitted else None,
        "backup": emitted.backup if emitted else None,
        "base": emitted.base if emitted else target.head,
        "steps": steps,
        "out": str(out),
        "written": list(emitted.written) if emitted else [],
        "exit_status": exit_status,
    }


def cmd_plan(args) -> int:
    _, _, plan = _planned(args)
    if args.json:
        data = plan_json(plan)
        data["diffs"] = [step_diff(s) for s in plan.steps]
        dump_json(data)
        return 1 if plan.conflicts else 0
    from refactor.pager import paged

    colour = use_colour(sys.stdout, args.color)  # the terminal's, not the pager's pipe
    with paged(not args.no_pager):
        print(status_table(plan, colour))
        for s in plan.steps:
            if s.changes and not args.no_diff:
                print(f"\n# {s.subject}\n")
                if args.stat:
                    sys.stdout.write(step_stat(s))
                elif args.name_only:
                    print("\n".join(s.touched))
                else:
                    sys.stdout.write(step_diff(s, colour))
        print("\n" + summary(plan, args.tree))
    return 1 if plan.conflicts else 0


def cmd_rules(args) -> int:
    all_ = recipes()
    if args.id:
        if args.id in all_:
            r = all_[args.id]
            print(f"{r.name}: {r.summary}\n")
            if r.doc:
                print(r.doc.strip() + "\n")
            for i, step in enumerate(r.steps, 1):
                print(f"step {i}: {step.title}")
                for rule in step.rules:
                    print(f"  {rule.id:<28} {rule.summary}")
            return 0
        recipe, rule = find_rule(args.id)
        print(f"{rule.id} (recipe {recipe.name}): {rule.summary}\n")
        print(rule.doc())
        print()
        print("files: " + ", ".join(rule.files))
        if rule.requires:
            print("requires: " + ", ".join(rule.requires))
        return 0
    for r in all_.values():
        print(f"{r.name}: {r.summary}")
        for i, step in enumerate(r.steps, 1):
            print(f"  step {i}: {step.title}")
            for rule in step.rules:
                print(f"    {rule.id:<28} {rule.summary}")
    return 0


def cmd_inspect(args) -> int:
    from refactor.c.inspect import format_text, inspect_file

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"{path} is not a file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    if b"\0" in head:
        raise UsageError(f"{path} is a binary file, not C source")
    result = inspect_file(path, args.define or None)
    if args.json:
        dump_json(result)
    else:
        print(format_text(result))
    return 0


def cmd_replay(args) -> int:
    from refactor.replay import replay

    check_strategy(args.build)
    if args.out:
        check_out_writable(Path(args.out).absolute())
    if args.jobs >= 1:  # replay() refuses the rest, before any work
        clean_stale(open_target(args.tree), None)
    return replay(args)


def cmd_build_test(args) -> int:
    from refactor.buildtest import build_test_command

    recipe = get_recipe(args.recipe)
    if args.strategy == "none":
        raise UsageError("--strategy none: build-test needs a strategy "
                         "(auto, make, cross, host, parse or cmd:...)")
    check_strategy(args.strategy, "--strategy")
    # The same checks as apply and plan: an empty or unreadable tree is refused.
    target = open_target(args.tree)
    check_anchors(target, recipe)
    check_readable(target, recipe)
    tree = target.root
    files = sorted({f for r in recipe.rules() for f in r.files})
    results = build_test_command(tree, args.strategy, files)
    data = [r.to_json() for r in results]
    if args.json:
        dump_json(data)
    else:
        for r in data:
            print(f"{r['strategy']}: {r['verdict']} ({r['seconds']:.2f}s) {r.get('why', '')}")
            for d in r["new"]:
                print(f"  {d}")
            for d in r["preexisting"]:
                print(f"  pre-existing: {d}")
    return 1 if any(r["verdict"] == "fail" for r in data) else 0
