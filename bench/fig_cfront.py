"""Figure 4: the C front end, in files per second, against tree-sitter's bare parse.

The lossless layer (CFile) and the semantic layer (cpp + pycparser) on the
fixture's snapshot.c and on the generated 100-file directory, in-process, each
call cold, as a CLI run is (parse_configs without a run's cache keeps nothing).
Also both layers on a generated 2,000-line snapshot.c-like file in every
configuration (BHYVE_SNAPSHOT on and off).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench import cgen
from bench.common import FIXTURE, Figure, Unavailable, median_time

SNAPSHOT = "usr.sbin/bhyve/snapshot.c"
CONFIGS = [[], ["BHYVE_SNAPSHOT"]]


def _bare_parser():
    try:
        import tree_sitter
        import tree_sitter_c
    except ImportError as exc:
        raise Unavailable(f"tree-sitter is missing: {exc}") from None
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_c.language()))
    return parser.parse


def _rate_figure(name: str, seconds: float, base: float | None, n: int, baseline: str,
                 note: str = "", goal: str = "", met=None) -> Figure:
    return Figure(name, seconds, base, baseline=baseline, unit="files/s",
                  rate=n / seconds, baseline_rate=(n / base if base else None), note=note,
                  goal=goal, met=met)


def measure(runs: int, quick: bool, log=print) -> list[Figure]:
    try:
        from refactor.c.lossless import CFile
    except ImportError as exc:
        raise Unavailable(f"refactor.c.lossless is missing: {exc}") from None
    try:
        from refactor.c.semantic import parse_configs
    except ImportError:
        parse_configs = None
    parse = _bare_parser()
    figs: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-cfront-") as tmp:
        tmp = Path(tmp)
        n_files = 30 if quick else 100
        gen = cgen.make_dir(tmp / "gen", n_files, 500)
        files = sorted(gen.glob("*.c"))
        blobs = [(str(p), p.read_bytes()) for p in files]
        ts_dir = median_time(lambda: [parse(d) for _, d in blobs], runs)
        ll_dir = median_time(lambda: [CFile(d, p) for p, d in blobs], runs)
        figs.append(_rate_figure("cfront", ll_dir, ts_dir, len(blobs),
                                 "tree-sitter bare parse",
                                 note=f"lossless layer, {len(blobs)} generated files of "
                                      f"~500 lines"))
        if parse_configs is not None:
            n_sem = len(files) if not quick else 10
            sem_dir = median_time(
                lambda: [parse_configs(p, [[]], [gen]) for p in files[:n_sem]],
                max(1, runs - 2))
            figs.append(_rate_figure("cfront-semantic-dir", sem_dir, ts_dir * n_sem / len(blobs),
                                     n_sem, "tree-sitter bare parse",
                                     note=f"semantic layer, one configuration, {n_sem} files"))

        snap = FIXTURE / SNAPSHOT
        if snap.is_file():
            data = snap.read_bytes()
            ts = median_time(lambda: parse(data), runs * 4)
            ll = median_time(lambda: CFile(data, SNAPSHOT), runs * 4)
            lines = data.count(b"\n")
            figs.append(_rate_figure("cfront-lossless-snapshot.c", ll, ts, 1,
                                     "tree-sitter bare parse", note=f"{lines} lines"))
            if parse_configs is not None:
                dirs = [snap.parent, FIXTURE / "lib" / "libvmmapi"]
                sem = median_time(lambda: parse_configs(snap, [[]], dirs, FIXTURE), runs)
                figs.append(_rate_figure("cfront-semantic-snapshot.c", sem, ts, 1,
                                         "tree-sitter bare parse",
                                         note="one configuration"))

        big = tmp / "big"
        big.mkdir()
        (big / cgen.HEADER).write_text(cgen.header())
        two_k = big / "snapshot.c"
        two_k.write_text(cgen.snapshot_like(2000))
        data2k = two_k.read_bytes()
        n2k = data2k.count(b"\n")

        def both_layers():
            CFile(data2k, "snapshot.c")
            if parse_configs is not None:
                units = parse_configs(two_k, CONFIGS, [big])
                if not all(u.ok for u in units):
                    raise Unavailable(f"semantic parse failed: {units[0].error}")

        if not quick:
            figs.append(_linear_figure(CFile))
            figs.append(_linear_plan_figure(tmp))

        whole = median_time(both_layers, runs)
        ts2k = median_time(lambda: parse(data2k), runs)
        layers = "lossless + semantic" if parse_configs else "lossless only (no semantic layer)"
        figs.append(Figure("cfront-2000-lines", whole, ts2k, baseline="tree-sitter bare parse",
                           goal="< 0.5 s", met=whole < 0.5,
                           note=f"{n2k} lines, "
                                f"{layers}, BHYVE_SNAPSHOT on and off"))
    return figs


def _big(kib: int) -> bytes:
    return cgen.snapshot_like(kib * 1024 // 22).encode()  # about 22 bytes a line


def _linear_figure(CFile) -> Figure:
    """The lossless layer on a 5 MB generated file against a 500 KB one (one run each),
    built the way planning builds it (a Tree view: the run's ParseCache)."""
    import resource
    import time

    from refactor.parsecache import ParseCache

    def once(kib: int) -> tuple[float, int]:
        data = _big(kib)
        t0 = time.perf_counter()
        ParseCache().view(CFile, "big.c", data)
        return time.perf_counter() - t0, len(data)

    small, n_small = once(500)
    big, n_big = once(5000)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Figure("cfront-linear", big, small, baseline=f"CFile of {n_small // 1024} KiB",
                  peak_mib=peak, goal="ratio <= 12, < 500 MiB",
                  met=big / small <= 12 and peak < 500,
                  note=f"CFile of a generated {n_big / 1e6:.1f} MB file (peak is this process)")


def _linear_plan_figure(tmp: Path) -> Figure:
    """`refactor rename` (a plan, --dry-run) of a function the generated file defines
    and calls, on a 5 MB file against a 500 KB one: time and peak memory, processes."""
    from bench.common import git, refactor_argv, run_measured

    def once(kib: int):
        repo = tmp / f"linear-{kib}"
        repo.mkdir()
        (repo / cgen.HEADER).write_text(cgen.header())
        (repo / "big.c").write_bytes(_big(kib))
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "big")
        return run_measured(refactor_argv("rename", cgen.OLD, cgen.NEW, "--tree", str(repo),
                                          "--dry-run", "--build", "none", "--json"))

    small, big = once(500), once(5000)
    return Figure("cfront-linear-plan", big.seconds, small.seconds,
                  baseline="the same plan on a 500 KiB file", peak_mib=big.peak_mib,
                  baseline_peak_mib=small.peak_mib, goal="ratio <= 12, < 500 MiB",
                  met=big.seconds / small.seconds <= 12 and big.peak_mib < 500,
                  note="`refactor rename` --dry-run of the function a generated 5 MB file "
                       "defines and calls (plan, re-parse check, JSON diff)")
