"""Figure 3: one function rename across a directory of bhyve-like C, ours against spatch.

Both rewrite the files in place (spatch --in-place), starting from fresh copies,
and the resulting directories must be byte-identical.  Our side is timed as a
process (`python -m bench.rename_run`), like spatch; the in-process time is a
sub-figure.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench import cgen
from bench.common import PYTHON, Figure, Unavailable, median_runs, median_time

COCCI = f"""\
@ call @
@@
- {cgen.OLD}
+ {cgen.NEW}
  (...)

@ def @
type T;
@@
  T
- {cgen.OLD}
+ {cgen.NEW}
  (...) {{...}}

@ proto @
type T;
@@
  T
- {cgen.OLD}
+ {cgen.NEW}
  (...);
"""


def ensure_spatch(log=print) -> str:
    exe = shutil.which("spatch")
    if exe:
        return exe
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("  installing coccinelle with apt-get (root, and spatch is missing)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-q", "coccinelle"], env=env,
                       capture_output=True)
        exe = shutil.which("spatch")
        if exe:
            return exe
    raise Unavailable("spatch (coccinelle) is not installed: apt-get install coccinelle")


def _differs(a: Path, b: Path) -> list[str]:
    names = sorted(p.name for p in a.iterdir())
    _, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    return mismatch + errors


def measure(runs: int, quick: bool, log=print) -> list[Figure]:
    try:
        from refactor.c.rename import rename_edits  # noqa: F401
    except ImportError as exc:
        raise Unavailable(f"refactor.c.rename is missing: {exc}") from None
    from bench.rename_run import rename_dir

    n_files, lines = (30, 500) if quick else (100, 500)
    spatch = ensure_spatch(log)
    figs: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-spatch-") as tmp:
        tmp = Path(tmp)
        pristine = cgen.make_dir(tmp / "pristine", n_files, lines)
        total_lines = sum(p.read_bytes().count(b"\n") for p in pristine.iterdir())
        cocci = tmp / "rename.cocci"
        cocci.write_text(COCCI)
        work = tmp / "work"

        def fresh(_i=0):
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(pristine, work)

        ours, ours_peak = median_runs(
            lambda _i: [PYTHON, "-m", "bench.rename_run", str(work), cgen.OLD, cgen.NEW],
            runs, setup=fresh)
        ours_result = tmp / "ours"
        shutil.copytree(work, ours_result)
        in_process = median_time(lambda: rename_dir(work, cgen.OLD, cgen.NEW), runs, setup=fresh)

        for jobs in (1, 2):
            argv = [spatch, "--sp-file", str(cocci), "--dir", str(work), "--in-place",
                    "--include-headers", "--no-includes", "--very-quiet", "-j", str(jobs)]
            try:
                sp, sp_peak = median_runs(lambda _i, a=argv: a, max(1, runs - 2), setup=fresh)
            except Unavailable as exc:
                figs.append(Figure(f"spatch-j{jobs}", unavailable=str(exc)))
                continue
            diff = _differs(ours_result, work)
            figs.append(Figure(
                f"spatch-j{jobs}", ours, sp, baseline=f"spatch -j {jobs} --in-place",
                peak_mib=ours_peak, baseline_peak_mib=sp_peak,
                goal="ratio < 0.5" if jobs == 1 else "",
                met=(ours / sp < 0.5 and not diff) if jobs == 1 else None,
                note=(f"{n_files} files, {total_lines} lines; ours as a process; "
                      + ("same bytes as spatch" if not diff
                         else f"DIFFERENT result in {len(diff)} files: {', '.join(diff[:3])}")),
                details={"different_files": diff}))
        figs.append(Figure("rename-in-process", in_process, ours,
                           baseline="the same rename as a process",
                           note="rename_edits + EditSet over every file, no interpreter start"))
    return figs

