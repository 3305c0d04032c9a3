"""The one cattrs converter: models to and from the API's camelCase JSON.

`make_converter()` builds it; `CONVERTER` is the instance the SDK (and the fake server
in `sunshine_async.testing`) uses. The rules:

- every attrs field is renamed snake_case -> camelCase (a trailing ``_`` dropped);
- optional request fields left `UNSET` (and response fields that are ``None``) are
  omitted from the JSON; an explicit ``None`` on a nullable request field is ``null``;
- primitives are strict: ``"false"`` is not a bool and ``5`` is not a str;
- enums are open: an unknown wire value comes back as the plain `str`;
- ``matchCriteria`` and message ``content`` are chosen by their ``type`` key;
- request models reject unknown keys (a typo in pasted JSON must not vanish), response
  models keep them in ``extra``;
- ``lastSeen``/``linkedAt`` become timezone-aware `datetime` objects, read by one
  grammar on every Python version (`_ISO_DATETIME`).

Response models are read by a function compiled once per model (`_compiled_reader`),
dates in the API's own shape by `datetime.fromisoformat`. `_build_converter(speedups=False)`
leaves both out: it is the reference that tests/test_converter_speedups.py compares the
fast paths with, result for result and error for error.
"""

from __future__ import annotations

import collections.abc
import linecache
import re
import sys
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Final, TypeVar

import attrs
import cattrs
from cattrs.cols import is_sequence, list_structure_factory
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.v import format_exception

from . import _models as m
from ._config import MAX_EXCERPT_CHARS, MAX_PROBLEMS_SHOWN
from ._exceptions import InvalidArgumentError
from ._text import excerpt, short_repr

__all__ = [
    "CONVERTER",
    "camel_case",
    "describe_invalid",
    "json_field_names",
    "json_name",
    "make_converter",
    "problems_in",
    "register_json_unions",
    "register_open_unions",
    "register_subtypes",
]

T = TypeVar("T")

#: The open unions read by their ``type`` key (`register_open_unions`), by their
#: members: a field typed ``Content | None`` reaches the converter as one flat union, so
#: it is found by what it is made of.
_OPEN_UNIONS: Final[dict[frozenset[object], Mapping[str, type]]] = {}

#: The unions of shapes read as JSON (`register_json_unions`), by their models.
_JSON_UNIONS: Final[set[frozenset[object]]] = set()

#: Base models read as the subclass their ``type`` names (`register_subtypes`).
_SUBTYPES: Final[dict[type, Mapping[str, type]]] = {}


def register_open_unions(unions: Mapping[object, Mapping[str, type]]) -> None:
    """Read each union (``A | B | Mapping[str, object]``) as its member named by ``type``.

    A ``type`` not in its table stays the JSON object it is. The models module that
    defines the unions calls this as it is imported, before any of them can be
    structured: every converter (`CONVERTER` and those of `make_converter`) looks the
    tables up the first time it builds the hook of a type, and keeps that hook.

    Args:
        unions: each union alias, and its members by the value of their ``type``.
    """
    for alias, members in unions.items():
        _OPEN_UNIONS[_union_key(typing.get_args(alias))] = dict(members)


def register_json_unions(unions: Sequence[object]) -> None:
    """Read each union of shapes no tag tells apart (``A | B | JSONObject``) as the JSON
    object it is: only the caller knows which shape they meant, when they send one.

    Called, like `register_open_unions`, by the models module that defines them.
    """
    for alias in unions:
        _JSON_UNIONS.add(_union_key(typing.get_args(alias)))


def register_subtypes(subtypes: Mapping[type, Mapping[str, type]]) -> None:
    """Read each base model as the subclass its ``type`` names; any other as the base.

    Called, like `register_open_unions`, by the models module that defines them.

    Args:
        subtypes: each base model, and its subclasses by the value of their ``type``.
    """
    for base, by_type in subtypes.items():
        _SUBTYPES[base] = dict(by_type)


def _is_response_model(cls: type) -> bool:
    """A model read from the API: it keeps unknown fields (``extra``) and nulls.

    Told by its fields, not by a list that a new model could be left out of.
    """
    return attrs.has(cls) and {"extra", "nulls"} <= attrs.fields_dict(cls).keys()


def _tag_of(cls: object) -> str | None:
    """The fixed ``type`` of a request model (a field left out of ``__init__``)."""
    if not (isinstance(cls, type) and attrs.has(cls)):
        return None
    field = attrs.fields_dict(cls).get("type")
    if field is None or field.init or not isinstance(field.default, str):
        return None
    return field.default


def _tagged_members(tp: object) -> tuple[type, ...] | None:
    """The members of a union of request models told apart by their fixed ``type``."""
    members = _union_members(tp)
    if not members or len(members) < 2 or any(_tag_of(member) is None for member in members):
        return None
    return members  # type: ignore[return-value]


def json_name(a: attrs.Attribute[Any]) -> str:
    """The JSON name of a model's field: the one its metadata gives (``showAIDisclaimer``,
    ``messenger_extensions``: names snake_case cannot carry back), else its camelCase."""
    given = a.metadata.get("json")
    return given if isinstance(given, str) else camel_case(a.name)


def camel_case(name: str) -> str:
    """``integration_id`` -> ``integrationId``; a trailing ``_`` is dropped.

    >>> camel_case("after_cursor")
    'afterCursor'
    """
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def make_converter() -> cattrs.Converter:
    """Build a new converter with every hook the SDK's models need."""
    return _build_converter(speedups=True)


