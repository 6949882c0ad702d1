"""What a FreeBSD Makefile would compile, and with which flags, per configuration.

This is a small evaluator for the part of bsd.prog.mk Makefiles that matters to
a syntax check: SRCS, CFLAGS (-I -D -U -W -std), WARNS, CSTD and .PATH, with
`=`, `+=`, `?=`, `:=`, line continuations, ${VAR} expansion (${.CURDIR},
${SRCTOP} and variables set in the file) and `.if/.elif/.else/.endif` over
`${MK_FOO} != "no"`, `== "yes"`, `defined(X)` and `!`, `&&`, `||`.  Anything
it cannot evaluate counts as false and is noted.

Options: every `MK_*` variable a conditional tests is a build option.  The
configurations built are the default one (FreeBSD's default for each option)
and one per option with that option flipped, so each `.if ${MK_X}` block is
compiled both in and out without 2^n builds.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field

from refactor.tree import Tree

# Options that FreeBSD's src.opts.mk turns off by default; all others default on.
DEFAULT_NO_OPTIONS = {"BHYVE_SNAPSHOT", "OFED", "NETGRAPH_SUPPORT_DISABLED"}

_ASSIGN = re.compile(r"^(?P<var>[A-Za-z_.][\w.${}-]*)\s*(?P<op>[+?:!]?=)\s*(?P<val>.*)$")
# `opensslconf.h: opensslconf.h.in`: a header the build makes from a template.
_TEMPLATE_RULE = re.compile(r"^([\w.+-]+\.h)\s*:\s*([\w.+-]+\.in)$")
_VAR = re.compile(r"\$\{([^{}:]+)(?::[^{}]*)?\}|\$\(([^()]+)\)")


@dataclass(frozen=True)
class Config:
    """One build configuration: values of the options that differ from default."""

    options: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.options) or "default"

    def value(self, option: str) -> str:
        for k, v in self.options:
            if k == option:
                return v
        return "no" if option in DEFAULT_NO_OPTIONS else "yes"


@dataclass
class BuildDir:
    """A directory's Makefile evaluated in one configuration."""

    dir: str
    srcs: list[str] = field(default_factory=list)  # tree paths of the C sources
    cflags: list[str] = field(default_factory=list)  # -I (tree paths) -D -U -W -std
    include_dirs: list[str] = field(default_factory=list)  # tree dirs from -I, in order
    libadd: list[str] = field(default_factory=list)  # LIBADD: libraries linked from outside
    warns: int = 6
    notes: list[str] = field(default_factory=list)

    def warn_flags(self) -> list[str]:
        return warns_flags(self.warns)


def warns_flags(level: int) -> list[str]:
    """FreeBSD's WARNS levels (share/mk/bsd.sys.mk) as clang flags.

    -Werror is left out on purpose: the build test reports every new warning
    as a failure itself, and keeps compiling past the first one.
    -Wsystem-headers is left out too: the system headers may be zig's, not the
    tree's.
    """
    flags: list[str] = []
    if level >= 2:
        flags += ["-Wall", "-Wno-format-y2k"]
    if level >= 3:
        flags += ["-W", "-Wno-unused-parameter", "-Wstrict-prototypes",
                  "-Wmissing-prototypes", "-Wpointer-arith"]
    if level >= 4:
        flags += ["-Wreturn-type", "-Wcast-qual", "-Wwrite-strings", "-Wswitch", "-Wshadow",
                  "-Wunused-parameter", "-Wcast-align"]
    if level >= 6:
        flags += ["-Wchar-subscripts", "-Wnested-externs", "-Wold-style-definition",
                  "-Wmissing-variable-declarations"]
    if 2 <= level <= 4:
        flags += ["-Wno-uninitialized"]
    flags += ["-Wno-pointer-sign"]
    if level <= 6:
        flags += ["-Wno-empty-body", "-Wno-string-plus-int", "-Wno-unused-const-variable"]
    if level <= 3:
        flags += ["-Wno-tautological-compare", "-Wno-unused-value", "-Wno-parentheses-equality",
                  "-Wno-unused-function", "-Wno-enum-conversion", "-Wno-unused-local-typedef",
                  "-Wno-address-of-packed-member"]
    if level <= 2:
        flags += ["-Wno-switch", "-Wno-switch-enum", "-Wno-knr-promoted-parameter"]
    if level <= 1:
        flags += ["-Wno-parentheses"]
    flags += ["-Wno-format-zero-length"]
    return flags


