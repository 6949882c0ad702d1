"""Generic operations: rules with typed options, usable from the CLI and from recipe files.

An operation is a Rule whose behaviour is set by an options dataclass instead
of hard-coded paths and names.  Each registers itself under its op name
(`rename`, `move`, ...) so that a recipe file can say `op = "rename"` and the
CLI can build one from its arguments.  Options are checked once, when the
operation is made: an unknown key, a missing option or a value of the wrong
type is a UsageError naming where it came from.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from refactor.errors import UsageError
from refactor.rule import Rule

#: op name -> operation class; filled by @register.
OPS: dict[str, type[Operation]] = {}

#: Keys every operation takes besides its own options.
COMMON_KEYS = ("op", "id", "message", "requires")


class Operation(Rule):
    """A parameterised rule.  Subclasses set `op`, `Options` and write plan().

    `files`, `summary` and `id` are worked out from the options when the
    recipe does not give an id; `message` is the operation's sentence for the
    commit body of its step, said only when it applies (refactor.messages).
    """

    op: ClassVar[str] = ""
    Options: ClassVar[type] = object

    def __init__(self, options: Any, *, id: str = "", message: str = "",
                 requires: tuple[str, ...] = ()) -> None:
        self.options = options
        self.id = id or self.default_id()
        self.summary = self.describe()
        self.files = self.paths()
        self.message = message
        self.requires = tuple(requires)

    # Subclasses override these three.
    def default_id(self) -> str:
        return self.op

    def describe(self) -> str:
        return self.op

    def paths(self) -> tuple[str, ...]:
        """Files or directories (relative to the tree root) the operation reads or changes."""
        return ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str) -> Operation:
        """Make the operation from a recipe table or CLI options; `where` names the source
        (e.g. `recipe.toml:12`) in every error."""
        known = {f.name: f for f in dataclasses.fields(cls.Options)}
        hints = typing.get_type_hints(cls.Options)
        extra = sorted(set(data) - set(known) - set(COMMON_KEYS))
        if extra:
            raise UsageError(f"{where}: op {cls.op!r} has no option {extra[0]!r} "
                             f"(it takes: {', '.join(known) or 'none'})")
        values: dict[str, Any] = {}
        for name, f in known.items():
            if name in data:
                values[name] = _coerce(data[name], hints[name], f"{where}: option {name!r}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise UsageError(f"{where}: op {cls.op!r} needs option {name!r}")
        requires = data.get("requires", ())
        if isinstance(requires, str):
            requires = (requires,)
        rid = _coerce(data.get("id", ""), str, f"{where}: id")
        message = _coerce(data.get("message", ""), str, f"{where}: message")
        requires = tuple(_coerce(list(requires), list[str], f"{where}: requires"))
        try:
            return cls(cls.Options(**values), id=rid, message=message, requires=requires)
        except UsageError as exc:  # an operation's own check of its values
            raise UsageError(f"{where}: {exc}") from None

    @classmethod
    def doc(cls) -> str:
        text = super().doc()
        opts = []
        hints = typing.get_type_hints(cls.Options) if dataclasses.is_dataclass(cls.Options) \
            else {}
        for f in dataclasses.fields(cls.Options) if hints else ():
            default = "" if f.default is dataclasses.MISSING else f" (default {f.default!r})"
            if f.default is dataclasses.MISSING and f.default_factory is not dataclasses.MISSING:
                default = f" (default {f.default_factory()!r})"
            opts.append(f"  {f.name}: {_type_name(hints[f.name])}{default}")
        return text + ("\n\noptions:\n" + "\n".join(opts) if opts else "")


def register(cls: type[Operation]) -> type[Operation]:
    """Class decorator: make the operation known to recipes and `refactor rules`."""
    if not cls.op:
        raise TypeError(f"{cls.__name__} has no op name")
    OPS[cls.op] = cls
    return cls


def get_op(name: str, where: str) -> type[Operation]:
    if name not in OPS:
        _load_own_module(name)
    if name not in OPS:
        _load_builtin()
    if name not in OPS:
        raise UsageError(f"{where}: unknown op {name!r} (known: {', '.join(sorted(OPS))})")
    return OPS[name]


def all_ops() -> dict[str, type[Operation]]:
    _load_builtin()
    return dict(OPS)


def _load_own_module(name: str) -> None:
    """The module named after an operation (`rename` -> refactor.ops.rename), alone:
    one operation does not import every other one (and pycparser with them)."""
    import importlib

    mod = name.replace("-", "_")
    if mod.isidentifier() and not mod.startswith("_"):
        try:
            importlib.import_module(f"{__name__}.{mod}")
        except ImportError:
            pass


def _load_builtin() -> None:
    """Import the modules of this package, each of which registers its operations."""
    import importlib
    import pkgutil

    for mod in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{mod.name}")


def _coerce(value: Any, hint: Any, where: str) -> Any:
    """Check (and for tuples, convert) one option value against its annotation."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is Literal:
        if value not in args:
            raise UsageError(f"{where} must be one of {', '.join(map(str, args))}, "
                             f"not {value!r}")
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in (a for a in args if a is not type(None)):
            try:
                return _coerce(value, arg, where)
            except UsageError as exc:
                errors.append(str(exc))
        raise UsageError(errors[0])
    if origin in (list, tuple):
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise UsageError(f"{where} must be a list, not {_kind(value)}")
        item = args[0] if args else Any
        items = [_coerce(v, item, where) for v in value]
        return tuple(items) if origin is tuple else items
    if hint is Any:
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise UsageError(f"{where} must be true or false, not {_kind(value)}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise UsageError(f"{where} must be an integer, not {_kind(value)}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise UsageError(f"{where} must be a string, not {_kind(value)}")
        return value
    if isinstance(hint, type) and not isinstance(value, hint):
        raise UsageError(f"{where} must be {hint.__name__}, not {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", tuple: "a list", dict: "a table"}.get(type(value), type(value).__name__)


def _type_name(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin is Literal:
        return " | ".join(repr(a) for a in typing.get_args(hint))
    if origin in (list, tuple):
        return "list of " + _type_name(typing.get_args(hint)[0])
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_type_name(a) for a in typing.get_args(hint))
    return getattr(hint, "__name__", str(hint))