def _build_converter(*, speedups: bool) -> cattrs.Converter:
    """The converter, with its fast paths (``speedups``) or without: the reference that
    the tests hold the fast paths to, result for result and error for error."""
    converter = cattrs.Converter()
    _register_primitives(converter, parse=_parse_iso if speedups else _parse_iso_slowly)
    _register_sequences(converter)
    _register_unions(converter)
    _register_models(converter, speedups=speedups)
    return converter


# --- primitives -----------------------------------------------------------------------


def _strict(kind: type, *, also: tuple[type, ...] = ()) -> Callable[[object, type], object]:
    accepted = (kind, *also)

    def structure(value: object, _: type) -> object:
        # bool is an int subclass; a JSON true is never a number here
        if not isinstance(value, accepted) or (isinstance(value, bool) and kind is not bool):
            raise TypeError(
                f"expected {kind.__name__}, got {type(value).__name__} {short_repr(value)}"
            )
        return value

    return structure


#: The dates this SDK reads, on every Python version: ``YYYY-MM-DD``, then optionally a
#: time (``T``, ``t`` or a space; hours, minutes, seconds, any number of fraction digits,
#: ``.`` or ``,``) and an offset (``Z`` or ``±HH[:MM]``). `datetime.fromisoformat` alone
#: cannot be the definition: Python 3.11 reads far more than 3.10 (week dates, basic
#: format), so one page would read differently on each.
_ISO_DATETIME: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[Tt ]([0-9]{2})(?::([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]+))?)?)?"
    r"(?:([Zz])|([+-])([0-9]{2})(?::?([0-9]{2}))?)?)?"
)


def _parse_iso_slowly(text: str) -> datetime | None:
    """The reference reading of a date: the grammar above, field by field; None if not one.

    A time without an offset is UTC (the API speaks UTC); digits past microseconds are
    cut, as Python 3.11 does.
    """
    found = _ISO_DATETIME.fullmatch(text)
    if found is None:
        return None
    year, month, day, hour, minute, second, fraction, _z, sign, off_h, off_m = found.groups()
    tz = timezone.utc
    if sign is not None:
        if off_m is not None and int(off_m) > 59:
            return None
        offset = timedelta(hours=int(off_h), minutes=int(off_m or 0))
        try:
            tz = timezone(-offset if sign == "-" else offset)
        except ValueError:  # a day or more
            return None
    micros = int(fraction[:6].ljust(6, "0")) if fraction else 0
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micros,
            tz,
        )
    except ValueError:  # month 13, hour 25, ...
        return None


def _from_iso_z_before_311(text: str) -> datetime:
    # 3.10 reads no "Z"; the offset it stands for gives the same datetime
    return datetime.fromisoformat(text[:-1] + "+00:00")


#: Reads a date ending in "Z" (3.11 does that itself: no call in between).
_from_iso_z: Final[Callable[[str], datetime]] = (
    datetime.fromisoformat if sys.version_info >= (3, 11) else _from_iso_z_before_311
)


def _is_api_shape(text: str) -> bool:
    """``2019-01-14T16:55:59.364Z``: what the API sends, and `_from_iso_z` reads the same
    on every version (it checks the digits itself)."""
    return len(text) == 24 and text[4:20:3] == "--T::." and text[23] == "Z"


def _parse_iso(text: str) -> datetime | None:
    """`_parse_iso_slowly`, with the API's own shape read by `datetime.fromisoformat` (C)."""
    if _is_api_shape(text):
        try:
            return _from_iso_z(text)
        except ValueError:
            pass  # e.g. month 13: the reference says what that is
    return _parse_iso_slowly(text)


def _datetime_hook(parse: Callable[[str], datetime | None]) -> Callable[[object, type], datetime]:
    def structure(value: object, _: type) -> datetime:
        if type(value) is not str:
            raise TypeError(
                f"expected an ISO-8601 str, got {type(value).__name__} {short_repr(value)}"
            )
        parsed = parse(value)
        if parsed is None:
            raise ValueError(f"expected an ISO-8601 date, got {short_repr(value)}")
        return parsed

    return structure


def _unstructure_datetime(value: datetime) -> str:
    utc = value.astimezone(timezone.utc) if value.tzinfo is not None else value
    return utc.isoformat(timespec="milliseconds").replace("+00:00", "") + "Z"


def _structure_mapping(value: object, _: type) -> dict[str, object]:
    if not isinstance(value, Mapping):
        raise TypeError(f"expected a JSON object, got {type(value).__name__}")
    return dict(value)


def _is_mapping(tp: object) -> bool:
    origin: object = typing.get_origin(tp)
    return origin is Mapping


def _register_sequences(converter: cattrs.Converter) -> None:
    def list_hook(tp: Any) -> Callable[[object, object], object]:
        items = list_structure_factory(tp, converter)
        # a field typed Sequence in a frozen model gets a tuple: hashable and immutable
        as_tuple = typing.get_origin(tp) is collections.abc.Sequence

        def structure(value: object, _: object) -> object:
            # a str is iterable too: read as a list, each character would fail alone
            if not isinstance(value, list | tuple):
                raise TypeError(f"expected a JSON array, got {type(value).__name__}")
            structured = items(value, tp)
            return tuple(structured) if as_tuple else structured

        return structure

    converter.register_structure_hook_factory(is_sequence, list_hook)


