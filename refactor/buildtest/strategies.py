"""Choosing a strategy and running one build test per commit.

Every strategy checks the touched files before and after the commit and fails
only on diagnostics the commit introduced (diagnostics.compare).  Whatever
the strategy, touched man pages go through mandoc -Tlint and touched mtree
specs through the hierarchy check.  A plain tree (`before=None`) has no
baseline: every diagnostic counts as new.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from refactor.buildtest import mandoc, mtree_check
from refactor.buildtest.compile import Toolchain, compile_plan
from refactor.buildtest.cross import zig_available, zig_toolchain
from refactor.buildtest.diagnostics import (
    BuildResult,
    Diagnostic,
    compare,
    parse_compiler_output,
    render_all,
)
from refactor.buildtest.host import host_compiler, host_toolchain
from refactor.buildtest.make import (
    checkout,
    make_command,
    make_env,
    make_program,
    remove_checkout,
)
from refactor.buildtest.plan import plan_units
from refactor.tree import Source, Tree

STRATEGIES = ("auto", "make", "cross", "host", "parse")  # and "cmd:<shell command>"


class _Nothing(Source):
    """The state before a plain tree: no files at all."""

    def read(self, path: str) -> bytes | None:
        return None

    def describe(self) -> str:
        return "(nothing)"


def available(strategy: str) -> tuple[bool, str]:
    """Whether `strategy` can run here, and why (not)."""
    if strategy == "make":
        prog, why = make_program()
        return prog is not None, why
    if strategy == "cross":
        if not zig_available():
            return False, "ziglang is not installed (pip install ziglang)"
        try:
            zig_toolchain()
        except RuntimeError as exc:
            return False, str(exc)
        return True, "ziglang is installed"
    if strategy == "host":
        cc = host_compiler()
        return (cc is not None,
                f"host compiler {cc}" if cc else "no clang, cc or gcc on PATH")
    if strategy == "parse":
        return True, "the C front end needs nothing but Python"
    if strategy.startswith("cmd:"):
        return bool(strategy[4:].strip()), "user command" if strategy[4:].strip() else \
            "cmd: needs a command after the colon"
    return False, f"unknown strategy {strategy!r} (one of {', '.join(STRATEGIES)}, cmd:...)"


def choose_strategy(requested: str = "auto") -> tuple[str, str]:
    """(strategy, why).  `auto` takes the strongest that can run here; a named
    strategy that cannot run falls back the same way, saying why."""
    if requested != "auto":
        ok, why = available(requested)
        if ok:
            return requested, why
        if requested.startswith("cmd:") or requested not in STRATEGIES:
            raise ValueError(why)
        fallback, fwhy = choose_strategy("auto")
        return fallback, f"{requested} cannot run ({why}); using {fallback}: {fwhy}"
    reasons = []
    for name in ("make", "cross", "host"):
        ok, why = available(name)
        if ok:
            if name == "cross":
                why += f"; not on FreeBSD ({reasons[0]})" if reasons else ""
            return name, why
        reasons.append(why)
    return "parse", "; ".join(reasons + ["parse needs nothing but Python"])


def run_build_test(before: Tree | None, after: Tree, touched: list[str], strategy: str,
                   log_dir: Path, worktree: Path | None = None) -> BuildResult:
    """Build-test one commit (see the module doc); logs go to log_dir/<strategy>.log."""
    t0 = time.monotonic()
    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    name, why = choose_strategy(strategy)
    if before is None:
        before = Tree(_Nothing())
        why += "; plain tree: no before-state, every diagnostic counts"
    touched = list(dict.fromkeys(touched))
    log: list[str] = [f"# build test: {name} ({why})", f"# touched: {' '.join(touched)}"]
    diags_b: list[Diagnostic] = []
    diags_a: list[Diagnostic] = []
    configs: list[str] = []
    checked = 0
    verdict_override = None

    with tempfile.TemporaryDirectory(prefix="buildtest-") as tmp:
        tmp_root = Path(tmp)
        if name in ("cross", "host"):
            tc = zig_toolchain() if name == "cross" else host_toolchain()
            n, b, a, configs = _compile(tc, before, after, touched, tmp_root, log)
            checked += n
            diags_b += b
            diags_a += a
        elif name == "parse":
            n, b, a, configs = _parse(before, after, touched, log)
            checked += n
            diags_b += b
            diags_a += a
        elif name == "make":
            n, b, a, configs, failed = _make(before, after, touched, tmp_root, worktree, log)
            checked += n
            diags_b += b
            diags_a += a
            if failed:
                verdict_override = "fail"
        elif name.startswith("cmd:"):
            from refactor.buildtest.cmd import run_command
            rc, out, where = run_command(name[4:], after, touched, worktree)
            log.append(f"## $ {name[4:]}  (in {where}): exit {rc}\n{out}")
            checked += 1
            if rc != 0:
                verdict_override = "fail"
                diags_a.append(Diagnostic("(command)", 0, f"error: `{name[4:]}` exited {rc}"))

        pages = [p for p in touched if mandoc.is_man_page(p)]
        if pages and mandoc.mandoc_path() is None:
            log.append(f"# mandoc is not installed: {len(pages)} man page(s) not linted")
        elif pages:
            for p in pages:
                for tree, sink, side in ((before, diags_b, "before"), (after, diags_a, "after")):
                    d, out = mandoc.lint(tree, p)
                    sink += d
                    log.append(f"## mandoc -Tlint {p} ({side})\n{out}")
                checked += 1
        for p in (p for p in touched if mtree_check.is_mtree_spec(p)):
            d, out = mtree_check.check(before, after, p)
            diags_a += d
            log.append(f"## mtree {p}\n{out}")
            checked += 1

    diff = compare(diags_b, diags_a, before.read, after.read)
    all_configs = configs or ["default"]
    verdict = "fail" if diff.new or verdict_override == "fail" else "pass"
    if checked == 0:
        verdict = "skipped"
        why += "; nothing to check: no touched C unit, man page or mtree spec"
    log_path = log_dir / f"{name.split(':')[0]}.log"
    result = BuildResult(
        strategy=name, verdict=verdict,
        new=render_all(diff.new, all_configs),
        preexisting=render_all(diff.preexisting, all_configs),
        fixed=render_all(diff.fixed, all_configs),
        seconds=time.monotonic() - t0, log=str(log_path), why=why)
    log.append(f"# verdict: {verdict} in {result.seconds:.2f}s")
    for title, lines in (("new", result.new), ("pre-existing", result.preexisting),
                         ("fixed", result.fixed)):
        log.append(f"# {title}: {len(lines)}" + "".join(f"\n#   {x}" for x in lines))
    log_path.write_text("\n".join(log) + "\n", encoding="utf-8", errors="replace")
    return result


def _compile(tc: Toolchain, before: Tree, after: Tree, touched: list[str], tmp_root: Path,
             log: list[str]):
    plan = plan_units(before, after, touched, tc.system_dirs)
    log += [f"# note: {n}" for n in plan.notes]
    log.append(f"# configurations: {', '.join(c.label for c in plan.configs)}")
    log.append("# units: " + ", ".join(f"{u.tu} [{u.config.label}]" for u in plan.units))
    side_b, side_a = compile_plan(tc, before, after, plan, touched, tmp_root)
    log += side_b.log + side_a.log
    return (len(plan.units), side_b.diagnostics + plan.missing_diagnostics("before"),
            side_a.diagnostics + plan.missing_diagnostics("after"),
            [c.label for c in plan.configs])


def _parse(before: Tree, after: Tree, touched: list[str], log: list[str]):
    from refactor.buildtest.parse import check_plan

    return check_plan(before, after, touched, log)


def _make(before: Tree, after: Tree, touched: list[str], tmp_root: Path,
          worktree: Path | None, log: list[str]):
    from refactor.buildtest.config import configurations

    prog, _ = make_program()
    dirs = [d for d in dict.fromkeys(posixpath.dirname(p) for p in touched)
            if after.exists(posixpath.join(d, "Makefile"))]
    texts = [t for d in dirs if (t := after.text(posixpath.join(d, "Makefile")))]
    configs = configurations(texts)
    sides = {}
    made = []
    failed = False
    for side, tree, given in (("before", before, None), ("after", after, worktree)):
        if given is not None:
            root, how = Path(given), f"worktree {given}"
        else:
            root, how = checkout(tree, tmp_root / f"wt-{side}")
            if root is None:
                log.append(f"# make: no {side} tree on disk: {how}")
                sides[side] = ([], None)
                continue
            made.append((tree, root))
        diags, worst = [], 0
        for cfg in configs:
            for d in dirs:
                if not (root / d / "Makefile").exists():
                    continue
                cmd = make_command(prog, root, d, cfg)
                objdir = tmp_root / f"obj-{side}-{len(diags)}-{abs(hash(cfg.label))}"
                p = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                                   env=make_env(objdir))
                out = p.stdout + p.stderr
                log.append(f"## make {side} [{cfg.label}] ({how}): exit {p.returncode}\n"
                           f"$ MAKEOBJDIRPREFIX={objdir} {' '.join(cmd)}\n{out}")
                worst = max(worst, p.returncode)

                def rel(printed: str, base=root / d, top=root) -> str | None:
                    full = Path(os.path.normpath(base / printed))
                    try:
                        return full.relative_to(top).as_posix()
                    except ValueError:
                        return None

                diags += parse_compiler_output(out, rel, cfg.label)
        sides[side] = (diags, worst)
    for tree, root in made:
        remove_checkout(tree, root)
    # The build itself failing where it worked before fails the test, even without
    # a diagnostic we could parse (a link error, a missing source).
    if sides.get("after", ([], 0))[1] and not sides.get("before", ([], 0))[1]:
        failed = True
    return (len(dirs) * len(configs), sides.get("before", ([], 0))[0],
            sides.get("after", ([], 0))[0], [c.label for c in configs], failed)


def build_test_command(tree_dir: Path, strategy: str = "auto",
                       files: list[str] | None = None, log_dir: Path | None = None,
                       recipe: str | None = None) -> list[BuildResult]:
    """`refactor build-test --tree DIR`: check a plain tree as it is.

    The files are `files`, or else every file the recipe's rules read (all
    recipes when `recipe` is None) that the tree has.  There is no before-state,
    so every diagnostic counts.  `strategy` may be "all": one result for each
    strategy that can run here, which is how their times are compared.
    """
    tree = Tree.from_dir(tree_dir)
    if files is None:
        from refactor.recipe import get_recipe, recipes
        chosen = [get_recipe(recipe)] if recipe else list(recipes().values())
        files = list(dict.fromkeys(f for r in chosen for rule in r.rules() for f in rule.files))
    files = [f for f in files if tree.exists(f)]
    log_dir = Path(log_dir) if log_dir else Path(tempfile.mkdtemp(prefix="build-test-logs-"))
    names = [s for s in ("make", "cross", "host", "parse") if available(s)[0]] \
        if strategy == "all" else [strategy]
    return [run_build_test(None, tree, files, s, log_dir,
                           worktree=Path(tree_dir) if s == "make" or s.startswith("cmd:")
                           else None)
            for s in names]


def tool_versions() -> dict[str, str]:
    """For the report: what each strategy would run."""
    out = {}
    if shutil.which("mandoc"):
        out["mandoc"] = shutil.which("mandoc")
    if zig_available():
        out["zig"] = " ".join(zig_toolchain().argv[:4])
    cc = host_compiler()
    if cc:
        out["host"] = cc
    return out
