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
- ``lastSeen``/``linkedAt`` become timezone-aware `datetime` objects.
"""

from __future__ import annotations

import collections.abc
import functools
import re
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, Final, TypeVar

import attrs
import cattrs
from cattrs.cols import is_sequence, list_structure_factory
from cattrs.errors import AttributeValidationNote, ClassValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.v import format_exception

from . import _models as m
from ._config import MAX_EXCERPT_CHARS, MAX_PROBLEMS_SHOWN
from ._exceptions import InvalidArgumentError
from ._generated import models as generated
from ._sansio import excerpt, short_repr

__all__ = ["CONVERTER", "camel_case", "describe_invalid", "make_converter", "structure_request"]

T = TypeVar("T")

#: The generated unions by their members: a field typed ``Content | None`` reaches the
#: converter as one flat union, so it is found by what it is made of.
_OPEN_UNIONS: Final = {
    frozenset(typing.get_args(alias)): members for alias, members in generated.UNIONS.items()
}


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


def camel_case(name: str) -> str:
    """``integration_id`` -> ``integrationId``; a trailing ``_`` is dropped.

    >>> camel_case("after_cursor")
    'afterCursor'
    """
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def make_converter() -> cattrs.Converter:
    """Build a new converter with every hook the SDK's models need."""
    converter = cattrs.Converter()
    _register_primitives(converter)
    _register_sequences(converter)
    _register_unions(converter)
    _register_models(converter)
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


_FRACTION: Final = re.compile(r"\.(\d+)")


def _structure_datetime(value: object, _: type) -> datetime:
    if type(value) is not str:
        raise TypeError(f"expected an ISO-8601 str, got {type(value).__name__} {short_repr(value)}")
    try:
        # Python 3.11 reads "Z" and any number of fraction digits itself
        parsed = datetime.fromisoformat(value)
    except ValueError:
        text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
        # Python 3.10 reads only 3 or 6 digits of fractions: give it 6
        text = _FRACTION.sub(lambda f: "." + f.group(1)[:6].ljust(6, "0"), text, count=1)
        parsed = datetime.fromisoformat(text)
    # the API speaks UTC; a timestamp without an offset is still UTC
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


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


def _register_primitives(converter: cattrs.Converter) -> None:
    converter.register_structure_hook(str, _strict(str))
    converter.register_structure_hook(bool, _strict(bool))
    converter.register_structure_hook(int, _strict(int))
    converter.register_structure_hook(float, _strict(float, also=(int,)))
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(datetime, _unstructure_datetime)
    converter.register_structure_hook_func(_is_mapping, _structure_mapping)
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


def _open_union(tp: object) -> Mapping[str, type] | None:
    """The members by ``type`` of a generated union (``| None`` or not), else None."""
    members: set[object] = set(_union_members(tp) or ())
    members.discard(type(None))
    return _OPEN_UNIONS.get(frozenset(members)) if members else None


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


# --- attrs classes ------------------------------------------------------------------


def _register_models(converter: cattrs.Converter) -> None:
    def structure_hook(cls: type) -> Callable[[object, type], object]:
        if _is_response_model(cls):
            # fields the SDK fills itself, from what it reads: never from the JSON
            read = _response_reader(converter, cls, own={"extra", "nulls"})
            return lambda value, _: read(value)
        renames: dict[str, Any] = {
            a.name: override(rename=camel_case(a.name)) for a in attrs.fields(cls) if a.init
        }
        generated: Callable[[Mapping[str, object], type], Any] = make_dict_structure_fn(
            cls, converter, _cattrs_forbid_extra_keys=True, **renames
        )
        # fixed fields (the `type` tag): checked here, never passed to __init__
        fixed = {camel_case(a.name): a.default for a in attrs.fields(cls) if not a.init}

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
            if is_response and a.name in ("extra", "nulls"):
                overrides[a.name] = override(omit=True)
            else:
                leave_out = a.default is m.UNSET or a.default is None
                overrides[a.name] = override(rename=camel_case(a.name), omit_if_default=leave_out)
        generated: Callable[[object], dict[str, object]] = make_dict_unstructure_fn(
            cls, converter, _cattrs_include_init_false=True, **overrides
        )
        if not is_response:
            return generated
        defaults = {camel_case(a.name): (a.name, a.default) for a in attrs.fields(cls)}

        def unstructure(instance: Any) -> dict[str, object]:
            data = generated(instance)
            if instance.extra:
                data = {**instance.extra, **data}
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