def _is_str_literal(tp: object) -> bool:
    """``Literal["business", "user"]``: an enum of the spec, typed by its known values."""
    args = typing.get_args(tp)
    return typing.get_origin(tp) is typing.Literal and all(isinstance(a, str) for a in args)


def _is_open_literal(tp: object) -> bool:
    """``Literal["a", "b"] | str`` (maybe ``| None``): an open enum of the spec's, whose
    known values the type names for the reader of the code."""
    members = set(typing.get_args(tp)) - {type(None)}
    is_union = typing.get_origin(tp) in (typing.Union, types.UnionType)
    return is_union and str in members and all(t is str or _is_str_literal(t) for t in members)


def _read_open_literal(value: object, tp: object) -> object:
    if value is None and type(None) in typing.get_args(tp):
        return None
    return _read_str(value)


def _register_primitives(
    converter: cattrs.Converter, *, parse: Callable[[str], datetime | None]
) -> None:
    converter.register_structure_hook(str, _strict(str))
    converter.register_structure_hook(bool, _strict(bool))
    converter.register_structure_hook(int, _strict(int))
    converter.register_structure_hook(float, _strict(float, also=(int,)))
    converter.register_structure_hook(datetime, _datetime_hook(parse))
    converter.register_unstructure_hook(datetime, _unstructure_datetime)
    converter.register_structure_hook_func(_is_mapping, _structure_mapping)
    # a closed set of strings in the spec is open on the wire: a value this version does
    # not know is kept as the string it is (a request's is checked before sending)
    converter.register_structure_hook_func(_is_str_literal, lambda value, _: _read_str(value))
    converter.register_structure_hook_func(_is_open_literal, _read_open_literal)
    # the wire value, not the member (f"{member}" differs across Python versions)
    converter.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, m._WireEnum), _wire_value
    )


# --- unions -----------------------------------------------------------------------------


def _union_members(tp: object) -> tuple[object, ...] | None:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return typing.get_args(tp)
    return None


def _is_open_enum(tp: object) -> bool:
    members = set(_union_members(tp) or ()) - {type(None), m.Unset}
    enums = [t for t in members if isinstance(t, type) and issubclass(t, m._WireEnum)]
    return len(enums) == 1 and members == {enums[0], str}


def _open_enum_values(tp: object) -> dict[str, object]:
    members = _union_members(tp) or ()
    enum_type = next(t for t in members if isinstance(t, type) and issubclass(t, m._WireEnum))
    return {member.value: member for member in enum_type}


def _open_enum_hook(tp: object) -> Callable[[object, object], object]:
    by_value = _open_enum_values(tp)
    nullable = type(None) in (_union_members(tp) or ())

    def structure(value: object, _: object) -> object:
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            raise TypeError(f"expected str, got {type(value).__name__} {short_repr(value)}")
        return by_value.get(value, value)

    return structure


def _wire_value(value: object) -> object:
    return value.value if isinstance(value, m._WireEnum) else value


def _is_optional(tp: object) -> bool:
    members = _union_members(tp)
    if members is None or _tagged_members(tp) is not None or _is_open_enum(tp):
        return False
    rest = [t for t in members if t not in (type(None), m.Unset)]
    return len(rest) == 1


def _union_key(members: tuple[object, ...]) -> frozenset[object]:
    """An open union, known by its models: its JSON fallback (``Mapping[str, JSONValue]``)
    may resolve to an object that is equal in meaning but not in ``==``."""
    if not any(_is_mapping(member) for member in members):
        return frozenset()
    return frozenset(m for m in members if isinstance(m, type) and attrs.has(m))


def _open_union(tp: object) -> Mapping[str, type] | None:
    """The members by ``type`` of a generated union (``| None`` or not), else None."""
    key = _union_key(_union_members(tp) or ())
    return _OPEN_UNIONS.get(key) if key else None


def _register_unions(converter: cattrs.Converter) -> None:
    def open_union_hook(tp: object) -> Callable[[object, object], object]:
        members = _open_union(tp)
        assert members is not None
        nullable = type(None) in (_union_members(tp) or ())

        def structure(value: object, _: object) -> object:
            # read by "type"; a type this version does not know stays the JSON it is
            if value is None and nullable:
                return None
            if type(value) is not dict and not isinstance(value, Mapping):
                raise TypeError(f"expected a JSON object, got {type(value).__name__}")
            cls = members.get(value.get("type"))  # type: ignore[arg-type]
            return dict(value) if cls is None else converter.structure(value, cls)

        return structure

    converter.register_structure_hook_factory(lambda t: _open_union(t) is not None, open_union_hook)

    def optional_hook(tp: object) -> Callable[[object, object], object]:
        members = _union_members(tp) or ()
        (inner,) = (t for t in members if t not in (type(None), m.Unset))
        inner_hook = converter.get_structure_hook(inner)
        nullable = type(None) in members

        def structure(value: object, _: object) -> object:
            if value is None:
                if nullable:
                    return None
                raise TypeError("null is not allowed here")
            return inner_hook(value, inner)

        return structure

    def tagged_hook(tp: object) -> Callable[[object, object], object]:
        variants = {_tag_of(cls): cls for cls in _tagged_members(tp) or ()}

        def structure(value: object, _: object) -> object:
            if not isinstance(value, Mapping):
                raise TypeError(f"expected a JSON object, got {type(value).__name__}")
            tag = value.get("type")
            cls = variants.get(tag) if isinstance(tag, str) else None
            if cls is None:
                allowed = ", ".join(repr(t) for t in variants)
                raise ValueError(f"type must be one of {allowed}, got {tag!r}")
            return converter.structure(value, cls)

        return structure

    converter.register_structure_hook_factory(_is_open_enum, _open_enum_hook)
    converter.register_unstructure_hook_func(_is_open_enum, _wire_value)
    converter.register_structure_hook_factory(lambda t: _tagged_members(t) is not None, tagged_hook)
    converter.register_structure_hook_factory(_is_optional, optional_hook)
    converter.register_structure_hook_factory(_is_json_union, _json_union_hook)


