"""Generated bhyve-like C in FreeBSD style(9), for the rename and front-end figures.

One header declares the function that gets renamed; every .c file defines
small device-model functions, some of which call it, some of those calls under
`#ifdef BHYVE_SNAPSHOT` (with and without `#else`).  Decoys that a rename of
the function must leave alone: a struct field, a longer identifier, a string
and a comment that spell the same name.
"""

from __future__ import annotations

import random
from pathlib import Path

OLD = "checkpoint_request"
NEW = "ipc_request"
HEADER = "bench_ipc.h"

LICENSE = """\
/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Copyright (c) 2021 The freebsd-refactor bench
 * All rights reserved.
 *
 * Redistribution and use in source and binary forms, with or without
 * modification, are permitted provided that the following conditions
 * are met:
 * 1. Redistributions of source code must retain the above copyright
 *    notice, this list of conditions and the following disclaimer.
 * 2. Redistributions in binary form must reproduce the above copyright
 *    notice, this list of conditions and the following disclaimer in the
 *    documentation and/or other materials provided with the distribution.
 */
"""


def header() -> str:
    return LICENSE + f"""
#ifndef _BENCH_IPC_H_
#define _BENCH_IPC_H_

#include <sys/types.h>

struct vmctx;

struct ipc_stats {{
	int	{OLD};		/* a field: not the function */
	int	{OLD}_len;
	size_t	nbytes;
}};

int	{OLD}(struct vmctx *ctx, const char *what, int arg);
int	{OLD}_len(struct vmctx *ctx);

#endif /* _BENCH_IPC_H_ */
"""


def _function(rng: random.Random, unit: str, n: int, call: str) -> str:
    """One style(9) function of about 20 lines; `call` is '', 'plain', 'ifdef' or 'else'."""
    name = f"{unit}_op{n:02d}"
    lines = [
        "static int",
        f"{name}(struct vmctx *ctx, struct {unit}_softc *sc, int arg)",
        "{",
        "\tstruct ipc_stats st;",
        "\tint error, i;",
        "",
        "\terror = 0;",
        "\tst.nbytes = 0;",
        "\tfor (i = 0; i < arg; i++) {",
        f"\t\tif ((sc->sc_flags & (1 << (i % {rng.randrange(3, 31)}))) != 0)",
        "\t\t\terror += i;",
        "\t\telse",
        f"\t\t\tst.nbytes += sizeof(struct {unit}_softc);",
        "\t}",
    ]
    if call == "plain":
        lines += [f"\terror = {OLD}(ctx, \"{name}\", error);"]
    elif call == "ifdef":
        lines += ["#ifdef BHYVE_SNAPSHOT",
                  f"\tif ({OLD}(ctx, \"{name}\", error) != 0)",
                  "\t\treturn (EIO);",
                  "#endif"]
    elif call == "else":
        lines += ["#ifdef BHYVE_SNAPSHOT",
                  f"\terror = {OLD}(ctx, \"{name}\", arg) + st.{OLD};",
                  "#else",
                  f"\terror = {OLD}_len(ctx);",
                  "#endif"]
    else:
        lines += [f"\tst.{OLD} = {OLD}_len(ctx);",
                  f"\t/* {OLD}() is not called here. */",
                  f"\terror += st.{OLD};"]
    lines += ["\treturn (error);", "}", ""]
    return "\n".join(lines) + "\n"


def c_file(rng: random.Random, unit: str, n_functions: int, define_old: bool = False) -> str:
    parts = [LICENSE, "\n#include <sys/cdefs.h>\n", "#include <sys/types.h>\n\n",
             "#include <errno.h>\n#include <stdio.h>\n\n", f'#include "{HEADER}"\n\n',
             f"struct {unit}_softc {{\n\tint\tsc_flags;\n\tint\tsc_count;\n}};\n\n"]
    if define_old:
        parts.append(f"""int
{OLD}(struct vmctx *ctx, const char *what, int arg)
{{

	if (ctx == NULL || what == NULL)
		return (EINVAL);
	printf("{OLD}: %s %d\\n", what, arg);
	return (0);
}}

int
{OLD}_len(struct vmctx *ctx)
{{

	return (ctx == NULL ? 0 : 1);
}}

""")
    for n in range(n_functions):
        call = rng.choice(("", "", "plain", "plain", "ifdef", "else"))
        parts.append(_function(rng, unit, n, call))
    return "".join(parts)


def make_dir(dest: Path, n_files: int = 100, lines_per_file: int = 500, seed: int = 2021) -> Path:
    """`n_files` .c files of about `lines_per_file` lines each, plus the header."""
    rng = random.Random(seed)
    dest.mkdir(parents=True, exist_ok=True)
    (dest / HEADER).write_text(header())
    for i in range(n_files):
        unit = f"dev{i:03d}"
        text = c_file(rng, unit, _n_functions(lines_per_file), define_old=(i == 0))
        (dest / f"{unit}.c").write_text(text)
    return dest


def snapshot_like(lines: int = 2000, seed: int = 1443) -> str:
    """One file of about `lines` lines in the shapes of bhyve's snapshot.c."""
    rng = random.Random(seed)
    return c_file(rng, "snapshot", _n_functions(lines - 20), define_old=True)


def _n_functions(lines: int) -> int:
    # About 30 lines of preamble, then functions of 19.7 lines on average.
    return max(1, round((lines - 30) / 19.7))
