"""A git repository the size of /usr/src, with the fixture's files in their places.

The rest is plain generated files laid out like /usr/src (contrib/, sys/dev/...,
lib/, usr.bin/, share/man/...).  Blobs go straight from the generator into
`git fast-import`, which is far quicker than writing 100k files and `git add`;
one checkout then gives the working tree and index a real checkout has.  The
result is cached under CACHE, keyed by a version string and the size, so later
runs reuse it.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import time
from pathlib import Path

from bench.common import CACHE, FIXTURE, GIT_ENV, Unavailable, git

VERSION = "bigtree-v1"
# Share of files under each top-level directory, roughly as in /usr/src.
LAYOUT = (
    ("contrib", 0.34), ("sys/dev", 0.16), ("sys/contrib", 0.06), ("sys/kern", 0.01),
    ("sys/amd64", 0.01), ("sys/arm64", 0.01), ("sys/net", 0.01), ("sys/netinet", 0.01),
    ("lib", 0.10), ("usr.bin", 0.06), ("usr.sbin", 0.05), ("bin", 0.01), ("sbin", 0.02),
    ("share/man", 0.02), ("tests", 0.04), ("crypto", 0.03), ("cddl", 0.03),
    ("stand", 0.01), ("tools", 0.02),
)
FILES_PER_DIR = 24
EXTS = (".c", ".c", ".c", ".h", ".h", ".S", ".8", ".3", ".py", ".sh")

_WORDS = ("vm", "ctx", "softc", "dev", "sc", "buf", "len", "error", "flags", "mtx", "queue",
          "cnt", "ifp", "m", "td", "proc", "req", "val", "off", "idx", "map", "lock")


def tree_dir(n_files: int, total_bytes: int) -> Path:
    return CACHE / f"{VERSION}-{n_files}f-{total_bytes // (1 << 20)}m"


def _pool(rng: random.Random, size: int) -> bytes:
    """Several MiB of C-like lines, all different, to slice file bodies from."""
    lines = []
    n = 0
    while n < size:
        a, b, c = rng.choice(_WORDS), rng.choice(_WORDS), rng.choice(_WORDS)
        k = rng.randrange(1 << 20)
        shape = rng.randrange(6)
        if shape == 0:
            line = f"\t{a}_{b}{k} = {c}->{b}_{k % 97};\n"
        elif shape == 1:
            line = f"\tif ({a}{k} != NULL && {b}_{c}({a}{k}) == 0)\n"
        elif shape == 2:
            line = f"\t\terror = {a}_{b}_{c}(sc, {k});\n"
        elif shape == 3:
            line = f"/* {a} {b} {c}: keep {k} for the {b} path. */\n"
        elif shape == 4:
            line = f"static int\t{a}_{b}_{k}(struct {c}_softc *, int);\n"
        else:
            line = "\n"
        lines.append(line)
        n += len(line)
    return "".join(lines).encode()


def _paths(rng: random.Random, n_files: int, taken: set[str]) -> list[str]:
    out: list[str] = []
    for top, share in LAYOUT:
        count = max(1, round(n_files * share))
        for d in range(0, count, FILES_PER_DIR):
            folder = f"{top}/gen{d // FILES_PER_DIR:05d}"
            for f in range(min(FILES_PER_DIR, count - d)):
                ext = rng.choice(EXTS)
                path = f"{folder}/file{f:02d}{ext}" if ext != ".8" else f"{folder}/gen{f}.8"
                if path not in taken:
                    out.append(path)
    out = out[:n_files]
    while len(out) < n_files:  # rounding left a few out
        out.append(f"tools/extra/file{len(out):06d}.c")
    return out


def _fixture_files() -> dict[str, bytes]:
    if not FIXTURE.is_dir():
        raise Unavailable(f"fixture tree {FIXTURE} is missing")
    return {str(p.relative_to(FIXTURE)): p.read_bytes()
            for p in sorted(FIXTURE.rglob("*")) if p.is_file()}


def build(n_files: int, total_bytes: int, log=print) -> Path:
    """The cached repository, made when missing; returns its working tree."""
    dest = tree_dir(n_files, total_bytes)
    if (dest / ".bench-complete").exists():
        return dest
    free = shutil.disk_usage(CACHE.parent if CACHE.parent.exists() else "/").free
    if free < 3 * total_bytes + (1 << 30):
        raise Unavailable(f"not enough disk for the big tree: {free >> 20} MiB free, "
                          f"need about {(3 * total_bytes) >> 20} MiB")
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    t0 = time.perf_counter()
    git(dest, "init", "-q", "-b", "main")
    rng = random.Random(20210116)
    fixture = _fixture_files()
    paths = _paths(rng, n_files - len(fixture), set(fixture))
    avg = (total_bytes - sum(map(len, fixture.values()))) // len(paths)
    pool = _pool(rng, 8 << 20)
    log(f"  generating {len(paths) + len(fixture)} files, {total_bytes >> 20} MiB "
        f"into {dest} (cached for later runs)")
    env = dict(GIT_ENV)
    import os

    proc = subprocess.Popen(["git", "fast-import", "--quiet", "--done"], cwd=dest,
                            stdin=subprocess.PIPE, env=dict(os.environ, **env))
    w = proc.stdin
    assert w is not None
    manifest: list[tuple[str, int]] = []
    mark = 0
    for path in paths:
        size = rng.randint(avg // 5, avg * 9 // 5)
        start = rng.randrange(0, len(pool) - size - 1)
        body = f"/*-\n * {path}: generated for the freebsd-refactor bench.\n */\n".encode() \
            + pool[start:start + size]
        mark += 1
        w.write(b"blob\nmark :%d\ndata %d\n" % (mark, len(body)))
        w.write(body)
        w.write(b"\n")
        manifest.append((path, mark))
    for path, body in fixture.items():
        mark += 1
        w.write(b"blob\nmark :%d\ndata %d\n" % (mark, len(body)))
        w.write(body)
        w.write(b"\n")
        manifest.append((path, mark))
    msg = b"Import a generated tree the size of /usr/src\n"
    w.write(b"commit refs/heads/main\ncommitter Bench <bench@example.org> 1610833380 +0000\n")
    w.write(b"data %d\n%s" % (len(msg), msg))
    for path, m in manifest:
        w.write(b"M 100644 :%d %s\n" % (m, path.encode()))
    w.write(b"\ndone\n")
    w.close()
    if proc.wait() != 0:
        raise Unavailable("git fast-import failed while making the big tree")
    log(f"  fast-import done in {time.perf_counter() - t0:.0f}s; checking out")
    git(dest, "reset", "-q", "--hard", "main")
    (dest / ".git" / "info" / "exclude").write_text(".bench-complete\n")
    (dest / ".bench-complete").write_text(f"{VERSION} {n_files} {total_bytes}\n")
    log(f"  big tree ready in {time.perf_counter() - t0:.0f}s")
    return dest


def drop_bench_branches(repo: Path) -> None:
    """Runs add branches to the cached repo; remove them so the next run starts alike."""
    refs = git(repo, "for-each-ref", "--format=%(refname)", "refs/heads/bench/").decode().split()
    for ref in refs:
        git(repo, "update-ref", "-d", ref)
