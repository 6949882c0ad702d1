"""Choosing a strategy once, and running one build test per commit with it.

    strategy = BuildStrategy.choose("auto")     # or "cross", "cmd:make", "none"
    results = strategy.run_series(plan.steps, log_root, progress)

`cross` and `host` compile every unit of each program a commit affects, in
every configuration, before and after, to objects, and link-check them
(plan, compile, link); the differential verdict (diagnostics.compare) fails
only on what the commit introduced, and says `inconclusive` when a unit could
not be compiled, so could not be judged.  `parse` and `make` give pass/fail.
Whatever the strategy, touched man pages go through mandoc -Tlint and touched
mtree specs through the hierarchy check.  A plain tree (`before=None`) has no
baseline: its errors fail, and a unit stopped by a missing header is unchecked.

One BuildStrategy serves a whole run (`apply`, `replay`, `build-test`): its
UnitCache reuses every unit whose input did not change.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from refactor.buildtest import mandoc, mtree_check
from refactor.buildtest.alone import check_headers
from refactor.buildtest.compile import Job, Toolchain, UnitCache, UnitResult, compile_side
from refactor.buildtest.cross import zig_available, zig_toolchain
from refactor.buildtest.diagnostics import (
    BuildResult,
    Diagnostic,
    compare,
    parse_compiler_output,
    render_all,
)
from refactor.buildtest.headers import complete_headers
from refactor.buildtest.host import host_compiler, host_toolchain
from refactor.buildtest.link import LinkResult, broken_links, link
from refactor.buildtest.make import (
    checkout,
    make_command,
    make_env,
    make_program,
    remove_checkout,
)
from refactor.buildtest.plan import Plan, Unit, plan_units
from refactor.formats.mdoc import is_man_page
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
    reasons: list[str] = []
    for name in ("make", "cross", "host"):
        ok, why = available(name)
        if ok:
            if name == "cross":
                why += f"; not on FreeBSD ({reasons[0]})" if reasons else ""
            return name, why
        reasons.append(why)
    return "parse", "; ".join(reasons + ["parse needs nothing but Python"])


@dataclass
class BuildStrategy:
    """The build test a run uses, chosen once; shared by every commit of the run."""

    name: str  # "cross", "host", "parse", "make", "cmd:...", or "none"
    why: str
    requested: str = "auto"
    cache: UnitCache = field(default_factory=UnitCache)

    @classmethod
    def choose(cls, requested: str = "auto") -> BuildStrategy:
        """Raises ValueError for a strategy that does not exist."""
        if requested == "none":
            return cls("none", "no build test was asked for", requested)
        name, why = choose_strategy(requested)
        return cls(name, why, requested)

    @classmethod
    def of(cls, build: str | BuildStrategy) -> BuildStrategy:
        """A strategy object from a --build value, or the object itself."""
        return build if isinstance(build, BuildStrategy) else cls.choose(build)

    @property
    def enabled(self) -> bool:
        return self.name != "none"

    def run(self, before: Tree | None, after: Tree, touched: list[str], log_dir: Path,
            worktree: Path | None = None) -> BuildResult:
        """Build-test one commit (see the module doc); logs go to log_dir/<name>.log."""
        return _run(self, before, after, touched, Path(log_dir), worktree)

    def run_series(self, steps, log_root: Path,
                   progress: Callable[[str], None] | None = None) -> list[BuildResult | None]:
        """The one build loop of `apply` and `replay`: each step that changed something,
        with its logs in log_root/NNNN/; None for a step that changed nothing."""
        results: list[BuildResult | None] = []
        for i, step in enumerate(steps, 1):
            if not self.enabled or not step.changes:
                results.append(None)
                continue
            if progress:
                progress(f"build-test {i}/{len(steps)} ({self.name})")
            results.append(self.run(step.before, step.after, step.touched,
                                    Path(log_root) / f"{i:04d}"))
        return results


def run_build_test(before: Tree | None, after: Tree, touched: list[str],
                   strategy: str | BuildStrategy, log_dir: Path,
                   worktree: Path | None = None) -> BuildResult:
    """Build-test one commit with a strategy object or name."""
    return BuildStrategy.of(strategy).run(before, after, touched, log_dir, worktree)


@dataclass
class _Part:
    """What one strategy's check found, before the verdict."""

    checked: int = 0
    before: list[Diagnostic] = field(default_factory=list)
    after: list[Diagnostic] = field(default_factory=list)
    configs: list[str] = field(default_factory=list)
    broken: list[Diagnostic] = field(default_factory=list)  # new by construction (links)
    unchecked: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was not judged, and why
    failed: bool = False  # the check failed without a diagnostic to compare
    programs: list[str] = field(default_factory=list)
    units: int = 0
    compiled: int = 0
    reused: int = 0
    linked: int = 0


