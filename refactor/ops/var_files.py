"""mtree-dir and hier-item: a directory in an mtree(5) spec, and its item in hier(7)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from refactor.formats.mdoc import MdocPage
from refactor.formats.mtree import MtreeSpec
from refactor.ops import Operation, register
from refactor.rule import AlreadyApplied, Conflict, Edits, Outcome
from refactor.tree import Tree, norm


@dataclass(frozen=True)
class MtreeDirOptions:
    #: The directory, relative to the spec's root (`run/bhyve` in BSD.var.dist).
    path: str
    spec: str = "etc/mtree/BSD.var.dist"
    #: Keywords of the new entry (`uname=root mode=0700`); none: the `/set` defaults.
    options: str = ""


@register
class MtreeDir(Operation):
    """Add a directory entry to an mtree(5) specification such as etc/mtree/BSD.var.dist.

    The entry goes in sorted place among its parent's children, written like
    the file's other leaf directories: a name line and a `..` line at the
    children's indent, the name and `options` separated as the neighbours
    are.  Without `options` it takes the `/set` defaults in force there.

    Already applied when the parent has a directory of that name (whatever its
    keywords); a conflict when the spec or the parent directory is missing,
    the spec is not well formed (unbalanced `..`), or the name exists as
    something other than a directory.
    """

    op = "mtree-dir"
    Options = MtreeDirOptions

    def default_id(self) -> str:
        return f"mtree-dir-{self.options.path}"

    def describe(self) -> str:
        return f"create /{self._where()} from {self.options.spec}"

    def paths(self) -> tuple[str, ...]:
        return (norm(self.options.spec),)

    def _where(self) -> str:
        return norm(self.options.path).strip("/")

    def plan(self, tree: Tree) -> Outcome:
        o = self.options
        spec_path = norm(o.spec)
        spec = tree.view(spec_path, MtreeSpec.parse)
        if spec is None:
            return Conflict(f"{spec_path} does not exist")
        if spec.problems:
            return Conflict(f"{spec_path} is not a well-formed spec: {spec.problems[0]}")
        parent_path, name = posixpath.split(self._where())
        parent = spec.find(parent_path) if parent_path else spec.root
        if parent is None or not parent.is_dir:
            return Conflict(f"{spec_path} has no directory {parent_path!r} to put {name} under")
        existing = parent.child(name)
        if existing is not None:
            if existing.is_dir:
                return AlreadyApplied(f"{spec_path} already has {self._where()}")
            return Conflict(f"{spec_path} lists {self._where()} as type={existing.type}, "
                            f"not a directory")
        edit = spec.add_dir(parent_path, name, o.options, rule=self.id)
        return Edits([edit], f"adds {self._where()} to {spec_path}")


@dataclass(frozen=True)
class HierItemOptions:
    #: The item the new one goes under, as the page names it (`/var/run/`).
    parent: str
    #: The new item's name (`bhyve/`).
    name: str
    #: Its text: mdoc lines, e.g. with `.Xr` macros on lines of their own.
    description: str
    page: str = "share/man/man7/hier.7"


@register
class HierItem(Operation):
    """Document a directory in hier(7) (or another mdoc page of `.It Pa` lists).

    Adds `.It Pa name` with `description` to the list under the item for
    `parent`, in alphabetical place (ignoring case and a trailing slash),
    with the head macro its siblings use.  When the parent has no list yet,
    one is made after its text in the style its own siblings use for their
    lists (the same `.Bl` line, and a `.Pp` before it when most have one).

    Already applied when the parent's list has the item in any wording; a
    conflict when the page or the parent's item is missing, or its lists are
    unbalanced.
    """

    op = "hier-item"
    Options = HierItemOptions

    def default_id(self) -> str:
        return f"hier-item-{self.options.parent.strip('/')}/{self.options.name.strip('/')}"

    def describe(self) -> str:
        return f"document {self.options.parent}{self.options.name} in {self.options.page}"

    def paths(self) -> tuple[str, ...]:
        return (norm(self.options.page),)

    def plan(self, tree: Tree) -> Outcome:
        o = self.options
        page_path = norm(o.page)
        page = tree.view(page_path, MdocPage.parse)
        if page is None:
            return Conflict(f"{page_path} does not exist")
        if page.problems:
            return Conflict(f"{page_path} has unbalanced lists: {page.problems[0]}")
        if page.find_item(o.parent) is None:
            return Conflict(f"{page_path} has no item for {o.parent} to list {o.name} under")
        if page.has_item(o.parent, o.name):
            return AlreadyApplied(f"{page_path} already documents {o.parent}{o.name}")
        edit = page.add_item(o.parent, o.name, o.description, rule=self.id)
        return Edits([edit], f"adds {o.parent}{o.name} to {page_path}")
