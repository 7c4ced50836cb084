"""Text from files and users, made safe to print and to quote in a message.

Names inside a model or project file are untrusted: a terminal escape code in a project
name could retitle or clear the terminal when ``odyssey info`` prints it, a key with a
newline would split an error over two lines, and a megabyte-long value would become a
megabyte-long message. ``printable`` escapes control characters; ``quoted`` is the
repr of a value cut to a length a person can read.
"""

from __future__ import annotations

import re

# C0 and C1 control characters, DEL, and the bidirectional overrides that reorder text.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match) -> str:
    c = match.group()
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(
        c, f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}"
    )


def printable(text: object, keep_newlines: bool = False) -> str:
    """`text` with control characters written as escapes (\\x1b, \\n, ...); with
    keep_newlines, line breaks and tabs stay (for whole messages of several lines)."""
    pattern = _CONTROL_BUT_LINES if keep_newlines else _CONTROL
    return pattern.sub(_escape, str(text))


def shortened(text: object, limit: int = 80) -> str:
    """`text`, printable, cut to about `limit` characters with the full length said."""
    s = printable(text)
    if len(s) <= limit:
        return s
    return f"{s[:limit]}… ({len(s):,} characters)"


def quoted(value: object, limit: int = 60) -> str:
    """The repr of `value` for a message: escaped by repr, cut to about `limit`."""
    if isinstance(value, str) and len(value) > limit:
        return repr(value[:limit]) + f"… ({len(value):,} characters)"
    text = repr(value)
    if len(text) > limit:
        return text[:limit] + f"… ({len(text):,} characters)"
    return printable(text)
