"""Text from files and users, made safe for rich's console.

rich reads square brackets as markup: a project named ``Iris [v2]`` printed as
``Iris `` and a CSV value ``[/x]`` crashed ``train`` and ``predict`` with a MarkupError.
Every piece of user text the commands print goes through ``literal``: control characters
escaped (core.printable), then rich's markup escaped.
"""

from __future__ import annotations

from desktop_app.core.printable import printable


def literal(value: object) -> str:
    """`value` as rich must print it: literally, with no markup and no control codes."""
    from rich.markup import escape

    return escape(printable(value))