def _is_json_union(tp: object) -> bool:
    key = _union_key(_union_members(tp) or ())
    return bool(key) and key in _JSON_UNIONS


def _json_union_hook(tp: object) -> Callable[[object, object], object]:
    nullable = type(None) in (_union_members(tp) or ())

    def structure(value: object, _: object) -> object:
        # which shape it is, nothing says: it stays the JSON object it is
        if value is None and nullable:
            return None
        return _structure_mapping(value, dict)

    return structure


# --- attrs classes ------------------------------------------------------------------


def _register_models(converter: cattrs.Converter, *, speedups: bool) -> None:
    def structure_hook(cls: type) -> Callable[[object, type], object]:
        if cls in _SUBTYPES:
            return _subtype_hook(converter, cls, _response_hook(converter, cls, speedups=speedups))
        if _is_response_model(cls):
            return _response_hook(converter, cls, speedups=speedups)
        renames: dict[str, Any] = {
            a.name: override(rename=json_name(a)) for a in attrs.fields(cls) if a.init
        }
        generated: Callable[[Mapping[str, object], type], Any] = make_dict_structure_fn(
            cls, converter, _cattrs_forbid_extra_keys=True, **renames
        )
        # fixed fields (the `type` tag): checked here, never passed to __init__
        fixed = {json_name(a): a.default for a in attrs.fields(cls) if not a.init}

        def structure_request(value: object, _: type) -> object:
            if not isinstance(value, Mapping):
                raise TypeError(f"expected a JSON object, got {type(value).__name__}")
            if fixed and not fixed.keys().isdisjoint(value):
                for key, expected in fixed.items():
                    if key in value and value[key] != expected:
                        raise ValueError(f"{key} must be {expected!r}, got {value[key]!r}")
                value = {k: v for k, v in value.items() if k not in fixed}
            return generated(value, cls)

        return structure_request

    def unstructure_hook(cls: type) -> Callable[[object], dict[str, object]]:
        is_response = _is_response_model(cls)
        overrides: dict[str, Any] = {}
        for a in attrs.fields(cls):
            if is_response and a.name in _OWN:
                overrides[a.name] = override(omit=True)
            else:
                # left out when it holds its default: not given (UNSET, None), an empty
                # value made for a field the JSON left out (a list's meta), or a field the
                # API always sends in a request made without it
                leave_out = (
                    a.default in (m.UNSET, None)
                    or _factory_of(a) is not None
                    or bool(a.metadata.get("always_sent"))
                )
                overrides[a.name] = override(rename=json_name(a), omit_if_default=leave_out)
        generated: Callable[[object], dict[str, object]] = make_dict_unstructure_fn(
            cls, converter, _cattrs_include_init_false=True, **overrides
        )
        if not is_response:
            return generated
        defaults = {json_name(a): (a.name, a.default) for a in attrs.fields(cls)}

        def unstructure(instance: Any) -> dict[str, object]:
            data = generated(instance)
            if instance.extra:
                # an odd value kept in extra wins over the empty value its field was given
                data = {**data, **instance.extra}
            for key in instance.nulls:
                # a null that still holds its default goes back as null
                name, default = defaults[key]
                if getattr(instance, name) == default:
                    data[key] = None
            return data

        return unstructure

    converter.register_structure_hook_factory(attrs.has, structure_hook)
    converter.register_unstructure_hook_factory(attrs.has, unstructure_hook)


#: The converter every part of the SDK uses. Build your own with `make_converter()`
#: rather than adding hooks to this one.
CONVERTER: Final = make_converter()
m.use_codec(CONVERTER.unstructure, CONVERTER.structure)


# --- response models ----------------------------------------------------------------

#: Fields a response model fills itself, from what it reads: never from the JSON.
_OWN: Final = frozenset({"extra", "nulls", "problems"})


def json_field_names(model: type[Any]) -> set[str]:
    """The JSON names of a model's fields, without the ones it keeps for itself.

    >>> sorted(json_field_names(m.Client))[:4]
    ['avatarUrl', 'displayName', 'externalId', 'id']
    """
    return {json_name(a) for a in attrs.fields(model) if a.name not in _OWN}


#: How often a compiled reader gave up and the reference reader read the object again,
#: by model. Only malformed input should get there; the tests hold it to that.
_REREAD: Final[collections.Counter[type]] = collections.Counter()


class _Absent:
    """What ``dict.pop`` gives for a missing key in a compiled reader (never JSON)."""

    __slots__ = ()


_ABSENT: Final = _Absent()


def _read_str(value: object) -> object:
    if type(value) is str:
        return value
    raise TypeError(f"expected str, got {type(value).__name__} {short_repr(value)}")


def _structure_hook(converter: cattrs.Converter, tp: Any) -> Callable[[Any, Any], object]:
    try:
        return converter.get_structure_hook(tp)
    except RecursionError:  # a model that holds itself: look it up when reading instead
        return converter.structure