def logical_lines(text: str) -> list[str]:
    """Lines with backslash continuations joined and comments removed."""
    out: list[str] = []
    cur = ""
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if line.endswith("\\"):
            cur += line[:-1] + " "
            continue
        cur += line
        # An unescaped '#' starts a comment, in assignments and directives alike.
        out.append(re.sub(r"(?<!\\)#.*$", "", cur).rstrip())
        cur = ""
    if cur:
        out.append(cur)
    return out


def options_tested(text: str) -> list[str]:
    """MK_* options the Makefile's conditionals test, in order of appearance."""
    seen: dict[str, None] = {}
    for line in logical_lines(text):
        s = line.strip()
        if re.match(r"^\.\s*(el)?if", s):
            for m in re.finditer(r"MK_([A-Z0-9_]+)", s):
                seen[m.group(1)] = None
    return list(seen)


def configurations(makefiles: list[str]) -> list[Config]:
    """Default configuration plus one with each tested option flipped."""
    options: dict[str, None] = {}
    for text in makefiles:
        for opt in options_tested(text):
            options[opt] = None
    configs = [Config()]
    for opt in options:
        default = Config().value(opt)
        configs.append(Config(((opt, "yes" if default == "no" else "no"),)))
    return configs


class _Evaluator:
    def __init__(self, dir: str, config: Config):
        self.config = config
        self.vars: dict[str, str] = {".CURDIR": "@TREE@/" + dir if dir else "@TREE@",
                                     "SRCTOP": "@TREE@", ".OBJDIR": "@OBJ@",
                                     "MACHINE": "amd64", "MACHINE_ARCH": "amd64",
                                     "MACHINE_CPUARCH": "amd64", "INCLUDEDIR": "/usr/include"}
        self.notes: list[str] = []
        self.rule: tuple[str, str] | None = None  # the `x.h: x.h.in` rule being read
        #: header made from a template by sed: target -> (template, sed commands)
        self.generated: dict[str, tuple[str, list[str]]] = {}

    def get(self, name: str) -> str:
        if name.startswith("MK_"):
            return self.config.value(name[3:])
        return self.vars.get(name, "")

    def expand(self, s: str, depth: int = 0) -> str:
        if depth > 10:
            return s
        new = _VAR.sub(lambda m: self.get(m.group(1) or m.group(2)), s)
        return new if new == s else self.expand(new, depth + 1)

    def condition(self, expr: str) -> bool:
        try:
            return bool(self._cond(expr))
        except Exception as exc:  # an unparsable condition is treated as false
            self.notes.append(f"cannot evaluate `.if {expr}` ({exc}): taken as false")
            return False

    def _literal(self, value: str) -> str:
        value = value.strip()
        return value if re.fullmatch(r"-?\d+", value) else repr(value)

    def _cond(self, expr: str) -> bool:
        """Rewrite the condition into a Python expression of literals, then evaluate it."""
        token = re.compile(r'"[^"]*"|\$\{[^{}]*\}|(defined|empty|make|target)\(([^)]*)\)'
                           r'|&&|\|\||!=|!|[^"$!&|dmt]+|.')
        parts = []
        for m in token.finditer(expr):
            t = m.group(0)
            if m.group(1) == "defined":
                parts.append(repr(m.group(2).strip() in self.vars))
            elif m.group(1) == "empty":
                parts.append(repr(not self.expand("${" + m.group(2).strip() + "}").strip()))
            elif m.group(1):
                parts.append("False")  # make(target)/target(x): not a build question
            elif t.startswith('"'):
                parts.append(self._literal(self.expand(t[1:-1])))
            elif t.startswith("${"):
                parts.append(self._literal(self.expand(t)))
            else:
                parts.append({"&&": " and ", "||": " or ", "!": " not "}.get(t, t))
        return eval("".join(parts), {"__builtins__": {}}, {})  # literals and operators only


_RUNS: dict[tuple, tuple[list[tuple[str, str | None]], tuple[_Evaluator, list[str]]]] = {}