def _run(strategy: BuildStrategy, before: Tree | None, after: Tree, touched: list[str],
         log_dir: Path, worktree: Path | None) -> BuildResult:
    t0 = time.monotonic()
    log_dir.mkdir(parents=True, exist_ok=True)
    name, why = strategy.name, strategy.why
    plain = before is None
    if before is None:
        before = Tree(_Nothing())
        why += "; plain tree: no before-state, every error counts"
    touched = list(dict.fromkeys(touched))
    log: list[str] = [f"# build test: {name} ({why})", f"# touched: {' '.join(touched)}"]
    part = _Part()

    with tempfile.TemporaryDirectory(prefix="buildtest-") as tmp:
        tmp_root = Path(tmp)
        if name in ("cross", "host"):
            tc = zig_toolchain() if name == "cross" else host_toolchain()
            part = _compile(tc, before, after, touched, tmp_root, log, strategy.cache, plain)
        elif name == "parse":
            n, b, a, configs = _parse(before, after, touched, log)
            part = _Part(n, b, a, configs)
        elif name == "make":
            n, b, a, configs, failed = _make(before, after, touched, tmp_root, worktree, log)
            part = _Part(n, b, a, configs, failed=failed)
        elif name.startswith("cmd:"):
            from refactor.buildtest.cmd import run_command
            rc, out, where = run_command(name[4:], after, touched, worktree)
            log.append(f"## $ {name[4:]}  (in {where}): exit {rc}\n{out}")
            part.checked += 1
            if rc != 0:
                part.failed = True
                part.after.append(Diagnostic("(command)", 0, f"error: `{name[4:]}` exited {rc}"))

        pages = [p for p in touched if is_man_page(p)]
        if pages and mandoc.mandoc_path() is None:
            log.append(f"# mandoc is not installed: {len(pages)} man page(s) not linted")
        elif pages:
            for p in pages:
                for tree, sink, side in ((before, part.before, "before"),
                                         (after, part.after, "after")):
                    d, out = mandoc.lint(tree, p)
                    sink += d
                    log.append(f"## mandoc -Tlint {p} ({side})\n{out}")
                part.checked += 1
        for p in (p for p in touched if mtree_check.is_mtree_spec(p)):
            d, out = mtree_check.check(before, after, p)
            part.after += d
            log.append(f"## mtree {p}\n{out}")
            part.checked += 1

    diff = compare(part.before, part.after, before.read, after.read)
    if plain and name in ("cross", "host"):
        # No baseline: an error fails, a warning is only shown, and a unit stopped
        # by a missing header is unchecked (listed in part.unchecked).
        present = [d for d in diff.new if not d.message.startswith("error")
                   or d.missing_header()]
        diff.new = [d for d in diff.new if d not in present]
        diff.preexisting += present
    if name in ("cross", "host") and not complete_headers(after):
        # A partial tree: a header it lacks may well exist in the full tree, so a
        # unit stopped by one is unchecked (part.unchecked), not failed.
        gaps = [d for d in diff.new if d.missing_header()]
        diff.new = [d for d in diff.new if d not in gaps]
        diff.preexisting += gaps
    new = diff.new + part.broken
    all_configs = part.configs or ["default"]
    if new or part.failed:
        verdict = "fail"
    elif part.unchecked:
        verdict = "inconclusive"
    elif part.checked == 0:
        verdict = "skipped"
        why += "; nothing to check: no touched C unit, man page or mtree spec"
    else:
        verdict = "pass"
    log_path = log_dir / f"{name.split(':')[0]}.log"
    result = BuildResult(
        strategy=name, verdict=verdict,
        new=render_all(new, all_configs),
        preexisting=render_all(diff.preexisting, all_configs),
        fixed=render_all(diff.fixed, all_configs),
        seconds=time.monotonic() - t0, log=str(log_path), why=why,
        unchecked=part.unchecked, notes=part.notes, programs=part.programs, units=part.units,
        compiled=part.compiled, reused=part.reused, linked=part.linked)
    log.append(f"# verdict: {verdict} in {result.seconds:.2f}s ({result.summary()})")
    for title, lines in (("new", result.new), ("pre-existing", result.preexisting),
                         ("fixed", result.fixed), ("unchecked", result.unchecked),
                         ("not judged", result.notes)):
        log.append(f"# {title}: {len(lines)}" + "".join(f"\n#   {x}" for x in lines))
    log_path.write_text("\n".join(log) + "\n", encoding="utf-8", errors="replace")
    return result


