"""Type aliases shared by the modules. Aliases only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ForwardRef, Literal, TypeAlias

if TYPE_CHECKING:
    #: Any JSON value, as ``json.loads`` gives it.
    JSONValue: TypeAlias = (
        str | int | float | bool | Sequence["JSONValue"] | Mapping[str, "JSONValue"] | None
    )
else:
    # The same union at run time, so that annotations that use it resolve in any module:
    # its reference to itself names this module, where it is found.
    _ITSELF = ForwardRef("JSONValue", module=__name__)
    JSONValue = str | int | float | bool | Sequence[_ITSELF] | Mapping[str, _ITSELF] | None
#: A JSON object as the API sends and receives it.
JSONObject: TypeAlias = Mapping[str, JSONValue]
#: Query parameters in the order they go on the wire.
QueryParams: TypeAlias = Sequence[tuple[str, str]]
Scope: TypeAlias = Literal["app", "account", "integration"]
Method: TypeAlias = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