def _inner_type(tp: Any) -> Any:
    """A response field's type without ``| None``: nulls never reach its reader."""
    members = _union_members(tp)
    if members is not None and not _is_open_enum(tp) and _tagged_members(tp) is None:
        rest = [t for t in members if t not in (type(None), m.Unset)]
        if len(rest) == 1:
            return rest[0]
        if str in rest and all(t is str or _is_str_literal(t) for t in rest):
            return str  # an open enum: any str reads
    return tp


def _is_date_or_text(tp: object) -> bool:
    return set(_union_members(tp) or ()) - {type(None)} == {datetime, str}


def _field_reader(
    converter: cattrs.Converter, tp: Any, parse: Callable[[str], datetime | None]
) -> Callable[[object], object]:
    """How one response field reads a non-null JSON value; built once per field."""
    inner = _inner_type(tp)
    if inner is str or _is_str_literal(inner):
        return _read_str
    if inner is datetime:
        read_datetime = _datetime_hook(parse)
        return lambda value: read_datetime(value, datetime)
    if _is_date_or_text(inner):

        def read_date_or_text(value: object) -> object:
            # the spec says "string" and gives the format in prose: a date that does
            # not parse is kept as sent rather than failing the page it came in
            text = _read_str(value)
            parsed = parse(text)  # type: ignore[arg-type]
            return text if parsed is None else parsed

        return read_date_or_text
    if _is_open_enum(inner):
        by_value = _open_enum_values(inner)

        def read_enum(value: object) -> object:
            if type(value) is str:
                return by_value.get(value, value)
            raise TypeError(f"expected str, got {type(value).__name__} {short_repr(value)}")

        return read_enum
    item = _model_items(inner)
    if item is not None:
        read_item = _structure_hook(converter, item)

        def read_items(value: object) -> object:
            if type(value) is not list:
                raise TypeError(f"expected a JSON array, got {type(value).__name__}")
            items: list[object] = []
            errors: list[tuple[int, Exception]] = []
            for index, entry in enumerate(value):
                try:
                    items.append(read_item(entry, item))
                except Exception as exc:  # noqa: BLE001 - reported with the items that did read
                    errors.append((index, exc))
            if errors:
                raise _PartlyRead(tuple(items), errors)
            return tuple(items)

        return read_items
    hook = _structure_hook(converter, inner)
    return lambda value: hook(value, inner)


class _PartlyRead(Exception):
    """A list of models of which some items did not read: the others, and why not."""

    def __init__(self, items: tuple[object, ...], errors: list[tuple[int, Exception]]) -> None:
        super().__init__(f"{len(errors)} items did not read")
        self.items = items
        self.errors = errors


def _model_items(tp: object) -> type | None:
    """The item model of a ``Sequence[Model]`` field of a response model, else None."""
    if typing.get_origin(tp) is not collections.abc.Sequence:
        return None
    (item,) = typing.get_args(tp) or (None,)
    return item if isinstance(item, type) and _is_response_model(item) else None


def _response_hook(
    converter: cattrs.Converter, cls: type, *, speedups: bool
) -> Callable[[object, type], object]:
    reference = _response_reader(
        converter, cls, parse=_parse_iso if speedups else _parse_iso_slowly
    )
    compiled = _compiled_reader(converter, cls, reference) if speedups else None
    return compiled or (lambda value, _: reference(value))


def _subtype_hook(
    converter: cattrs.Converter, base: type, read_base: Callable[[object, type], object]
) -> Callable[[object, type], object]:
    """Read a base model (``Integration``) as the subclass its ``type`` names.

    A type this version does not know reads as the base, its other fields in ``extra``:
    a new kind of integration never fails a list of them.
    """
    subtypes = _SUBTYPES[base]
    readers: dict[object, Callable[[object, type], object]] = {}

    def structure(value: object, _: type) -> object:
        cls = subtypes.get(value.get("type")) if type(value) is dict else None  # type: ignore[arg-type]
        if cls is None:
            return read_base(value, base)
        read = readers.get(cls)
        if read is None:  # looked up on first use: a subclass may refer to its base
            read = readers[cls] = converter.get_structure_hook(cls)
        return read(value, cls)

    return structure


def _response_reader(
    converter: cattrs.Converter, cls: type, *, parse: Callable[[str], datetime | None]
) -> Callable[[object], object]:
    """Structure a response model in one pass over the JSON object (the reference).

    Unknown keys go to ``extra`` and nulls are named in ``nulls`` (read as absent), in
    the same pass and the same constructor call. A field whose value does not read is
    left at its default, its value kept in ``extra`` as it came, and the problem named
    in ``problems`` (a JSON path and what was wrong): one odd value never costs the
    object, the page or the event it is in.
    """
    keeps_problems = "problems" in attrs.fields_dict(cls)
    required = _required_fields(cls)
    fields = {
        json_name(a): (a.alias, _field_reader(converter, a.type, parse))
        for a in attrs.fields(cls)
        if a.init and a.name not in _OWN
    }

    def read(value: object) -> object:
        # decoded JSON is a dict: the ABC check is for other mappings only (it is slow)
        if type(value) is not dict and not isinstance(value, Mapping):
            raise TypeError(f"expected a JSON object, got {type(value).__name__}")
        kwargs: dict[str, object] = {}
        extra: dict[str, object] | None = None
        nulls: list[str] | None = None
        problems: list[str] | None = None
        for key, item in value.items():
            spec = fields.get(key)
            if spec is None:
                if extra is None:
                    extra = {}
                extra[key] = item
            elif item is None:
                # null reads as absent (even where the schema has no null), but is
                # remembered so that unstructuring gives back the same JSON
                if nulls is None:
                    nulls = []
                nulls.append(key)
            else:
                name, reader = spec
                try:
                    kwargs[name] = reader(item)
                except Exception as exc:
                    if not keeps_problems:
                        raise
                    if extra is None:
                        extra = {}
                    extra[key] = item  # as it came, whole: nothing the server sent is lost
                    if problems is None:
                        problems = []
                    if isinstance(exc, _PartlyRead):  # a list: the items that did read stay
                        kwargs[name] = exc.items
                        for index, error in exc.errors:
                            problems += _problem_texts(error, f"{key}[{index}]")
                    else:
                        problems += _problem_texts(exc, key)
        if required and keeps_problems:
            problems = _fill_required(required, kwargs, extra, nulls, problems)
        if extra:
            kwargs["extra"] = extra
        if nulls:
            kwargs["nulls"] = frozenset(nulls)
        if problems:
            kwargs["problems"] = tuple(problems)
        return cls(**kwargs)

    return read