def _compile(tc: Toolchain, before: Tree, after: Tree, touched: list[str], tmp_root: Path,
             log: list[str], cache: UnitCache, plain: bool) -> _Part:
    plan = plan_units(before, after, touched)
    log += [f"# note: {n}" for n in plan.notes]
    log.append(f"# programs: {', '.join(plan.dirs) or '(none)'}")
    log.append(f"# configurations: {', '.join(c.label for c in plan.configs)}")
    units_b = [u for u in plan.units if u.before is not None]
    units_a = [u for u in plan.units if u.after is not None]
    hits, misses = cache.hits, cache.misses
    side_b = compile_side(tc, before, "before",
                          [Job(u.config.label, u.tu, u.before) for u in units_b
                           if u.before is not None], touched, tmp_root, cache)
    side_a = compile_side(tc, after, "after",
                          [Job(u.config.label, u.tu, u.after) for u in units_a
                           if u.after is not None], touched, tmp_root, cache)
    # Touched sources the program does not build: compiled only to know what they
    # define, so that a call into one of them (a new file missing from SRCS) is judged.
    left_out_jobs = [(u.program, Job(u.config.label, tu, u.after))
                     for tu in touched if tu.endswith(".c") and after.exists(tu)
                     for u in _one_unit_per_config(units_a)
                     if posixpath.dirname(tu) == u.program and u.after is not None
                     and tu not in u.after.srcs]
    side_x = compile_side(tc, after, "left-out", [j for _, j in left_out_jobs], touched,
                          tmp_root, cache)
    left_out: dict[tuple[str, str], dict[str, str]] = {}
    for (prog, job), res in zip(left_out_jobs, side_x.units, strict=True):
        for sym in (res.symbols.defined if res.symbols else ()):
            left_out.setdefault((prog, job.label), {}).setdefault(sym, job.tu)
    log += side_b.log + side_a.log + side_x.log
    part = _Part(len(plan.units), side_b.diagnostics + plan.missing_diagnostics("before"),
                 side_a.diagnostics + plan.missing_diagnostics("after"),
                 [c.label for c in plan.configs], programs=list(plan.dirs))
    part.units = sum(1 for r in side_a.units if r.compiled)
    part.compiled = cache.misses - misses
    part.reused = cache.hits - hits
    results_b = list(zip(units_b, side_b.units, strict=True))
    results_a = list(zip(units_a, side_a.units, strict=True))
    for prog in plan.dirs:
        for cfg in plan.program_configs[prog]:
            lb = _link(plan, prog, cfg, "before", results_b)
            la = _link(plan, prog, cfg, "after", results_a)
            if la is None:
                log.append(f"# link {prog} [{cfg.label}]: not checked, not every unit compiled")
                continue
            part.linked += la.objects
            breaks = broken_links(None if plain else lb, la,
                                  left_out.get((prog, cfg.label)))
            log.append(f"# link {prog} [{cfg.label}]: {la.objects} objects, "
                       f"{len(la.unresolved)} symbols from outside the program"
                       + (f", {len(breaks)} no longer resolved" if breaks else ""))
            part.broken += [Diagnostic(r.file, r.line, f"error: would not link: undefined "
                                       f"reference to '{r.symbol}' ({r.object}){why}",
                                       cfg.label)
                            for r, why in breaks]
            # A call into a left-out source that was broken before already is shown
            # on both sides, so the differential reports it as pre-existing.
            for sym, refs in (lb.unresolved.items() if lb is not None and not plain else ()):
                if sym in la.unresolved and sym in left_out.get((prog, cfg.label), {}):
                    d = Diagnostic(refs[0].file, refs[0].line, f"error: would not link: "
                                   f"undefined reference to '{sym}' ({refs[0].object})",
                                   cfg.label)
                    part.before.append(d)
                    part.after.append(d)
    alone = check_headers(tc, before, after, touched, plan, tmp_root, cache, plain)
    log += alone.log
    part.broken += alone.broken
    part.notes += alone.notes
    part.checked += alone.checked
    part.compiled = cache.misses - misses
    part.reused = cache.hits - hits
    part.unchecked = _unchecked(plan, side_b.units, "before") if not plain else []
    part.unchecked += _unchecked(plan, side_a.units, "" if plain else "after", plain)
    return part


def _one_unit_per_config(units: Iterable[Unit]) -> Iterator[Unit]:
    """One unit of each (program, configuration): its BuildDir stands for the program's."""
    seen: dict[tuple[str, str], None] = {}
    for u in units:
        if (u.program, u.config.label) not in seen:
            seen[(u.program, u.config.label)] = None
            yield u


