"""The API's schemas as attrs classes: frozen, slotted, keyword-only, no behaviour.

Attribute names are snake_case; `_converter` maps them to the API's camelCase.

Request models (`ClientCreate` and what it holds) check their input on construction
and raise `InvalidArgumentError` naming the field. Optional request fields default to
`UNSET` and are left out of the JSON body; an explicit ``None`` is sent as ``null``.

Response models (`Client`, `ClientListResponse`, `Meta`, `Links`) accept anything the
server sends: every field is optional (absent or ``null`` both read as ``None``),
enum values the SDK does not know stay plain `str`, and unknown fields are kept in
``extra``.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias, final

import attrs

from ._config import MAX_METADATA_BYTES
from ._exceptions import InvalidArgumentError
from ._urls import is_absolute_url

if TYPE_CHECKING:
    from collections.abc import Callable

    from attrs import Attribute

    _Validator: TypeAlias = Callable[[Any, Attribute[Any], Any], None]

__all__ = [
    "UNSET",
    "Author",
    "AuthorType",
    "Client",
    "ClientCreate",
    "ClientListResponse",
    "ClientStatus",
    "ClientType",
    "Confirmation",
    "ConfirmationType",
    "ImageContent",
    "LinkAction",
    "Links",
    "MatchCriteria",
    "MatchCriteriaMailgun",
    "MatchCriteriaMessagebird",
    "MatchCriteriaTwilio",
    "MatchCriteriaWhatsapp",
    "MessageContent",
    "MessagePost",
    "Meta",
    "Target",
    "TextContent",
    "Unset",
]


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


class ConfirmationType(_WireEnum):
    """How the user confirms a channel link.

    .. versionadded:: 0.1
    """

    IMMEDIATE = "immediate"
    USER_ACTIVITY = "userActivity"
    PROMPT = "prompt"


class AuthorType(_WireEnum):
    """Who a message is from.

    .. versionadded:: 0.1
    """

    BUSINESS = "business"
    USER = "user"


# --- validators: each names the class and field, and what it expected -------------

_PHONE_NUMBER = re.compile(r"\+[0-9][0-9 \-]*[0-9]")


def _where(instance: object, attribute: Attribute[Any]) -> str:
    return f"{type(instance).__name__}.{attribute.name}"


def _non_empty_str(instance: object, attribute: Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidArgumentError(
            f"{_where(instance, attribute)} must be a non-empty str, got {value!r}"
        )


def _optional(
    check: _Validator,
) -> _Validator:
    def validate(instance: object, attribute: Attribute[Any], value: object) -> None:
        if value is not UNSET:
            check(instance, attribute, value)

    return validate


def _of_type(*types: type, nullable: bool = False) -> _Validator:
    names = " or ".join(t.__name__ for t in types) + (" or None" if nullable else "")

    def validate(instance: object, attribute: Attribute[Any], value: object) -> None:
        if value is None and nullable:
            return
        # bool is an int, but a flag given where a number is wanted is a mistake
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise InvalidArgumentError(
                f"{_where(instance, attribute)} must be {names}, got {value!r}"
            )

    return validate


def _phone_number(instance: object, attribute: Attribute[Any], value: object) -> None:
    _non_empty_str(instance, attribute, value)
    assert isinstance(value, str)
    if _PHONE_NUMBER.fullmatch(value) is None:
        raise InvalidArgumentError(
            f"{_where(instance, attribute)} must be '+' and the country code, then digits"
            f" (spaces and dashes allowed, e.g. '+1 212-555-2368'), got {value!r}"
        )


def _email_address(instance: object, attribute: Attribute[Any], value: object) -> None:
    _non_empty_str(instance, attribute, value)
    assert isinstance(value, str)
    if "@" not in value.strip("@"):
        raise InvalidArgumentError(
            f"{_where(instance, attribute)} must be an email address, got {value!r}"
        )


def _max_length(limit: int) -> _Validator:
    def validate(instance: object, attribute: Attribute[Any], value: object) -> None:
        if isinstance(value, str) and len(value) > limit:
            raise InvalidArgumentError(
                f"{_where(instance, attribute)} must be at most {limit} characters,"
                f" got {len(value)}"
            )

    return validate


def _sequence_of(item: type) -> _Validator:
    def validate(instance: object, attribute: Attribute[Any], value: object) -> None:
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            raise InvalidArgumentError(
                f"{_where(instance, attribute)} must be a list of {item.__name__}, got {value!r}"
            )
        for index, element in enumerate(value):
            if not isinstance(element, item):
                raise InvalidArgumentError(
                    f"{_where(instance, attribute)}[{index}] must be {item.__name__},"
                    f" got {element!r}"
                )

    return validate


def _one_of(enum_type: type[_WireEnum]) -> _Validator:
    # requests use the values the API documents; responses stay open (see _converter)
    allowed = tuple(member.value for member in enum_type)

    def validate(instance: object, attribute: Attribute[Any], value: object) -> None:
        if value not in allowed:
            raise InvalidArgumentError(
                f"{_where(instance, attribute)} must be one of"
                f" {', '.join(map(repr, allowed))}, got {value!r}"
            )

    return validate


def _flat_metadata(instance: object, attribute: Attribute[Any], value: object) -> None:
    # the API keeps message metadata as a flat object of at most 4 kB
    if value is None or value is UNSET:
        return
    _of_type(Mapping)(instance, attribute, value)
    assert isinstance(value, Mapping)
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str | int | float | bool | None):
            raise InvalidArgumentError(
                f"{_where(instance, attribute)} must be flat: str keys and str, number,"
                f" bool or None values; {key!r} holds {type(item).__name__}"
            )
    try:
        size = len(
            json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
        )
    except ValueError:  # NaN or infinity
        raise InvalidArgumentError(
            f"{_where(instance, attribute)} must hold finite numbers only"
        ) from None
    if size > MAX_METADATA_BYTES:
        raise InvalidArgumentError(
            f"{_where(instance, attribute)} must be at most {MAX_METADATA_BYTES} bytes"
            f" of JSON, got {size}"
        )


def _uri(instance: object, attribute: Attribute[Any], value: object) -> None:
    # an absolute URL: the API resolves nothing relative, and a typo should fail here
    _non_empty_str(instance, attribute, value)
    assert isinstance(value, str)
    if not is_absolute_url(value) or len(value) > 2048:
        raise InvalidArgumentError(
            f"{_where(instance, attribute)} must be an absolute URL (at most 2048"
            f" characters), got {value[:80]!r}"
        )


def _subtypes(instance: object, attribute: Attribute[Any], value: object) -> None:
    _sequence_of(str)(instance, attribute, value)
    assert isinstance(value, Sequence)
    unknown = [item for item in value if item not in AUTHOR_SUBTYPES]
    if unknown or len(value) != 1:
        raise InvalidArgumentError(
            f"{_where(instance, attribute)} must be one of {', '.join(map(repr, AUTHOR_SUBTYPES))}"
            f" (exactly one), got {list(value)!r}"
        )


def _brand_id(instance: object, attribute: Attribute[Any], value: object) -> None:
    if isinstance(value, str) and not 1 <= len(value) <= 24:
        raise InvalidArgumentError(
            f"{_where(instance, attribute)} must be 1 to 24 characters, got {len(value)}"
        )


#: The author subtypes the API knows.
AUTHOR_SUBTYPES: Final = ("AI", "activity", "agent", "bot")

_ID = _non_empty_str
_OPT_STR = _optional(_of_type(str))
_OPT_BOOL = _optional(_of_type(bool))
_OPT_MAPPING = _optional(_of_type(Mapping))
_OPT_NULLABLE_MAPPING = _optional(_of_type(Mapping, nullable=True))
_TEXT = _optional(attrs.validators.and_(_of_type(str), _max_length(4096)))


# --- requests: ClientCreate and what it holds ---------------------------------------


@attrs.frozen(kw_only=True)
class _MatchCriteriaBase:
    integration_id: str = attrs.field(validator=_ID)
    primary: bool | Unset = attrs.field(default=UNSET, validator=_OPT_BOOL)


@final
@attrs.frozen(kw_only=True)
class MatchCriteriaMailgun(_MatchCriteriaBase):
    """Link an email address through a Mailgun integration.

    >>> MatchCriteriaMailgun(integration_id="5e3b1c2a", address="ann@example.com")
    MatchCriteriaMailgun(integration_id='5e3b1c2a', primary=UNSET, type='mailgun', \
address='ann@example.com', subject=UNSET)

    .. versionadded:: 0.1
    """

    type: Literal["mailgun"] = attrs.field(default="mailgun", init=False)
    address: str = attrs.field(validator=_email_address)
    subject: str | Unset = attrs.field(default=UNSET, validator=_OPT_STR)


@attrs.frozen(kw_only=True)
class _PhoneMatchCriteria(_MatchCriteriaBase):
    phone_number: str = attrs.field(validator=_phone_number)


@final
@attrs.frozen(kw_only=True)
class MatchCriteriaMessagebird(_PhoneMatchCriteria):
    """Link a phone number through a MessageBird integration.

    .. versionadded:: 0.1
    """

    type: Literal["messagebird"] = attrs.field(default="messagebird", init=False)


@final
@attrs.frozen(kw_only=True)
class MatchCriteriaTwilio(_PhoneMatchCriteria):
    """Link a phone number through a Twilio (SMS) integration.

    .. versionadded:: 0.1
    """

    type: Literal["twilio"] = attrs.field(default="twilio", init=False)


@final
@attrs.frozen(kw_only=True)
class MatchCriteriaWhatsapp(_PhoneMatchCriteria):
    """Link a WhatsApp phone number.

    >>> MatchCriteriaWhatsapp(integration_id="5e3b1c2a", phone_number="212 555 2368")
    Traceback (most recent call last):
    ...
    sunshine_async.InvalidArgumentError: MatchCriteriaWhatsapp.phone_number must be '+' \