def _run(tree: Tree, dir: str, config: Config, preset: dict[str, str] | None = None
         ) -> tuple[_Evaluator, list[str]] | None:
    """Evaluate `dir/Makefile`: (the evaluator with its variables, .PATH dirs).

    Memoised by the content of the Makefile and of every file it included, so
    the states of a series (and the library Makefiles read for headers) are
    evaluated once.  Callers must not change the evaluator.
    """
    text = tree.text(posixpath.join(dir, "Makefile") if dir else "Makefile")
    if text is None:
        return None
    key = (dir, config, tuple(sorted((preset or {}).items())), text)
    hit = _RUNS.get(key)
    if hit is not None and all(tree.text(p) == t for p, t in hit[0]):
        return hit[1]
    read: list[tuple[str, str | None]] = []
    result = _evaluate_text(tree, dir, config, preset, text, read)
    if len(_RUNS) > 4096:
        _RUNS.clear()
    _RUNS[key] = (read, result)
    return result


def _evaluate_text(tree: Tree, dir: str, config: Config, preset: dict[str, str] | None,
                   text: str, read: list[tuple[str, str | None]]
                   ) -> tuple[_Evaluator, list[str]]:
    ev = _Evaluator(dir, config)
    ev.vars.update(preset or {})
    stack: list[list[bool]] = []  # per .if: [this branch active, some branch taken]
    paths: list[str] = []
    lines = logical_lines(text)
    included = 0
    while lines:
        s = lines.pop(0).strip()
        if not s:
            continue
        active = all(frame[0] for frame in stack)
        d = re.match(r"^\.\s*(\w+|-include)\s*(.*)$", s)
        if d:
            word, rest = d.group(1), d.group(2)
            if word == "for":
                body, depth = [], 1
                while lines and depth:
                    b = lines.pop(0)
                    inner = re.match(r"^\.\s*(for|endfor)\b", b.strip())
                    depth += {"for": 1, "endfor": -1}.get(inner.group(1), 0) if inner else 0
                    if depth:
                        body.append(b)
                fm = re.match(r"^(\w+)\s+in\s+(.*)$", rest)
                if active and fm:
                    # `.for i in ${LHDRS}`: the body once per word, $i replaced.
                    var = fm.group(1)
                    unrolled = [re.sub(r"\$\{" + var + r"\}|\$" + var + r"\b", w, b)
                                for w in ev.expand(fm.group(2)).split() for b in body]
                    lines[:0] = unrolled
                continue
            if word in ("include", "sinclude", "-include") and active and included < 8 \
                    and rest.startswith('"'):
                # A quoted include is the directory's own Makefile.inc and the like;
                # <bsd.prog.mk> and friends are the framework, not the program.
                inc = _tree_rel(posixpath.join(ev.vars[".CURDIR"], ev.expand(rest.strip('"'))))
                inc_text = tree.text(inc) if inc is not None else None
                if inc is not None:
                    read.append((inc, inc_text))
                if inc_text is not None:
                    lines[:0] = logical_lines(inc_text)
                    included += 1
            elif word in ("if", "ifdef", "ifndef"):
                if word == "ifdef":
                    rest = f"defined({rest})"
                elif word == "ifndef":
                    rest = f"!defined({rest})"
                ok = active and ev.condition(rest)
                stack.append([ok, ok])
            elif word == "elif" and stack:
                parent = all(frame[0] for frame in stack[:-1])
                ok = parent and not stack[-1][1] and ev.condition(rest)
                stack[-1] = [ok, stack[-1][1] or ok]
            elif word == "else" and stack:
                parent = all(frame[0] for frame in stack[:-1])
                stack[-1] = [parent and not stack[-1][1], True]
            elif word == "endif" and stack:
                stack.pop()
            elif word == "PATH" and active:
                paths += ev.expand(s.split(":", 1)[1]).split() if ":" in s else []
            continue
        if not active:
            continue
        m = _ASSIGN.match(s)
        if not m:
            rule = _TEMPLATE_RULE.match(s)
            if rule:
                ev.rule = (rule.group(1), rule.group(2))
            elif ev.rule and s.startswith("sed "):
                ev.generated.setdefault(ev.rule[0], (ev.rule[1], []))[1].append(s)
            continue
        ev.rule = None
        var, op, val = ev.expand(m.group("var")), m.group("op"), m.group("val").strip()
        if op == "+=":
            old = ev.vars.get(var, "")
            ev.vars[var] = (old + " " + val).strip()
        elif op == "?=":
            ev.vars.setdefault(var, val)
        elif op == ":=":
            ev.vars[var] = ev.expand(val)
        elif op == "=":
            ev.vars[var] = val
    return ev, paths


