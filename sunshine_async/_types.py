"""Type aliases shared by the modules. Aliases only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, TypeAlias

#: Any JSON value, as ``json.loads`` gives it.
JSONValue: TypeAlias = (
    "str | int | float | bool | Sequence[JSONValue] | Mapping[str, JSONValue] | None"
)
#: A decoded JSON object as the API sends and receives it.
JSONObject: TypeAlias = Mapping[str, object]
#: Query parameters in the order they go on the wire.
QueryParams: TypeAlias = Sequence[tuple[str, str]]
Scope: TypeAlias = Literal["app", "account", "integration"]
Method: TypeAlias = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