#: What a required field reads as when the JSON leaves it out, by the field's type.
_PLACEHOLDERS: Final[dict[object, object]] = {str: "", bool: False, int: 0, float: 0.0}


def _placeholder(tp: object) -> object:
    """The empty value of a required field's type; ``None`` for a type that has none (a
    model, a JSON object): the gap is named in ``problems``, and the object around it,
    a message or a page, still reads."""
    inner = _inner_type(tp)
    if inner in _PLACEHOLDERS:
        return _PLACEHOLDERS[inner]
    if _is_str_literal(inner) or _is_date_or_text(inner) or _is_open_enum(inner):
        return ""
    if typing.get_origin(inner) in (collections.abc.Sequence, tuple):
        return ()
    return None


def _empty_value(a: attrs.Attribute[Any]) -> object:
    """What a field the JSON left out reads as: its default (made anew from a factory),
    else the empty value of its type."""
    factory = _factory_of(a)
    if factory is not None and not factory[1]:
        return factory[0]()
    return _placeholder(a.type) if a.default is attrs.NOTHING else a.default


def _required_fields(cls: type) -> list[tuple[str, str, object, bool]]:
    """Each required field of a response model: its ``__init__`` name, its JSON name,
    what it reads as when missing, and whether ``null`` is one of its values."""
    return [
        (
            a.alias,
            json_name(a),
            _empty_value(a),
            type(None) in (_union_members(a.type) or ()),
        )
        for a in attrs.fields(cls)
        if a.init and a.name not in _OWN and _is_required(a)
    ]


def _is_required(a: attrs.Attribute[Any]) -> bool:
    """A field that must be in the JSON: required by the spec, or one the API always
    sends (its default only serves to build a request model without it)."""
    return a.default is attrs.NOTHING or bool(a.metadata.get("always_sent"))


def _fill_required(
    required: list[tuple[str, str, object, bool]],
    kwargs: dict[str, object],
    extra: dict[str, object] | None,
    nulls: list[str] | None,
    problems: list[str] | None,
) -> list[str] | None:
    """Give each required field the JSON left out (or sent as an odd value) its empty
    value, and name the gap in ``problems``: a response that breaks the API's promise
    costs that one value, not the object or the page it is in."""
    for alias, key, placeholder, nullable in required:
        if alias in kwargs:
            continue
        if nullable and nulls and key in nulls:
            kwargs[alias] = None
            continue
        kwargs[alias] = placeholder
        if extra is None or key not in extra:  # an odd value has its problem already
            if problems is None:
                problems = []
            missing = "null" if nulls and key in nulls else "missing"
            problems.append(f"{missing}, though the API always sends it @ $.{key}")
    return problems


def problems_in(value: object, path: str = "$", *, depth: int = 0) -> list[str]:
    """Every problem recorded in a model read from JSON and the models inside it, each
    with its JSON path from ``value``.

    >>> from sunshine_async.types import User
    >>> user = CONVERTER.structure({"id": "u1", "profile": {"givenName": 7}}, User)
    >>> problems_in(user)
    ['expected str, got int 7 @ $.profile.givenName']
    """
    if depth > 64:  # deeper than any schema of the API nests
        return []
    found: list[str] = []
    cls: Any = type(value)
    if attrs.has(cls):
        for text in getattr(value, "problems", ()):
            message, _, where = text.rpartition(" @ $")
            found.append(f"{message} @ {path}{where}")
        for a in attrs.fields(cls):
            if a.name not in _OWN:
                inner = getattr(value, a.name)
                found += problems_in(inner, f"{path}.{json_name(a)}", depth=depth + 1)
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            found += problems_in(item, f"{path}[{index}]", depth=depth + 1)
    return found


def _problem_texts(exc: Exception, key: str) -> list[str]:
    """What was wrong with the value of field ``key``, each with its JSON path."""
    texts = []
    for text in describe_invalid(exc):
        message, at, path = text.rpartition(" @ ")
        texts.append(f"{message} @ $.{key}{path[1:]}" if at else f"{text} @ $.{key}")
    return texts


def _factory_of(a: attrs.Attribute[Any]) -> tuple[Callable[..., object], bool] | None:
    """A field's default factory and whether it takes the instance, if it has one."""
    default: Any = a.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]  # a class at run time
        return default.factory, default.takes_self
    return None