def _link(plan: Plan, prog: str, cfg, side: str, results) -> LinkResult | None:
    """The program's link on one side; None when a unit of it gave no object."""
    mine = [(u, r) for u, r in results if u.program == prog and u.config == cfg]
    if not mine or any(s == side and c == cfg and posixpath.dirname(mk) == prog
                       for s, c, mk, _ in plan.missing):
        return None
    if not all(r.compiled for _, r in mine):
        return None
    return link({u.tu: r.symbols for u, r in mine if r.symbols is not None})


def _unchecked(plan: Plan, results: list[UnitResult], side: str,
               only_missing_headers: bool = False) -> list[str]:
    """'tu: why [configs]' for each unit that gave no object, configurations merged."""
    why: dict[tuple[str, str], list[str]] = {}
    for r in results:
        if r.compiled:
            continue
        reason = r.why_not()
        if only_missing_headers and not reason.startswith("missing <"):
            continue
        why.setdefault((r.tu, reason), []).append(r.config)
    labels = {c.label for c in plan.configs}
    out = []
    for (tu, reason), cfgs in why.items():
        where = f" [{', '.join(cfgs)}]" if set(cfgs) != labels and len(labels) > 1 else ""
        when = f" {side} the commit" if side else ""
        out.append(f"{tu}: did not compile{when}: {reason}{where}")
    return out


def _parse(before: Tree, after: Tree, touched: list[str], log: list[str]):
    from refactor.buildtest.parse import check_plan

    return check_plan(before, after, touched, log)


def _make(before: Tree, after: Tree, touched: list[str], tmp_root: Path,
          worktree: Path | None, log: list[str]
          ) -> tuple[int, list[Diagnostic], list[Diagnostic], list[str], bool]:
    from refactor.buildtest.config import configurations

    prog, why = make_program()
    if prog is None:  # BuildStrategy.of picks "make" only where available() says so
        raise RuntimeError(f"the make strategy cannot run here: {why}")
    dirs = [d for d in dict.fromkeys(posixpath.dirname(p) for p in touched)
            if after.exists(posixpath.join(d, "Makefile"))]
    texts = [t for d in dirs if (t := after.text(posixpath.join(d, "Makefile")))]
    configs = configurations(texts)
    sides: dict[str, tuple[list[Diagnostic], int | None]] = {}  # None: no tree on disk
    made: list[tuple[Tree, Path]] = []
    failed = False
    for side, tree, given in (("before", before, None), ("after", after, worktree)):
        if given is not None:
            root, how = Path(given), f"worktree {given}"
        else:
            checked_out, how = checkout(tree, tmp_root / f"wt-{side}")
            if checked_out is None:
                log.append(f"# make: no {side} tree on disk: {how}")
                sides[side] = ([], None)
                continue
            root = checked_out
            made.append((tree, root))
        diags: list[Diagnostic] = []
        worst = 0
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


def build_test_command(tree_dir: Path, strategy: str | BuildStrategy = "auto",
                       files: list[str] | None = None, log_dir: Path | None = None,
                       recipe: str | None = None) -> list[BuildResult]:
    """`refactor build-test --tree DIR`: check a plain tree as it is.

    The files are `files`, or else every file the recipe's rules read (all
    recipes when `recipe` is None) that the tree has.  There is no before-state,
    so every error counts, and a unit stopped by a missing header is unchecked.
    `strategy` may be "all": one result for each strategy that can run here,
    which is how their times are compared.
    """
    tree = Tree.from_dir(tree_dir)
    if files is None:
        from refactor.recipe import get_recipe, recipes
        chosen = [get_recipe(recipe)] if recipe else list(recipes().values())
        files = list(dict.fromkeys(f for r in chosen for rule in r.rules() for f in rule.files))
    files = [f for f in files if tree.exists(f)]
    log_dir = Path(log_dir) if log_dir else Path(tempfile.mkdtemp(prefix="build-test-logs-"))
    runs = [BuildStrategy.choose(s) for s in ("make", "cross", "host", "parse")
            if available(s)[0]] if strategy == "all" else [BuildStrategy.of(strategy)]
    return [s.run(None, tree, files, log_dir,
                  worktree=Path(tree_dir) if s.name == "make" or s.name.startswith("cmd:")
                  else None)
            for s in runs]


def tool_versions() -> dict[str, str]:
    """For the report: what each strategy would run."""
    out: dict[str, str] = {}
    mandoc_path = shutil.which("mandoc")
    if mandoc_path:
        out["mandoc"] = mandoc_path
    if zig_available():
        out["zig"] = " ".join(zig_toolchain().argv[:4])
    cc = host_compiler()
    if cc:
        out["host"] = cc
    return out
