"""Text cut to size for messages and reprs: `excerpt` and `short_repr`.

Errors quote what the server or the caller sent; these keep such quotes short, and
say how much was left out.
"""

from __future__ import annotations

import reprlib

__all__ = ["excerpt", "short_repr"]


def excerpt(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out.

    >>> excerpt("abcdefgh", 4)
    'abcd… (4 more characters)'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


_SHORT = reprlib.Repr()
_SHORT.maxlevel = 2
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxdict = _SHORT.maxtuple = _SHORT.maxset = 5


def short_repr(value: object, limit: int = 60) -> str:
    """``repr(value)``, made from at most ``limit`` characters of a long str or bytes.

    >>> short_repr("x" * 100, 5)
    "'xxxxx'… (95 more characters)"
    """
    if isinstance(value, str | bytes) and len(value) > limit:
        return f"{value[:limit]!r}… ({len(value) - limit} more characters)"
    # reprlib stops at a few levels and items: a huge nested value costs nothing
    return excerpt(_SHORT.repr(value), limit * 2)
