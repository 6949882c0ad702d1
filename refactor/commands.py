"""The work behind each sub-command of the CLI."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from refactor import gitutil
from refactor.emit import check_branch_free, emit, existing_ancestor, prepare_out
from refactor.errors import UsageError
from refactor.install import remove_stale, say_removed
from refactor.messages import Options, format_trailer, parse_ident
from refactor.ops.cli import name_steps, op_recipe
from refactor.output import RECIPE_TRAILERS, default_out, dump_json
from refactor.plan import Plan, plan_recipe
from refactor.recipe import Recipe, find_rule, get_recipe, recipes
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


def _planned(args, recipe: Recipe | None = None, before_plan=None) -> tuple:
    gitutil.require_git()
    recipe = recipe or get_recipe(args.recipe)
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
    name_steps(plan)
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
    probe = existing_ancestor(out)
    if probe.exists() and not probe.is_dir():
        raise UsageError(f"cannot write to --out {out}: {probe} is not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write to --out {out}: {probe} is not writable")


def check_strategy(name: str, option: str = "--build"):
    """The run's one BuildStrategy; an unknown --build is refused before any work."""
    from refactor.buildtest import BuildStrategy

    try:
        return BuildStrategy.choose(name)
    except ValueError as exc:
        raise UsageError(f"{option} {name}: {exc}") from None


def build_status(builds, strict: bool) -> int:
    """1 when a build test failed, or (with --build-strict) could not tell; else 0."""
    verdicts = {b.verdict for b in builds if b is not None}
    return 1 if "fail" in verdicts or (strict and "inconclusive" in verdicts) else 0


def inconclusive_note(builds, strict: bool) -> str | None:
    steps = [str(i) for i, b in enumerate(builds, 1) if b is not None
             and b.verdict == "inconclusive"]
    if not steps:
        return None
    return (f"build-test INCONCLUSIVE for step{'s' if len(steps) > 1 else ''} "
            f"{', '.join(steps)}: some units could not be compiled, so nothing proves they "
            "build" + ("" if strict else "; --build-strict makes this an error"))


def message_options(args, recipe: Recipe | None = None) -> tuple[Options, str | None]:
    """--trailer, --signoff and --author, checked before any work: (options, author)."""
    trailers: list[str] = []
    for t in args.trailer:
        if t == RECIPE_TRAILERS:
            trailers += (recipe or get_recipe(args.recipe)).trailers
        else:
            trailers.append(t)
    for t in trailers:
        format_trailer(t)  # a malformed one is bad usage
    author = "{} <{}>".format(*parse_ident(args.author)) if args.author else None
    return Options(tuple(trailers), args.signoff), author


def cmd_apply(args, recipe: Recipe | None = None) -> int:
    # Absolute: git runs inside the tree, and must not write the series there.
    if recipe is not None:
        name = recipe.name
    else:
        name = Path(args.recipe).stem if args.recipe.endswith(".toml") else args.recipe
    out = (Path(args.out) if args.out else default_out(name, args.tree)).absolute()
    check_out_writable(out)
    strategy = check_strategy(args.build)
    message, author = message_options(args, recipe)
    replaces: list[str | None] = [None]

    def before_plan(recipe, target):
        if args.in_place and target.is_git:
            raise UsageError("--in-place is for trees that are not git checkouts; "
                             "on a checkout the change goes on a branch")
        check_out_place(out, target, default=not args.out)
        replaces[0] = check_branch_free(target, args.branch or f"refactor/{recipe.name}",
                                        args.force)
        clean_stale(target, out)

    recipe, target, plan = _planned(args, recipe, before_plan)
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
        emitted = emit(plan, target, out, branch if target.is_git else None, strategy,
                       in_place=args.in_place, progress=progress, message=message,
                       author=author, replaces=replaces[0],
                       report=lambda e: _report(plan, target, e, out,
                                                exit_status=build_status(e.builds,
                                                                         args.build_strict)))
    finally:
        progress.done()
    status = build_status(emitted.builds, args.build_strict)
    assert emitted.report is not None  # emit() wrote it with the rest
    report = emitted.report
    text = status_table(plan, colour, emitted.builds, emitted.commits)
    if emitted.branch:
        text += f"\nbranch {emitted.branch} in {target.root}"
    if emitted.backup:
        text += f"\nthe old {emitted.branch} is kept as branch {emitted.backup}"
    text += f"\nwrote {len(report['written'])} files to {out}"
    note = inconclusive_note(emitted.builds, args.build_strict)
    if note:
        text += "\n" + note
    if emitted.build_failed:
        text += "\nbuild-test FAILED; the branch and patches are written for inspection"
    elif status:
        text += "\nbuild-test INCONCLUSIVE under --build-strict; the branch and patches " \
            "are written for inspection"
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
            "build": b.to_json() if emitted and emitted.builds
            and (b := emitted.builds[i]) is not None else None,
        })
    builds = [b for b in (emitted.builds if emitted else []) if b is not None]
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
        "build": build_summary(builds),
        "exit_status": exit_status,
    }


