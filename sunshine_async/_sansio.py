"""Kept only for `_converter`, which still imports `excerpt` and `short_repr` from here.

What this module held now lives by responsibility: `_urls` (base URL, path segments,
query strings), `_checks` (argument checks), `_cursors` (page arguments and the next
cursor), `_bodies` (JSON and multipart bodies), `_responses` (a response into a result
or a typed error, ``Retry-After``) and `_text` (`excerpt`, `short_repr`). Delete this
module once `_converter` imports from `_text`.
"""

from __future__ import annotations

from ._text import excerpt, short_repr

__all__ = ["excerpt", "short_repr"]