and the country code, then digits (spaces and dashes allowed, e.g. '+1 212-555-2368'), \
got '212 555 2368'

    .. versionadded:: 0.1
    """

    type: Literal["whatsapp"] = attrs.field(default="whatsapp", init=False)


MatchCriteria: TypeAlias = (
    MatchCriteriaMailgun | MatchCriteriaMessagebird | MatchCriteriaTwilio | MatchCriteriaWhatsapp
)
_MATCH_CRITERIA = (
    MatchCriteriaMailgun,
    MatchCriteriaMessagebird,
    MatchCriteriaTwilio,
    MatchCriteriaWhatsapp,
)


@final
@attrs.frozen(kw_only=True)
class Author:
    """Who the confirmation message appears to come from.

    .. versionadded:: 0.1
    """

    type: AuthorType | str = attrs.field(validator=_one_of(AuthorType))
    user_id: str | Unset = attrs.field(default=UNSET, validator=_OPT_STR)
    user_external_id: str | Unset = attrs.field(default=UNSET, validator=_OPT_STR)
    brand_id: str | Unset | None = attrs.field(
        default=UNSET,
        validator=_optional(attrs.validators.and_(_of_type(str, nullable=True), _brand_id)),
    )
    display_name: str | Unset = attrs.field(default=UNSET, validator=_OPT_STR)
    avatar_url: str | Unset = attrs.field(default=UNSET, validator=_optional(_uri))
    subtypes: Sequence[str] | Unset = attrs.field(default=UNSET, validator=_optional(_subtypes))


@final
@attrs.frozen(kw_only=True)
class LinkAction:
    """A button that opens a link; the only action a confirmation message may carry.

    .. versionadded:: 0.1
    """

    type: Literal["link"] = attrs.field(default="link", init=False)
    uri: str = attrs.field(validator=_non_empty_str)
    text: str = attrs.field(validator=_non_empty_str)
    default: bool | Unset = attrs.field(default=UNSET, validator=_OPT_BOOL)
    metadata: Mapping[str, object] | Unset | None = attrs.field(
        default=UNSET, validator=_OPT_NULLABLE_MAPPING
    )
    extra_channel_options: Mapping[str, object] | Unset = attrs.field(
        default=UNSET, validator=_OPT_MAPPING
    )


_OPT_ACTIONS = _optional(_sequence_of(LinkAction))


@final
@attrs.frozen(kw_only=True)
class TextContent:
    """A text message, optionally with link buttons.

    .. versionadded:: 0.1
    """

    type: Literal["text"] = attrs.field(default="text", init=False)
    text: str | Unset = attrs.field(default=UNSET, validator=_TEXT)
    html_text: str | Unset = attrs.field(default=UNSET, validator=_TEXT)
    markdown_text: str | Unset = attrs.field(default=UNSET, validator=_TEXT)
    block_chat_input: bool | Unset = attrs.field(default=UNSET, validator=_OPT_BOOL)
    actions: Sequence[LinkAction] | Unset = attrs.field(default=UNSET, validator=_OPT_ACTIONS)
    payload: str | Unset = attrs.field(default=UNSET, validator=_OPT_STR)


@final
@attrs.frozen(kw_only=True)
class ImageContent:
    """An image message, with optional text and link buttons.

    .. versionadded:: 0.1
    """

    type: Literal["image"] = attrs.field(default="image", init=False)
    media_url: str = attrs.field(validator=_uri)
    alt_text: str | Unset = attrs.field(
        default=UNSET, validator=_optional(attrs.validators.and_(_of_type(str), _max_length(128)))
    )
    text: str | Unset = attrs.field(default=UNSET, validator=_OPT_STR)
    html_text: str | Unset = attrs.field(default=UNSET, validator=_TEXT)
    markdown_text: str | Unset = attrs.field(default=UNSET, validator=_TEXT)
    block_chat_input: bool | Unset = attrs.field(default=UNSET, validator=_OPT_BOOL)
    actions: Sequence[LinkAction] | Unset = attrs.field(default=UNSET, validator=_OPT_ACTIONS)
    attachment_id: str | Unset = attrs.field(default=UNSET, validator=_OPT_STR)


MessageContent: TypeAlias = TextContent | ImageContent


@final
@attrs.frozen(kw_only=True)
class MessagePost:
    """The message sent to reach the user during confirmation (not added to the conversation).

    .. versionadded:: 0.1
    """

    author: Author = attrs.field(validator=_of_type(Author))
    content: MessageContent = attrs.field(validator=_of_type(TextContent, ImageContent))
    metadata: Mapping[str, object] | Unset | None = attrs.field(
        default=UNSET, validator=_flat_metadata
    )
    destination: Mapping[str, object] | Unset = attrs.field(default=UNSET, validator=_OPT_MAPPING)
    override: Mapping[str, object] | Unset = attrs.field(default=UNSET, validator=_OPT_MAPPING)
    schema: str | Unset = attrs.field(default=UNSET, validator=_OPT_STR)


@final
@attrs.frozen(kw_only=True)
class Confirmation:
    """How the link is confirmed: ``immediate``, ``userActivity`` or ``prompt``.

    >>> Confirmation(type="immediate")
    Confirmation(type='immediate', message=UNSET)

    .. versionadded:: 0.1
    """

    type: ConfirmationType | str = attrs.field(validator=_one_of(ConfirmationType))
    message: MessagePost | Unset = attrs.field(
        default=UNSET, validator=_optional(_of_type(MessagePost))
    )


@final
@attrs.frozen(kw_only=True)
class Target:
    """The conversation the new client joins.

    .. versionadded:: 0.1
    """

    conversation_id: str = attrs.field(validator=_ID)


@final
@attrs.frozen(kw_only=True)
class ClientCreate:
    """The body of a create-client request.

    .. versionadded:: 0.1
    """

    match_criteria: MatchCriteria = attrs.field(validator=_of_type(*_MATCH_CRITERIA))
    confirmation: Confirmation = attrs.field(validator=_of_type(Confirmation))
    target: Target = attrs.field(validator=_of_type(Target))


# --- responses ------------------------------------------------------------------------


def redacted(value: object) -> str:
    """The repr of a credential field: whether it is set, never what it is."""
    return "None" if value is None else "<redacted>"


# Unknown fields of a response land in `extra`; it is left out of reprs and
# comparisons so that a new server field changes neither.
def _extra() -> Any:
    return attrs.field(factory=dict, repr=False, eq=False)


def _nulls() -> Any:
    return attrs.field(default=frozenset(), repr=False, eq=False)


# What was odd in the JSON a response model was read from: a field of the wrong type
# is kept as it came (in `extra`) and named here, instead of failing the whole page.
def _recorded() -> Any:
    return attrs.field(default=(), repr=False, eq=False)


@final
@attrs.frozen(kw_only=True)
class Client:
    """A client: one channel through which a user is reachable.

    ``type`` and ``status`` are `ClientType` / `ClientStatus` members, or a plain `str`
    for a value this SDK version does not know. ``last_seen`` and ``linked_at`` are
    aware datetimes, or the string as sent when it is not an ISO-8601 date (one odd
    value never fails a page). Fields the server left out, or sent as
    ``null``, are ``None``; ``nulls`` names (in camelCase) those it sent as ``null``, so
    that converting back gives the same JSON. Fields it sent that this SDK does not know
    are in ``extra``.

    .. versionadded:: 0.1
    """

    id: str | None = None
    type: ClientType | str | None = None
    status: ClientStatus | str | None = None
    integration_id: str | None = None
    external_id: str | None = None
    last_seen: datetime | str | None = None
    linked_at: datetime | str | None = None
    display_name: str | None = None
    avatar_url: str | None = None
    info: Mapping[str, object] | None = None
    raw: Mapping[str, object] | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()
    problems: tuple[str, ...] = _recorded()


@final
@attrs.frozen(kw_only=True)
class Meta:
    """Pagination state of a list response.

    .. versionadded:: 0.1
    """

    has_more: bool | None = None
    after_cursor: str | None = None
    before_cursor: str | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()
    problems: tuple[str, ...] = _recorded()


@final
@attrs.frozen(kw_only=True)
class Links:
    """Absolute URLs of the next and previous pages, when there are such pages.

    .. versionadded:: 0.1
    """

    next: str | None = None
    prev: str | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()
    problems: tuple[str, ...] = _recorded()


@final
@attrs.frozen(kw_only=True)
class ClientListResponse:
    """One page of clients, as yielded by ``clients.pages()``.

    .. versionadded:: 0.1
    """

    clients: Sequence[Client] = ()
    meta: Meta = Meta()
    links: Links = Links()
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()
    problems: tuple[str, ...] = _recorded()


# Resolve the string annotations now, while each class's __module__ still names this
# module: the package re-exports the classes under `sunshine_async`.
for _model in (
    MatchCriteriaMailgun,
    MatchCriteriaMessagebird,
    MatchCriteriaTwilio,
    MatchCriteriaWhatsapp,
    Author,
    LinkAction,
    TextContent,
    ImageContent,
    MessagePost,
    Confirmation,
    Target,
    ClientCreate,
    Client,
    Meta,
    Links,
    ClientListResponse,
):
    attrs.resolve_types(_model)
del _model