def _slot_setters(cls: type) -> dict[str, Callable[[object, object], None]] | None:
    """Each field's slot setter, when filling the slots is all that ``__init__`` does.

    Then a reader can skip ``__init__`` (keyword parsing and one ``object.__setattr__``
    per field cost more than reading the JSON). Anything else (validators, converters,
    ``__attrs_post_init__``, a hand-written ``__init__``, a cached hash) keeps the call.
    """
    init_code = getattr(getattr(cls, "__init__", None), "__code__", None)
    if init_code is None or not init_code.co_filename.startswith("<attrs generated"):
        return None
    if hasattr(cls, "__attrs_pre_init__") or hasattr(cls, "__attrs_post_init__"):
        return None
    fields = attrs.fields(cls)
    slots = {name for k in cls.__mro__ for name in k.__dict__.get("__slots__", ())}
    if slots - {"__weakref__"} != {a.name for a in fields}:
        return None
    setters: dict[str, Callable[[object, object], None]] = {}
    for a in fields:
        if a.validator is not None or a.converter is not None or not a.init:
            return None
        factory = _factory_of(a)
        if factory is not None and factory[1]:
            return None  # a default made from the instance itself
        descriptor = next(k.__dict__[a.name] for k in cls.__mro__ if a.name in k.__dict__)
        if type(descriptor) is not types.MemberDescriptorType:
            return None
        setters[a.name] = descriptor.__set__
    return setters


# What a compiled reader takes without a call, by kind of field: the test that the JSON
# value is of the plain kind, and the expression that reads it. Anything else goes
# through the field's reference reader (`r<i>`).
_FAST_READS: Final = {
    str: ("type(v) is str", "v"),
    bool: ("type(v) is bool", "v"),
    int: ("type(v) is int", "v"),
    float: ("type(v) is float", "v"),
}
# The API's own date shape (see `_is_api_shape`), inlined: a call costs more than it.
_API_DATE_TEST: Final = 'type(v) is str and len(v) == 24 and v[4:20:3] == "--T::." and v[23] == "Z"'


def _compiled_reader(
    converter: cattrs.Converter, cls: type, reference: Callable[[object], object]
) -> Callable[[object, type], object] | None:
    """`_response_reader` as one straight-line function for ``cls``, built once.

    Each field is popped from a copy of the object (what is left are the unknown keys,
    in order, for ``extra``) and read inline when it is a plain value (str, number, the
    API's date shape, open enum, JSON object, list); other values call the field's
    reader. Whatever raises makes it read the object again with ``reference``, whose
    result or error (with cattrs' notes) is then the answer: the fast path needs no
    error handling of its own and cannot report anything differently. None for a model
    it does not handle: the reference reader is used instead.
    """
    readable = _compilable_fields(cls)
    if readable is None:
        return None
    ns = _reader_namespace(cls, reference)
    lines = [
        f"def structure_{cls.__name__}(value, _=None):",
        "    if type(value) is not dict:",  # other mappings, and what is not an object
        "        return reread(value)",
        "    try:",
        "        rest = value.copy()",
        "        pop = rest.pop",
        "        nulls = None",
    ]
    for i, a in enumerate(readable):
        lines += _field_lines(converter, a, i, ns)
    lines += _construct_lines(cls, readable, ns)
    # reread after the except block, so that the reference's error is not chained to
    # the one that stopped the fast path
    lines += ["    except Exception:", "        pass", "    return reread(value)"]
    return _compile_reader(cls, lines, ns)


def _compilable_fields(cls: type) -> list[attrs.Attribute[Any]] | None:
    """The fields a compiled reader reads from the JSON, or None if it cannot read ``cls``:
    two fields on one key, or a field left out of ``__init__``. A required field that is
    missing or null makes it read the object again by the reference reader, which
    fills the gap and records it."""
    fields = attrs.fields(cls)
    readable = [a for a in fields if a.init and a.name not in _OWN]
    keys = [json_name(a) for a in readable]
    if len(set(keys)) != len(keys) or not all(a.init for a in fields):
        return None
    return readable


def _reader_namespace(cls: type, reference: Callable[[object], object]) -> dict[str, Any]:
    """The globals of the compiled reader of ``cls``; the field lines add their own."""

    def reread(value: object) -> object:
        _REREAD[cls] += 1
        return reference(value)

    return {
        "cls": cls,
        "ABSENT": _ABSENT,
        "dict": dict,
        "frozenset": frozenset,
        "new": object.__new__,
        "from_iso_z": _from_iso_z,
        "reread": reread,
    }


def _missing() -> object:
    raise LookupError("a required field is missing")


def _default_expr(a: attrs.Attribute[Any], name: str, ns: dict[str, Any]) -> str:
    """The expression for field ``a``'s default, its value or factory put in ``ns``; for
    a required field, a call that stops the fast path (the reference reader fills it)."""
    if _is_required(a):
        ns["missing"] = _missing
        return "missing()"
    factory = _factory_of(a)
    if factory is not None and factory[0] is dict:
        return "{}"  # a literal costs less than calling dict
    if factory is not None:
        ns[name] = factory[0]
        return f"{name}()"
    ns[name] = a.default
    return name


