"""The work behind each sub-command of the CLI."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from refactor import gitutil
from refactor.emit import check_branch_free, emit, prepare_out, write_report
from refactor.errors import UsageError
from refactor.ops.cli import name_steps, op_recipe
from refactor.output import default_out, dump_json
from refactor.plan import Plan, plan_recipe
from refactor.recipe import Recipe, find_rule, get_recipe, recipes
from refactor.report import Progress, plan_json, status_table, step_diff, use_colour
from refactor.target import check_anchors, dirty_paths, open_target


def _planned(args, recipe: Recipe | None = None) -> tuple:
    gitutil.require_git()
    recipe = recipe or get_recipe(args.recipe)
    target = open_target(args.tree)
    check_anchors(target, recipe)
    progress = Progress()
    try:
        plan = plan_recipe(recipe, target.tree, skip=args.skip, only=args.only,
                           progress=progress)
    finally:
        progress.done()
    name_steps(plan)
    return recipe, target, plan


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


def cmd_apply(args, recipe: Recipe | None = None) -> int:
    # Absolute: git runs inside the tree, and must not write the series there.
    if recipe is not None:
        name = recipe.name
    else:
        name = Path(args.recipe).stem if args.recipe.endswith(".toml") else args.recipe
    out = (Path(args.out) if args.out else default_out(name)).absolute()
    check_out_writable(out)
    check_strategy(args.build)
    recipe, target, plan = _planned(args, recipe)
    colour = use_colour(sys.stdout) and not args.json

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
    if args.in_place and target.is_git:
        raise UsageError("--in-place is for trees that are not git checkouts; "
                         "on a checkout the change goes on a branch")
    branch = args.branch or f"refactor/{recipe.name}"
    check_branch_free(target, branch)
    out = prepare_out(out)

    progress = Progress()
    try:
        emitted = emit(plan, target, out, branch if target.is_git else None, args.build,
                       in_place=args.in_place, progress=progress)
    finally:
        progress.done()
    status = 1 if emitted.build_failed else 0
    report = _report(plan, target, emitted, out, exit_status=status)
    report_path = out / "report.json"
    report["written"].append(str(report_path))
    write_report(report_path, report)
    text = status_table(plan, colour, emitted.builds, emitted.commits)
    if emitted.branch:
        text += f"\nbranch {emitted.branch} in {target.root}"
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
            "subject": s.step.subject,
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
        "base": emitted.base if emitted else target.head,
        "steps": steps,
        "out": str(out),
        "written": list(emitted.written) if emitted else [],
        "exit_status": exit_status,
    }


def cmd_plan(args, recipe: Recipe | None = None) -> int:
    _, _, plan = _planned(args, recipe)
    if args.json:
        data = plan_json(plan)
        data["diffs"] = [step_diff(s) for s in plan.steps]
        dump_json(data)
    else:
        colour = use_colour(sys.stdout)
        print(status_table(plan, colour))
        for s in plan.steps:
            if s.changes:
                print(f"\n# {s.step.subject}\n")
                sys.stdout.write(step_diff(s, colour))
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
                print(f"step {i}: {step.subject}")
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
            print(f"  step {i}: {step.subject}")
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
    result = inspect_file(path, args.define or None)
    if args.json:
        dump_json(result)
    else:
        print(format_text(result))
    return 0


def cmd_replay(args) -> int:
    from refactor.replay import replay

    check_strategy(args.build)
    return replay(args)


def cmd_build_test(args) -> int:
    from refactor.buildtest import build_test_command

    tree = Path(args.tree)
    if not tree.is_dir():
        raise UsageError(f"tree {tree} is not a directory")
    recipe = get_recipe(args.recipe)
    check_strategy(args.strategy, "--strategy")
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
