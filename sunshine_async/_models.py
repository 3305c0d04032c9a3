"""The hand-written models: `Client` and its open enums, and `UNSET`.

Every other schema of the API is a generated model (``_generated/models.py``). `Client`
stays written by hand for its enums: `ClientType` and `ClientStatus` members compare
equal to their wire strings, and a value the SDK does not know yet is the plain `str`.

Attribute names are snake_case; `_converter` maps them to the API's camelCase. A
response model accepts anything the server sends: fields are optional (absent or
``null`` both read as ``None``), but for those the API always sends (``id``), unknown
fields are kept in ``extra``, and a value of the wrong type is kept there too and
named in ``problems``.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final, TypeVar, final

import attrs

from ._types import JSONObject, JSONValue

__all__ = [
    "UNSET",
    "Client",
    "ClientStatus",
    "ClientType",
    "Model",
    "Unset",
]


M = TypeVar("M", bound="Model")

# The converter, handed over by `_converter` as it is imported: it imports this module,
# so this one cannot import it (every model's to_dict and from_dict go through it).
_CODEC: dict[str, Callable[..., Any]] = {}


def use_codec(
    unstructure: Callable[[object], Any], structure: Callable[[object, type], Any]
) -> None:
    """Make ``to_dict``/``from_dict`` of every model use these (the SDK's converter)."""
    _CODEC["unstructure"] = unstructure
    _CODEC["structure"] = structure


class Model:
    """What every model of the API can do: turn into the API's JSON, and back.

    >>> from sunshine_async.types import Profile
    >>> Profile(given_name="Steve").to_dict()
    {'givenName': 'Steve'}
    >>> Profile.from_dict({"givenName": "Steve", "surname": None}).given_name
    'Steve'
    """

    __slots__ = ()

    def to_dict(self) -> dict[str, JSONValue]:
        """The model as the API's JSON: camelCase keys, dates as ISO-8601 text, fields
        never set left out, fields read as ``null`` given back as ``null``, unknown
        fields it was read with kept."""
        found: dict[str, JSONValue] = _CODEC["unstructure"](self)
        return found

    def to_json(self) -> str:
        """`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls: type[M], data: Mapping[str, object]) -> M:
        """Read the API's JSON as this model, as the SDK reads a response: a value of
        the wrong type is kept in ``extra`` and named in ``problems`` instead of
        failing (`sunshine_async.problems_in` lists them at every depth).

        Raises:
            TypeError: ``data`` is not a JSON object.
        """
        found: M = _CODEC["structure"](data, cls)
        return found


class Unset(enum.Enum):
    """Type of `UNSET`: the value of an optional request field that was not given."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


#: Marks an optional request field as not given, so it is left out of the body.
UNSET: Final = Unset.UNSET


class _WireEnum(str, enum.Enum):
    """A str enum whose members print and format as their wire value."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, format_spec: str) -> str:
        return format(str(self.value), format_spec)


class ClientType(_WireEnum):
    """The channel a client lives on. Members compare equal to their wire strings.

    The list grows: a client of a type the SDK does not know has a plain `str` type.

    >>> ClientType.WHATSAPP == "whatsapp"
    True

    .. versionadded:: 0.1
    """

    APPLE = "apple"
    GBM = "gbm"
    GOOGLERCS = "googlercs"
    INSTAGRAM = "instagram"
    KAKAO = "kakao"
    LINE = "line"
    MAILGUN = "mailgun"
    MESSAGEBIRD = "messagebird"
    MESSENGER = "messenger"
    SLACKCONNECT = "slackconnect"
    SDK = "sdk"
    TELEGRAM = "telegram"
    TWILIO = "twilio"
    TWITTER = "twitter"
    VIBER = "viber"
    WECHAT = "wechat"
    WHATSAPP = "whatsapp"


class ClientStatus(_WireEnum):
    """A client's linking status; an unknown status stays a plain `str`.

    .. versionadded:: 0.1
    """

    ACTIVE = "active"
    BLOCKED = "blocked"
    INACTIVE = "inactive"
    PENDING = "pending"


# --- responses ------------------------------------------------------------------------


def redacted(value: object) -> str:
    """The repr of a credential field: whether it is set, never what it is."""
    return "None" if value is None else "<redacted>"


def _nulls() -> Any:
    return attrs.field(default=frozenset(), repr=False, eq=False)


# What was odd in the JSON a response model was read from: a field of the wrong type
# is kept as it came (in `extra`) and named here, instead of failing the whole page.
def _recorded() -> Any:
    return attrs.field(default=(), repr=False, eq=False)


@final
@attrs.frozen(kw_only=True)
class Client(Model):
    """A client: one channel through which a user is reachable.

    ``type`` and ``status`` are `ClientType` / `ClientStatus` members, or a plain `str`
    for a value this SDK version does not know. ``last_seen`` and ``linked_at`` are
    aware datetimes, or the string as sent when it is not an ISO-8601 date (one odd
    value never fails a page). ``id`` is always a `str`. Other fields the server left
    out, or sent as ``null``, are ``None``; ``nulls`` names (in camelCase) those it sent
    as ``null``, so that converting back gives the same JSON. Fields it sent that this
    SDK does not know are in ``extra``.

    .. versionadded:: 0.1
    """

    # the API always sends it: a client without one reads as "" with the gap in problems
    id: str = attrs.field(default="", metadata={"always_sent": True})
    type: ClientType | str | None = None
    status: ClientStatus | str | None = None
    integration_id: str | None = None
    external_id: str | None = None
    last_seen: datetime | str | None = None
    linked_at: datetime | str | None = None
    display_name: str | None = None
    avatar_url: str | None = None
    info: JSONObject | None = None
    raw: JSONObject | None = None
    extra: JSONObject = attrs.field(factory=dict, repr=False, eq=False)
    nulls: frozenset[str] = _nulls()
    problems: tuple[str, ...] = _recorded()


# Resolve the string annotations now, while the class's __module__ still names this
# module: the package re-exports it under `sunshine_async`.
attrs.resolve_types(Client)