def _field_lines(
    converter: cattrs.Converter, a: attrs.Attribute[Any], i: int, ns: dict[str, Any]
) -> list[str]:
    """The lines that read field ``a`` (the ``i``-th) into ``a<i>``."""
    key = json_name(a)
    inner = _inner_type(a.type)
    default = _default_expr(a, f"d{i}", ns)
    ns[f"r{i}"] = _field_reader(converter, a.type, _parse_iso)
    lines = [f"        v = pop({key!r}, ABSENT)"]
    # the plain value first: its test also tells it from null and absent
    fast = _fast_read(converter, inner, ns, i)
    if fast is not None:
        test, expr = fast
        lines += [
            f"        if {test}:",
            f"            a{i} = {expr}",
            "        elif v is None:",
        ]
    else:
        lines.append("        if v is None:")
    return [
        *lines,
        f"            a{i} = {default}",
        "            if nulls is None:",
        "                nulls = []",
        f"            nulls.append({key!r})",
        "        elif v is ABSENT:",
        f"            a{i} = {default}",
        "        else:",
        f"            a{i} = r{i}(v)",
    ]


def _construct_lines(
    cls: type, readable: list[attrs.Attribute[Any]], ns: dict[str, Any]
) -> list[str]:
    """The lines that make the instance from the ``a<i>``, ``extra`` and ``nulls``: by
    filling its slots when that is all ``__init__`` does, else by calling ``cls``."""
    fields = attrs.fields(cls)
    own = {a.name: a for a in fields if a.name in _OWN}
    default_extra = _default_expr(own["extra"], "d_extra", ns)
    default_nulls = _default_expr(own["nulls"], "d_nulls", ns)
    lines = [
        f"        extra = rest.copy() if rest else {default_extra}",
        f"        nulls = {default_nulls} if nulls is None else frozenset(nulls)",
    ]
    values = {a.name: f"a{i}" for i, a in enumerate(readable)} | {
        "extra": "extra",
        "nulls": "nulls",
    }
    if "problems" in own:  # only the reference reader finds problems: none here
        values["problems"] = _default_expr(own["problems"], "d_problems", ns)
    setters = _slot_setters(cls)
    if setters is None:
        args = ", ".join(f"{a.alias}={values[a.name]}" for a in fields)
        return [*lines, f"        return cls({args})"]
    lines.append("        o = new(cls)")
    for name, setter in setters.items():
        ns[f"s_{name}"] = setter
        lines.append(f"        s_{name}(o, {values[name]})")
    return [*lines, "        return o"]


def _compile_reader(
    cls: type, lines: list[str], ns: dict[str, Any]
) -> Callable[[object, type], object]:
    """Compile the reader's ``lines`` in ``ns``, its source kept for tracebacks."""
    source = "\n".join(lines) + "\n"
    filename = f"<sunshine_async reader {cls.__module__}.{cls.__qualname__}>"
    # Built from the model's own field names and indices, never from input: the same
    # thing cattrs and attrs do to generate their functions.
    exec(compile(source, filename, "exec"), ns)  # noqa: S102
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    read: Callable[[object, type], object] = ns[f"structure_{cls.__name__}"]
    return read


def _fast_read(
    converter: cattrs.Converter, inner: Any, ns: dict[str, Any], i: int
) -> tuple[str, str] | None:
    """The inline (test, expression) of field ``i``'s plain values, if it has one."""
    if inner in _FAST_READS:
        return _FAST_READS[inner]
    if _is_str_literal(inner):
        return _FAST_READS[str]
    if inner is datetime or _is_date_or_text(inner):
        return _API_DATE_TEST, "from_iso_z(v)"
    if _is_open_enum(inner):
        ns[f"e{i}"] = _open_enum_values(inner)
        return "type(v) is str", f"e{i}.get(v, v)"
    if _is_mapping(inner):  # any JSON object, read as a dict (as `_structure_mapping` does)
        return "type(v) is dict", "dict(v)"
    origin = typing.get_origin(inner)
    args = typing.get_args(inner)
    if origin in (collections.abc.Sequence, list) and len(args) == 1 and args[0] is not Any:
        ns[f"h{i}"], ns[f"t{i}"] = _structure_hook(converter, args[0]), args[0]
        items = f"[h{i}(x, t{i}) for x in v]"
        return "type(v) is list", items if origin is list else f"tuple({items})"
    if attrs.has(inner):
        ns[f"h{i}"], ns[f"t{i}"] = _structure_hook(converter, inner), inner
        return "type(v) is dict", f"h{i}(v, t{i})"
    return None


def _describe(exc: BaseException, tp: type | None) -> str:
    # our validators and strict hooks already say what is wrong, in words; keep them
    if isinstance(exc, InvalidArgumentError | TypeError) or type(exc) is ValueError:
        return str(exc)
    return format_exception(exc, tp)


# an attribute name in a cattrs error path: right after a dot, not a quoted mapping key
_PATH_FIELD: Final = re.compile(r"(?<=\.)[a-z][a-z0-9_]*")


def describe_invalid(exc: Exception) -> list[str]:
    """One message per problem of a failed structure, with JSON paths in camelCase.

    >>> try:
    ...     CONVERTER.structure([1], m.Client)
    ... except Exception as exc:
    ...     describe_invalid(exc)
    ['expected a JSON object, got list @ $']
    """
    problems = []
    found = cattrs.transform_error(exc, path="$", format_exception=_describe)
    for problem in found[:MAX_PROBLEMS_SHOWN]:
        message, at, path = problem.rpartition(" @ ")
        if at:
            problem = f"{message} @ {_PATH_FIELD.sub(lambda f: camel_case(f.group()), path)}"
        problems.append(excerpt(problem, MAX_EXCERPT_CHARS))
    if len(found) > MAX_PROBLEMS_SHOWN:
        problems.append(f"and {len(found) - MAX_PROBLEMS_SHOWN} more problems")
    return problems