def _read_date_or_text(value: object) -> object:
    # the spec says "string" and gives the format in prose: a date that does not
    # parse is kept as sent rather than failing the page it came in
    text = _read_str(value)
    try:
        return _structure_datetime(text, datetime)
    except ValueError:
        return text


def _read_str(value: object) -> object:
    if type(value) is str:
        return value
    raise TypeError(f"expected str, got {type(value).__name__} {short_repr(value)}")


def _field_reader(converter: cattrs.Converter, tp: Any) -> Callable[[object], object]:
    """How one response field reads a non-null JSON value; built once per field."""
    members = _union_members(tp)
    inner = tp
    if members is not None and not _is_open_enum(tp) and _tagged_members(tp) is None:
        rest = [t for t in members if t not in (type(None), m.Unset)]
        if len(rest) == 1:
            inner = rest[0]  # nulls never get here: the reader sets them aside
    if inner is str:
        return _read_str
    if inner is datetime:
        return functools.partial(_structure_datetime, _=datetime)
    if set(_union_members(inner) or ()) - {type(None)} == {datetime, str}:
        return _read_date_or_text
    if _is_open_enum(inner):
        by_value = _open_enum_values(inner)

        def read_enum(value: object) -> object:
            if type(value) is str:
                return by_value.get(value, value)
            raise TypeError(f"expected str, got {type(value).__name__} {short_repr(value)}")

        return read_enum
    hook = converter.get_structure_hook(inner)
    return lambda value: hook(value, inner)


def _response_reader(
    converter: cattrs.Converter, cls: type, own: set[str]
) -> Callable[[object], object]:
    """Structure a response model in one pass over the JSON object.

    Unknown keys go to ``extra`` and nulls are named in ``nulls`` (read as absent), in
    the same pass and the same constructor call. A field that fails is reported the
    way cattrs reports it (a `ClassValidationError` with attribute notes), so
    `describe_invalid` gives the same paths.
    """
    fields = {
        camel_case(a.name): (a.name, _field_reader(converter, a.type), a.type)
        for a in attrs.fields(cls)
        if a.init and a.name not in own
    }

    def read(value: object) -> object:
        # decoded JSON is a dict: the ABC check is for other mappings only (it is slow)
        if type(value) is not dict and not isinstance(value, Mapping):
            raise TypeError(f"expected a JSON object, got {type(value).__name__}")
        kwargs: dict[str, object] = {}
        extra: dict[str, object] | None = None
        nulls: list[str] | None = None
        errors: list[Exception] | None = None
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
                name, reader, tp = spec
                if reader is _read_str and type(item) is str:
                    kwargs[name] = item  # most fields: no call needed
                    continue
                try:
                    kwargs[name] = reader(item)
                except Exception as exc:  # noqa: BLE001 - collected and raised below
                    note = f"Structuring class {cls.__qualname__} @ attribute {name}"
                    exc.__notes__ = [  # type: ignore[attr-defined]
                        *getattr(exc, "__notes__", []),
                        AttributeValidationNote(note, name, tp),
                    ]
                    if errors is None:
                        errors = []
                    errors.append(exc)
        if errors:
            raise ClassValidationError(f"While structuring {cls.__name__}", errors, cls)
        if extra:
            kwargs["extra"] = extra
        if nulls:
            kwargs["nulls"] = frozenset(nulls)
        return cls(**kwargs)

    return read


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
    ...     CONVERTER.structure({"conversationId": 5}, m.Target)
    ... except Exception as exc:
    ...     describe_invalid(exc)
    ['expected str, got int 5 @ $.conversationId']
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


def structure_request(value: object, cls: type[T], *, name: str) -> T:
    """Turn user input (a model or a JSON-shaped mapping) into request model ``cls``.

    Raises:
        InvalidArgumentError: naming each bad field with its JSON path.
    """
    if isinstance(value, cls):
        return value
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(
            f"{name} must be a {cls.__name__} or a mapping in the API's JSON shape,"
            f" got {type(value).__name__}"
        )
    try:
        return CONVERTER.structure(value, cls)
    except InvalidArgumentError:
        raise
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
        problems = "; ".join(describe_invalid(exc))
        raise InvalidArgumentError(f"invalid {cls.__name__}: {problems}") from exc
