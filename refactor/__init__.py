"""freebsd-refactor: mechanical refactorings of the FreeBSD tree as a reviewable patch series."""

__version__ = "0.1.0"