@dataclass
class MakeVars:
    """What a Makefile sets: variables (expanded), .PATH (tree dirs), and the
    headers it makes from templates with sed (target -> (template, commands))."""

    vars: dict[str, str]
    path: list[str]
    generated: dict[str, tuple[str, list[str]]]


def variables(tree: Tree, dir: str, config: Config | None = None,
              preset: dict[str, str] | None = None) -> MakeVars | None:
    """Every variable `dir/Makefile` sets, its .PATH and its generated headers.

    `preset` gives variables the Makefile expects from the mk framework
    (INCLUDEDIR, MACHINE); None when there is no Makefile.
    """
    run = _run(tree, dir, config or Config(), preset)
    if run is None:
        return None
    ev, paths = run
    return MakeVars({k: ev.expand(v) for k, v in ev.vars.items()},
                    [r for r in (_tree_rel(p) for p in paths) if r is not None],
                    ev.generated)


def run_sed(commands: list[str], data: bytes) -> bytes | None:
    """Apply a Makefile's `sed 's/a/b/; /re/d' ...` lines to a template; None when a
    command is more than s/// and /re/d, which this does not imitate."""
    scripts = []
    for line in commands:
        try:
            words = shlex.split(line)
        except ValueError:
            return None
        if len(words) < 2:
            return None
        scripts += [c.strip() for c in words[1].split(";") if c.strip()]
    out = []
    for raw in data.decode("latin-1").split("\n"):
        keep = True
        for c in scripts:
            sub = re.fullmatch(r"s/((?:[^/\\]|\\.)*)/((?:[^/\\]|\\.)*)/(g?)", c)
            dele = re.fullmatch(r"/((?:[^/\\]|\\.)*)/d", c)
            if sub:
                raw = re.sub(sub.group(1), sub.group(2).replace("\\", "\\\\"), raw,
                             count=0 if sub.group(3) else 1)
            elif dele:
                if re.search(dele.group(1), raw):
                    keep = False
                    break
            else:
                return None
        if keep:
            out.append(raw)
    return "\n".join(out).encode("latin-1")


def evaluate(tree: Tree, dir: str, config: Config) -> BuildDir | None:
    """Evaluate `dir/Makefile` of `tree` in `config`; None when there is none."""
    run = _run(tree, dir, config)
    if run is None:
        return None
    ev, paths = run
    bd = BuildDir(dir, notes=list(ev.notes))
    warns = ev.expand(ev.vars.get("WARNS", "6")).strip()
    bd.warns = int(warns) if warns.isdigit() else 6
    bd.libadd = ev.expand(ev.vars.get("LIBADD", "")).split()
    bd.cflags.append("-std=" + (ev.expand(ev.vars.get("CSTD", "gnu99")).strip() or "gnu99"))
    # A source is looked up in the Makefile's directory, then along .PATH.
    search = [dir] + [r for r in (_tree_rel(p) for p in paths) if r is not None]
    for src in ev.expand(ev.vars.get("SRCS", "")).split():
        if not src.endswith(".c"):
            continue
        found = [c for c in (posixpath.join(s, src) if s else src for s in search)
                 if tree.exists(c)]
        bd.srcs.append(found[0] if found else (posixpath.join(dir, src) if dir else src))
    try:
        words = shlex.split(ev.expand(ev.vars.get("CFLAGS", "")))
    except ValueError:
        words = ev.expand(ev.vars.get("CFLAGS", "")).split()
    it = iter(words)
    for w in it:
        if w in ("-I", "-D", "-U"):
            w += next(it, "")
        if w.startswith("-I"):
            rel = _tree_rel(w[2:])
            if rel is None:
                bd.notes.append(f"include dir outside the tree dropped: {w}")
            else:
                bd.include_dirs.append(rel)
        elif w.startswith(("-D", "-U", "-W", "-std=")):
            bd.cflags.append(w)
    return bd


def _tree_rel(path: str) -> str | None:
    """'@TREE@/a/../b' -> 'b'; None for paths outside the tree."""
    if not path.startswith("@TREE@"):
        return None
    rel = posixpath.normpath(path[len("@TREE@"):].lstrip("/") or ".")
    if rel.startswith(".."):
        return None
    return "" if rel == "." else rel