def build_summary(builds) -> dict | None:
    """The series' build test at a glance: the worst verdict and what it covered."""
    if not builds:
        return None
    order = ["fail", "inconclusive", "pass", "skipped"]
    return {
        "strategy": builds[0].strategy,
        "verdict": min((b.verdict for b in builds), key=order.index),
        "inconclusive_steps": sum(1 for b in builds if b.verdict == "inconclusive"),
        "failed_steps": sum(1 for b in builds if b.verdict == "fail"),
        "units": [b.units for b in builds],
        "linked": [b.linked for b in builds],
        "compiled": sum(b.compiled for b in builds),
        "reused": sum(b.reused for b in builds),
        "seconds": round(sum(b.seconds for b in builds), 3),
    }


def cmd_plan(args, recipe: Recipe | None = None) -> int:
    _, _, plan = _planned(args, recipe)
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


def cmd_rename(args) -> int:
    options = {"old": args.old, "new": args.new, "paths": args.path or ["."],
               "kind": args.kind, "comments": args.comments}
    return _run_op(args, op_recipe("rename", options, f"rename {args.old} to {args.new}"))


def cmd_move(args) -> int:
    options = {"names": args.names, "source": args.source, "dest": args.dest,
               "header": args.header}
    return _run_op(args, op_recipe("move", options,
                                   f"move {', '.join(args.names)} to {args.dest}"))


def _run_op(args, recipe: Recipe) -> int:
    """One operation goes the way of a recipe: `plan` with --dry-run, else `apply`."""
    return cmd_plan(args, recipe) if args.dry_run else cmd_apply(args, recipe)


def cmd_rules(args) -> int:
    from refactor.ops import all_ops

    all_ = recipes()
    ops = all_ops()
    if args.id and args.id in ops and args.id not in all_:
        op = ops[args.id]
        print(f"{op.op} (operation; in a recipe: op = \"{op.op}\")\n")
        print(op.doc())
        return 0
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
    print("operations (`refactor rules OP` for options):")
    for name, op in sorted(ops.items()):
        print(f"  {name:<30} {op.doc().splitlines()[0]}")
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
    return 0 if result["ok"] else 1


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
    # The same checks as apply and plan: an empty or unreadable tree is refused.
    target = open_target(args.tree)
    check_anchors(target, recipe)
    check_readable(target, recipe)
    tree = target.root
    strategy = "all"
    if args.build != "all":
        strategy = check_strategy(args.build)
        if not strategy.enabled:
            raise UsageError("build-test needs a strategy, and none builds nothing "
                             "(--build auto, make, cross, host, parse or cmd:...)")
    files = sorted({f for r in recipe.rules() for f in r.files})
    results = build_test_command(tree, strategy, files)
    if args.json:
        dump_json([r.to_json() for r in results])
    else:
        for r in results:
            print(f"{r.summary()} in {r.seconds:.2f}s; programs: "
                  f"{', '.join(r.programs) or '-'} ({r.why})")
            for d in r.new:
                print(f"  {d}")
            for d in r.unchecked:
                print(f"  unchecked: {d}")
            for d in r.notes:
                print(f"  not judged: {d}")
            for d in r.preexisting:
                print(f"  present: {d}")
            print(f"  log: {r.log}")
    return build_status(results, args.build_strict)
