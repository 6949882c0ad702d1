"""Lines of a text file with their byte spans, for the line-based format editors.

Text is Latin-1 decoded, so a str offset is a byte offset.  A line keeps a
trailing CR in its text, and knows its own line break, so edits can reuse it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Line:
    start: int  # first byte of the line
    end: int  # end of the text, before the line break
    next: int  # first byte after the line break
    text: str  # the line without "\n" (a CRLF line keeps its "\r")

    @property
    def eol(self) -> str:
        return "\r\n" if self.text.endswith("\r") else ("\n" if self.next > self.end else "")

    @property
    def content(self) -> str:
        """The text without a trailing CR."""
        return self.text[:-1] if self.text.endswith("\r") else self.text


def split_lines(text: str) -> list[Line]:
    lines, pos = [], 0
    while pos < len(text):
        nl = text.find("\n", pos)
        if nl < 0:
            lines.append(Line(pos, len(text), len(text), text[pos:]))
            break
        lines.append(Line(pos, nl, nl + 1, text[pos:nl]))
        pos = nl + 1
    return lines


def tab_column(text: str, col: int = 0) -> int:
    """The display column after `text` when it starts at `col`, with 8-column tabs."""
    for ch in text:
        col = (col // 8 + 1) * 8 if ch == "\t" else col + 1
    return col
