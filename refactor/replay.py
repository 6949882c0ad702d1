"""Replay a recipe across revisions of a git repository.

Each revision is read straight from git's object database (no checkout), planned,
applied in memory and build-tested commit by commit; nothing is written to the
repository.  The result is a matrix of rule statuses per revision.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from refactor.errors import UsageError
from refactor.output import dump_json
from refactor.plan import plan_recipe
from refactor.recipe import get_recipe
from refactor.target import check_anchors, open_target

SHORT = {
    "applied": "applied",
    "already-applied": "already",
    "not-applicable": "n/a",
    "conflict": "CONFLICT",
}


def replay_rev(recipe, tree_dir: str, rev: str, build, log_root: Path,
               series_root: Path | None = None) -> dict:
    """One revision; `build` is the run's BuildStrategy, or its name in a worker."""
    target = open_target(tree_dir, rev)
    if not target.is_git:
        raise UsageError(f"{tree_dir} is not a git checkout; replay needs one")
    check_anchors(target, recipe)
    plan = plan_recipe(recipe, target.tree)
    builds: list = []
    if not plan.conflicts:
        from refactor.buildtest import BuildStrategy

        builds = [b.to_json() if b else None for b in BuildStrategy.of(build).run_series(
            plan.steps, log_root / rev_dir(rev))]
    series = None
    if series_root is not None and not plan.conflicts:
        from refactor.emit import write_series

        series = str(series_root / rev_dir(rev))
        write_series(plan, target.root, target.head, Path(series))
    return {
        "rev": rev,
        "commit": target.head,
        "series": series,
        "rules": {r.rule.id: {"status": str(r.status), "reason": r.reason}
                  for r in plan.rule_results()},
        "builds": builds,
        "conflict": bool(plan.conflicts),
    }


def matrix(recipe, results: list[dict]) -> str:
    ids = [r.id for r in recipe.rules()]
    width = max(len(i) for i in ids) + 2
    cols = [max(len(r["rev"]), 9) + 2 for r in results]
    lines = ["rule".ljust(width) + "".join(r["rev"].ljust(c) for r, c in zip(results, cols,
                                                                               strict=True))]
    for rid in ids:
        cells = [SHORT[r["rules"][rid]["status"]].ljust(c) for r, c in zip(results, cols,
                                                                            strict=True)]
        lines.append(rid.ljust(width) + "".join(cells))
    build_cells = []
    for r, c in zip(results, cols, strict=True):
        text = worst_verdict(r["builds"])
        build_cells.append(text.ljust(c))
    lines.append("build-test".ljust(width) + "".join(build_cells))
    return "\n".join(line.rstrip() for line in lines)


def worst_verdict(builds: list) -> str:
    """The revision's build test in one word: its worst step, or "-"."""
    verdicts = {b["verdict"] for b in builds if b}
    return next((v for v in ("fail", "inconclusive", "pass", "skipped") if v in verdicts), "-")


def rev_dir(rev: str) -> str:
    return rev.replace("/", "_")


def progress_line(done: int, total: int, result: dict) -> str:
    """replay: 2/4 releng/13.0: 12 applied, 3 already, 2 n/a, build pass"""
    counts: dict[str, int] = {}
    for v in result["rules"].values():
        counts[SHORT[v["status"]]] = counts.get(SHORT[v["status"]], 0) + 1
    said = ", ".join(f"{counts[k]} {k}" for k in SHORT.values() if counts.get(k))
    build = worst_verdict(result["builds"])
    return f"replay: {done}/{total} {result['rev']}: {said}; build {build}"


def _replay_one(recipe_name: str, tree_dir: str, rev: str, build: str, logs: str,
                series: str | None) -> dict:
    # A worker process finds the recipe again by name: rule objects need not pickle.
    return replay_rev(get_recipe(recipe_name), tree_dir, rev, build, Path(logs),
                      Path(series) if series else None)


def replay(args) -> int:
    if args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs}: give 1 or more")
    recipe = get_recipe(args.recipe)
    jobs = min(args.jobs, len(args.rev))
    series = Path(args.out).absolute() if getattr(args, "out", None) else None
    total = len(args.rev)

    def report(done: int, result: dict) -> None:
        print(progress_line(done, total, result), file=sys.stderr, flush=True)

    # The pid in the name lets a later run remove it if this one is killed.
    with tempfile.TemporaryDirectory(prefix=f"refactor-replay-{os.getpid()}-") as logs:
        if jobs == 1:
            from refactor.buildtest import BuildStrategy

            # One strategy for every revision: units the revisions share are compiled once.
            strategy = BuildStrategy.choose(args.build)
            results = []
            for rev in args.rev:
                results.append(replay_rev(recipe, args.tree, rev, strategy, Path(logs),
                                          series))
                report(len(results), results[-1])
        else:
            # Revisions are independent: each reads its own commit from git.
            from concurrent.futures import ProcessPoolExecutor, as_completed

            with ProcessPoolExecutor(jobs) as pool:
                futures = [pool.submit(_replay_one, recipe.name, args.tree, rev, args.build,
                                       logs, str(series) if series else None)
                           for rev in args.rev]
                for done, f in enumerate(as_completed(futures), 1):
                    report(done, f.result())
                results = [f.result() for f in futures]
    if args.json:
        dump_json({"recipe": recipe.name, "tree": str(args.tree), "revs": results})
    else:
        print(matrix(recipe, results))
        for r in results:
            reasons = [(rid, v["reason"]) for rid, v in r["rules"].items()
                       if v["status"] in ("not-applicable", "conflict") and v["reason"]]
            if reasons:
                print(f"\n{r['rev']}:")
                for rid, why in reasons:
                    print(f"  {rid}: {why}")
            for b in r["builds"]:
                for d in (b or {}).get("new", []):
                    print(f"  new diagnostic: {d}")
                for d in (b or {}).get("unchecked", []):
                    print(f"  unchecked: {d}")
        if series:
            print(f"\nthe series of each revision are in {series}/<rev>/")
    bad = {"fail", "inconclusive"} if args.build_strict else {"fail"}
    failed = any(r["conflict"] or any(b and b["verdict"] in bad for b in r["builds"])
                 for r in results)
    sys.stdout.flush()
    return 1 if failed else 0
