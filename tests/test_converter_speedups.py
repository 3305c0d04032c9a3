"""Tests for the converter's fast paths: each gives what the reference gives.

The reference is `_build_converter(speedups=False)`: response models read by the
one-pass loop, dates by the grammar's regex. The fast converter compiles a reader per
model, reads the API's date shape with `datetime.fromisoformat` and skips ``__init__``
where that only fills slots. Both read the spec's examples and seeded random bodies
(random fields, nulls, unknown keys, odd dates, wrong types); results and errors must be
the same, down to types, key order, time zones and error notes.
"""

from __future__ import annotations

import json
import math
import random
import sys
import typing
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs
import cattrs
import pytest

import sunshine_async as sa
from sunshine_async import _converter as conv
from sunshine_async import _json
from sunshine_async import _models as m
from sunshine_async._generated import models as g
from sunshine_async._responses import parse_json_object

ROOT = Path(__file__).resolve().parents[1]
SPEC = json.loads((ROOT / "sunshine_async" / "testing" / "openapi-facts.json").read_text())

FAST = conv.make_converter()
REFERENCE = conv._build_converter(speedups=False)

RESPONSE_MODELS: list[type] = sorted(
    {
        cls
        for cls in [*g.MODELS.values(), *vars(m).values()]
        if isinstance(cls, type) and conv._is_response_model(cls)
    },
    key=lambda cls: (cls.__module__, cls.__qualname__),
)


# --- comparing outcomes ---------------------------------------------------------------


def snapshot(value: object) -> object:
    """Everything that tells two results apart: types, order, zones, extra and nulls."""
    cls: Any = type(value)
    if attrs.has(cls):
        fields = attrs.fields(cls)
        return (type(value), tuple((a.name, snapshot(getattr(value, a.name))) for a in fields))
    if isinstance(value, dict):
        return (dict, tuple((k, snapshot(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value), tuple(snapshot(v) for v in value))
    if isinstance(value, frozenset):
        return (frozenset, tuple(sorted(value)))
    if isinstance(value, datetime):
        return (datetime, repr(value), value.tzinfo)
    return (type(value), repr(value))


def error_shape(exc: BaseException) -> object:
    subs = getattr(exc, "exceptions", ())
    return (
        type(exc),
        str(exc),
        tuple(str(note) for note in getattr(exc, "__notes__", ())),
        tuple(error_shape(sub) for sub in subs),
        exc.__cause__ is None and exc.__context__ is None,
    )


def outcome(converter: cattrs.Converter, data: object, cls: Any) -> tuple[object, ...]:
    try:
        return ("ok", snapshot(converter.structure(data, cls)))
    except Exception as exc:  # noqa: BLE001 - any error: both must raise the same
        return ("error", error_shape(exc), conv.describe_invalid(exc))


def rereads() -> int:
    return sum(conv._REREAD.values())


def odd_api_dates(value: object) -> bool:
    """Whether a date in the API's shape that is no date hides in ``value``: the one
    valid input that makes a compiled reader hand over to the reference."""
    if isinstance(value, str):
        return conv._is_api_shape(value) and conv._parse_iso_slowly(value) is None
    if isinstance(value, dict):
        return any(odd_api_dates(v) for v in value.values())
    if isinstance(value, list):
        return any(odd_api_dates(v) for v in value)
    return False


def has_problems(data: object, cls: Any) -> bool:
    """Whether reading ``data`` recorded a value not of its type anywhere inside."""
    try:
        return bool(conv.problems_in(REFERENCE.structure(data, cls)))
    except Exception:  # noqa: BLE001 - an error is no recorded problem
        return False


def check_same(data: object, cls: Any) -> bool:
    """Both converters agree on ``data``; True when it read without error or problem.

    A dict that reads cleanly and has no odd API-shaped date must not have needed the
    reference: the fast path really ran. (A value of the wrong type is read by the
    reference, which records it; both must still give the same result.)
    """
    before = rereads()
    fast = outcome(FAST, data, cls)
    used_reference = rereads() != before
    slow = outcome(REFERENCE, data, cls)
    assert fast == slow, (cls, data)
    ok: bool = fast[0] == "ok" and not has_problems(data, cls)
    if ok and isinstance(data, dict) and not odd_api_dates(data):
        assert not used_reference, (cls, data)
    return ok


# --- the spec's examples ----------------------------------------------------------------


def _resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return typing.cast(Mapping[str, Any], SPEC["components"]["schemas"][ref.rsplit("/", 1)[1]])
    return schema


def _example_of(schema: Mapping[str, Any], depth: int) -> object:
    """A body made of the spec's own property examples, nested objects included; a value
    of the property's type where the spec gives no example (a response has them all)."""
    schema = _resolve(schema)
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    if "allOf" in schema and depth < 4:
        parts = [_example_of(part, depth + 1) for part in schema["allOf"]]
        objects = [part for part in parts if isinstance(part, dict)]
        if len(objects) == len(parts):
            return {k: v for part in objects for k, v in part.items()}
        return parts[0]
    for key in ("oneOf", "anyOf"):
        if key in schema and depth < 4:
            return _example_of(schema[key][0], depth + 1)
    if schema.get("type") == "array" and "items" in schema and depth < 4:
        return [_example_of(schema["items"], depth + 1)]
    props = schema.get("properties")
    if isinstance(props, dict) and depth < 4:
        return {name: _example_of(prop, depth + 1) for name, prop in props.items()}
    if schema.get("enum"):
        return schema["enum"][0]
    return {"string": "text", "boolean": True, "integer": 1, "number": 1.5}.get(
        schema.get("type", ""), {} if schema.get("type") == "object" else None
    )


def _dicts_in(value: object) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _dicts_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _dicts_in(item)


SCHEMA_BODIES = {
    name: _example_of(schema, 0)
    for name, schema in SPEC["components"]["schemas"].items()
    if name in g.MODELS and conv._is_response_model(g.MODELS[name])
}
SPEC_OBJECTS = [
    found for example in SPEC["components"]["examples"].values() for found in _dicts_in(example)
]


class TestSpecExamples:
    @pytest.mark.parametrize("name", SCHEMA_BODIES)
    def test_schema_examples_read_the_same(self, name: str) -> None:
        """A body built from each schema's property examples reads the same both ways."""
        check_same(SCHEMA_BODIES[name], g.MODELS[name])

    def test_most_schema_examples_read(self) -> None:
        """The bodies built from the spec are mostly valid (the comparison is not all errors)."""
        read = [check_same(body, g.MODELS[name]) for name, body in SCHEMA_BODIES.items()]
        assert len(read) > 150
        # a few examples leave out fields the API always sends (an id, a reference's
        # uri), or type them otherwise (messenger's pageId): those read with problems
        assert sum(read) > 0.8 * len(read)

    def test_every_example_object_reads_the_same_into_every_model_it_touches(self) -> None:
        """Each object in the spec's examples, read into each model sharing a key with it."""
        keys_of = {cls: {conv.json_name(a) for a in attrs.fields(cls)} for cls in RESPONSE_MODELS}
        compared = read = 0
        for body in SPEC_OBJECTS:
            for cls, keys in keys_of.items():
                if keys & body.keys():
                    compared += 1
                    read += check_same(body, cls)
        assert compared > 1000
        assert read > compared // 2


# --- random bodies ----------------------------------------------------------------------

DATES = [
    "2019-01-14T16:55:59.364Z",
    "2019-01-14T16:55:59.364Z",
    "2019-01-14T16:55:59Z",
    "2019-01-14T16:55:59.364123Z",
    "2019-01-14T16:55:59.1234567Z",
    "2019-01-14T16:55:59.364+02:00",
    "2019-01-14T16:55:59-05:30",
    "2019-01-14T16:55:59.364-00:00",
    "2019-01-14 16:55",
    "2019-01-14",
    "2019-01-14T16:55:59.364z",
    "2019-01-14T16:55:59,5Z",
    "2019-13-14T16:55:59.364Z",  # the API's shape, no date
    "2019-02-30T00:00:00.000Z",
    "2019-01-14T24:00:00.000Z",
    "2019-01-14T16:55:59.36aZ",
    "yesterday",
    "",
    "20190114T165559Z",
    "2019-W03-1",
    "2019-01-14T16:55:59.364Z ",
    "\u0662\u0660\u0661\u0669-01-14T16:55:59.364Z",
]
JSON_VALUES: list[object] = [
    None,
    0,
    5,
    -1,
    1.5,
    True,
    False,
    "",
    "text",
    [],
    ["x", 1],
    {},
    {"a": 1},
]


def random_json(rng: random.Random, depth: int = 0) -> object:
    roll = rng.random()
    if depth < 2 and roll < 0.1:
        return {f"k{i}": random_json(rng, depth + 1) for i in range(rng.randint(0, 3))}
    if depth < 2 and roll < 0.2:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return rng.choice([*JSON_VALUES, rng.choice(DATES)])


def _strip_none(tp: Any) -> Any:
    members = conv._union_members(tp)
    if members is None:
        return tp
    rest = tuple(t for t in members if t is not type(None))
    return rest[0] if len(rest) == 1 else typing.Union[rest]  # noqa: UP007


def value_of(tp: Any, rng: random.Random, depth: int) -> object:
    """A plausible JSON value for a field typed ``tp`` (plausible: not always valid)."""
    tp = _strip_none(tp)
    if tp is str:
        return rng.choice(["", "abc", "é\u2028", "x" * 40])
    if tp is bool:
        return rng.random() < 0.5
    if tp is int:
        return rng.randint(-5, 10**6)
    if tp is float:
        return rng.choice([1.5, 2, -0.0, 1e300])
    if tp is datetime or conv._is_date_or_text(tp):
        return rng.choice(DATES)
    if conv._is_open_enum(tp):
        return rng.choice([*conv._open_enum_values(tp), "brand-new-value"])
    if conv._is_str_literal(tp):
        return rng.choice([*typing.get_args(tp), "brand-new-value"])
    if conv._is_open_literal(tp):
        known = [v for t in typing.get_args(tp) for v in typing.get_args(t)]
        return rng.choice([*known, "brand-new-value"])
    tags = conv._open_union(tp)
    if tags is not None:
        tag = rng.choice([*tags, "hologram"])
        inner = tags.get(tag)
        found = body_of(inner, rng, depth + 1) if inner is not None else {"x": 1}
        return {**found, "type": tag}
    origin = typing.get_origin(tp)
    if origin is Mapping or tp is dict:
        return {"k": 1, "nested": {"a": [1, None]}} if rng.random() < 0.7 else {}
    if origin in (Sequence, list):
        (item,) = typing.get_args(tp)
        return [value_of(item, rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if attrs.has(tp):
        return body_of(tp, rng, depth + 1)
    return random_json(rng)


def body_of(
    cls: type, rng: random.Random, depth: int = 0, *, wrong: float = 0.07
) -> dict[str, object]:
    """A random body for ``cls``: some fields absent, some null, a share ``wrong`` of any
    JSON value (often of the wrong type), unknown keys here and there, in random order."""
    items: list[tuple[object, object]] = []
    for a in attrs.fields(cls):
        if not a.init or a.name in conv._OWN:
            continue
        key = conv.json_name(a)
        roll = rng.random()
        if conv._is_required(a):  # the API always sends them (their gaps: tested apart)
            items.append((key, value_of(a.type, rng, depth)))
            continue
        if roll < 0.2 or (depth > 3 and roll < 0.8):
            continue
        if roll < 0.35:
            items.append((key, None))
        elif roll < 0.35 + wrong:
            items.append((key, random_json(rng)))
        else:
            items.append((key, value_of(a.type, rng, depth)))
    if rng.random() < 0.3:
        for i in range(rng.randint(1, 3)):
            unknown = rng.choice([f"future{i}", "integration_id", "Id", "primary"])
            items.append((unknown, random_json(rng)))
    rng.shuffle(items)
    return dict(items)  # type: ignore[arg-type]


class TestRandomBodies:
    @pytest.mark.parametrize("cls", [m.Client, g.Client], ids=["Client", "generated.Client"])
    def test_clients(self, cls: type) -> None:
        """Thousands of random clients read the same both ways; most of them read."""
        rng = random.Random(10)
        results = [check_same(body_of(cls, rng), cls) for _ in range(3000)]
        assert 0.2 * len(results) < sum(results) < len(results)

    def test_pages_of_clients(self) -> None:
        """Pages of 100 random clients, sometimes with a bad one, read the same both ways."""
        rng = random.Random(11)
        read = 0
        for _ in range(40):
            clients: list[object] = [body_of(m.Client, rng, wrong=0) for _ in range(100)]
            if rng.random() < 0.5:
                clients[rng.randrange(100)] = rng.choice([5, "x", None, []])
            page = {"clients": clients, "meta": body_of(g.Meta, rng), "links": {"next": None}}
            read += check_same(page, g.ClientListResponse)
        assert 0 < read < 40

    @pytest.mark.parametrize("cls", RESPONSE_MODELS, ids=lambda cls: cls.__qualname__)
    def test_every_response_model(self, cls: type) -> None:
        """Random bodies of every response model (nested ones too) read the same both ways."""
        rng = random.Random(cls.__qualname__)
        results = [check_same(body_of(cls, rng), cls) for _ in range(25)]
        assert any(results)

    def test_not_objects(self) -> None:
        """What is not a JSON object fails the same way, as a page's item or alone."""
        for value in [None, 5, "text", [], ["a"], 1.5, True]:
            assert not check_same(value, m.Client)
            assert not check_same({"clients": [value]}, g.ClientListResponse)

    def test_other_mappings(self) -> None:
        """A mapping that is not a dict goes to the reference reader, with the same result."""
        body = MappingProxyType({"id": "c1", "lastSeen": DATES[0], "odd": 1, "info": None})
        before = rereads()
        assert check_same(body, m.Client)
        assert rereads() == before + 1

    def test_keys_that_are_not_str(self) -> None:
        """A non-str key is an unknown field both ways."""
        body: dict[object, object] = {"id": "c1", 1: "one", ("a",): None}
        assert check_same(body, m.Client)
        assert FAST.structure(body, m.Client).extra == {1: "one", ("a",): None}


class TestWhatTheFastPathGives:
    def test_a_typical_client(self) -> None:
        """Every field, the nulls, the unknown key and the dates, read without the reference."""
        body = {
            "id": "c1",
            "type": "twilio",
            "status": "whatever",
            "externalId": None,
            "lastSeen": "2019-01-14T16:55:59.364Z",
            "linkedAt": "2019-01-14T16:55:59+01:00",
            "info": {"a": 1},
            "raw": None,
            "primary": True,
        }
        before = rereads()
        client = FAST.structure(body, m.Client)
        assert rereads() == before
        assert client.type is m.ClientType.TWILIO
        assert client.status == "whatever"
        assert type(client.status) is str
        assert client.last_seen == datetime(2019, 1, 14, 16, 55, 59, 364000, tzinfo=timezone.utc)
        assert client.last_seen.tzinfo is timezone.utc  # type: ignore[union-attr]
        assert client.linked_at == datetime(2019, 1, 14, 15, 55, 59, tzinfo=timezone.utc)
        assert client.nulls == frozenset({"externalId", "raw"})
        assert client.extra == {"primary": True}
        assert client.info == {"a": 1}
        assert client.info is not body["info"]  # a copy, as the reference makes
        # back to the same JSON, but for the date, now in UTC
        assert FAST.unstructure(client) == {**body, "linkedAt": "2019-01-14T15:55:59.000Z"}

    def test_the_hook_is_compiled_once(self) -> None:
        """Response models get a compiled reader, built on first use and then reused."""
        converter = conv.make_converter()
        hook = converter.get_structure_hook(m.Client)
        assert getattr(hook, "__name__", "") == "structure_Client"
        assert converter.get_structure_hook(m.Client) is hook
        reference_hook = conv._build_converter(speedups=False).get_structure_hook(m.Client)
        assert getattr(reference_hook, "__name__", "") != "structure_Client"

    def test_errors_are_not_chained_to_the_fast_path(self) -> None:
        """The reference's error is raised as it would be alone, with no context."""
        with pytest.raises(TypeError) as caught:
            FAST.structure(["not", "an", "object"], m.Client)
        assert caught.value.__context__ is None
        assert str(caught.value) == "expected a JSON object, got list"

    def test_a_value_of_the_wrong_type_is_recorded_where_it_is(self) -> None:
        """The fast path hands the object to the reference, which keeps it typed."""
        page = FAST.structure({"clients": [{"id": 5, "type": "sms"}]}, g.ClientListResponse)
        (client,) = page.clients
        assert client.id == ""  # the API always sends one: the gap reads as ""
        assert client.type == "sms"
        assert client.extra == {"id": 5}
        assert client.problems == ("expected str, got int 5 @ $.id",)
        assert conv.problems_in(page) == ["expected str, got int 5 @ $.clients[0].id"]


@attrs.frozen(kw_only=True)
class _Checked:
    """A response model whose field has a validator: ``__init__`` must run."""

    name: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.max_len(3))
    )
    extra: Mapping[str, object] = attrs.field(factory=dict, eq=False)
    nulls: frozenset[str] = attrs.field(default=frozenset(), eq=False)


@attrs.frozen(kw_only=True)
class _Counted:
    """A response model with ``__attrs_post_init__``: ``__init__`` must run."""

    count: int | None = None
    extra: Mapping[str, object] = attrs.field(factory=dict, eq=False)
    nulls: frozenset[str] = attrs.field(default=frozenset(), eq=False)
    seen: list[str] = attrs.field(factory=list, eq=False)

    def __attrs_post_init__(self) -> None:
        self.seen.append("init")


@attrs.define(kw_only=True, slots=False)
class _Plain:
    """A mutable response model without slots (a ``__dict__``)."""

    name: str | None = None
    extra: Mapping[str, object] = attrs.field(factory=dict, eq=False)
    nulls: frozenset[str] = attrs.field(default=frozenset(), eq=False)


for _model in (_Checked, _Counted, _Plain):
    attrs.resolve_types(_model)


class TestConstruction:
    def test_plain_frozen_models_fill_their_slots(self) -> None:
        """The SDK's response models are filled slot by slot, without ``__init__``."""
        assert conv._slot_setters(m.Client) is not None
        assert conv._slot_setters(g.User) is not None

    @pytest.mark.parametrize("cls", [_Checked, _Counted, _Plain])
    def test_other_models_keep_init(self, cls: type) -> None:
        """Validators, post-init hooks and dict classes are left to ``__init__``."""
        assert conv._slot_setters(cls) is None

    def test_validators_still_run(self) -> None:
        """A compiled reader that calls ``__init__`` reports what the validator finds."""
        assert check_same({"name": "abc", "x": 1}, _Checked)
        assert not check_same({"name": "abcd"}, _Checked)
        with pytest.raises(ValueError, match="Length of 'name' must be <= 3"):
            FAST.structure({"name": "abcd"}, _Checked)

    def test_post_init_runs(self) -> None:
        """``__attrs_post_init__`` runs once for each object read."""
        assert check_same({"count": 2, "other": None}, _Counted)
        counted = FAST.structure({"count": 2}, _Counted)
        assert counted.seen == ["init"]
        assert check_same({"name": None}, _Plain)
        assert FAST.structure({"name": "n"}, _Plain).name == "n"


# --- dates ----------------------------------------------------------------------------

UTC = timezone.utc


class TestDates:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2019-01-14T16:55:59.364Z", datetime(2019, 1, 14, 16, 55, 59, 364000, UTC)),
            ("2019-01-14T16:55:59.364z", datetime(2019, 1, 14, 16, 55, 59, 364000, UTC)),
            ("2020-05-21T16:26:37.1234567Z", datetime(2020, 5, 21, 16, 26, 37, 123456, UTC)),
            ("2020-05-21T16:26:37,5Z", datetime(2020, 5, 21, 16, 26, 37, 500000, UTC)),
            ("2026-01-02", datetime(2026, 1, 2, tzinfo=UTC)),
            ("2026-01-02 03:04", datetime(2026, 1, 2, 3, 4, tzinfo=UTC)),
            ("2026-01-02T03", datetime(2026, 1, 2, 3, tzinfo=UTC)),
            (
                "2026-01-02T03:04:05+05:30",
                datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=5, minutes=30))),
            ),
            (
                "2026-01-02T03:04:05-0230",
                datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(-timedelta(hours=2, minutes=30))),
            ),
            ("2026-01-02T03:04:05-00:00", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
            # what some Python versions read and others do not: no version reads them
            ("20260102T030405Z", None),
            ("2026-W01-1", None),
            ("2026-01-02T03:04:05+01:75", None),
            ("2026-01-02T03:04:05+24:00", None),
            ("2026-01-02T24:00:00Z", None),
            ("2026-13-02T03:04:05.000Z", None),
            ("\u0662\u0660\u0662\u0666-01-02T03:04:05.000Z", None),
            ("yesterday", None),
            ("", None),
        ],
    )
    def test_what_reads_as_a_date(self, text: str, expected: datetime | None) -> None:
        """The grammar, both ways, with its time zones (an offset of 0 is `timezone.utc`)."""
        for parse in (conv._parse_iso, conv._parse_iso_slowly):
            parsed = parse(text)
            assert repr(parsed) == repr(expected)
            if parsed is not None:
                assert parsed.tzinfo == expected.tzinfo  # type: ignore[union-attr]

    def test_the_api_shape_reads_as_the_reference_reads_it(self) -> None:
        """Random edits of the API's date shape: the fast parse equals the reference."""
        rng = random.Random(12)
        alphabet = "0123456789-T:.Z+z ,tW\u0663x"
        fast_hits = 0
        for _ in range(20000):
            chars = list(rng.choice(DATES[:12]))
            for _ in range(rng.randint(0, 2)):
                chars[rng.randrange(len(chars))] = rng.choice(alphabet)
            text = "".join(chars)
            fast = conv._parse_iso(text)
            assert repr(fast) == repr(conv._parse_iso_slowly(text)), text
            fast_hits += conv._is_api_shape(text) and fast is not None
        assert fast_hits > 1000

    def test_before_311_reads_the_same(self) -> None:
        """Python 3.10's way to read "Z" (an offset) gives the same datetime as 3.11's."""
        for text in ["2019-01-14T16:55:59.364Z", "2000-02-29T23:59:59.999Z"]:
            expected = conv._parse_iso_slowly(text)
            assert repr(conv._from_iso_z_before_311(text)) == repr(expected)
            assert repr(conv._from_iso_z(text)) == repr(expected)
        assert (conv._from_iso_z == datetime.fromisoformat) == (sys.version_info >= (3, 11))

    @pytest.mark.parametrize("value", ["2019-01-14T16:55:59.364Z", "2019-01-14", "soon", 5, None])
    def test_a_datetime_field(self, value: object) -> None:
        """A field typed `datetime` alone: a date, or the same TypeError/ValueError both ways."""
        results = []
        for converter in (FAST, REFERENCE):
            try:
                results.append(repr(converter.structure(value, datetime)))
            except (TypeError, ValueError) as exc:
                results.append(f"{type(exc).__name__}: {exc}")
        assert results[0] == results[1]
        assert results[0].startswith("datetime.") == (
            value in ("2019-01-14T16:55:59.364Z", "2019-01-14")
        )


# --- JSON -----------------------------------------------------------------------------

LONG_NUMBERS = [
    b'{"a":12345678901234567890123}',
    b'{"a": -9999999999999999999}',
    b'{"a":[1,\n99999999999999999999]}',
    b"[\t123456789012345678901234567890.5]",
    b"12345678901234567890123",
]
PLAIN_BODIES = [
    b'{"id":"000000000000000000000000","n":123456789012345678}',
    b'{"phone":"+15145550000","x":[1.5,-2,null,true]}',
    b'{"id":"a1234567890123456789012345"}',
]


class _Recorder:
    def __init__(self, fails: bool = False) -> None:
        self.calls = 0
        self.fails = fails

    def __call__(self, body: bytes) -> object:
        self.calls += 1
        if self.fails:
            raise ValueError("refused")
        return json.loads(body)


class TestJson:
    def test_without_a_fast_decoder_it_is_json(self) -> None:
        """No orjson: the standard library's own function."""
        assert _json.make_loads(None) is json.loads

    @pytest.mark.parametrize("body", PLAIN_BODIES)
    def test_plain_bodies_go_to_the_fast_decoder(self, body: bytes) -> None:
        """Ordinary bodies, digits inside strings included, are decoded by the fast decoder."""
        fast = _Recorder()
        assert _json.make_loads(fast)(body) == json.loads(body)
        assert fast.calls == 1

    @pytest.mark.parametrize("body", LONG_NUMBERS)
    def test_long_numbers_never_reach_it(self, body: bytes) -> None:
        """A number of 19 digits or more is decoded by json, which keeps it exact."""
        fast = _Recorder()
        assert repr(_json.make_loads(fast)(body)) == repr(json.loads(body))
        assert fast.calls == 0

    def test_what_it_refuses_json_decodes(self) -> None:
        """A body the fast decoder refuses gets json's answer, or json's error."""
        loads = _json.make_loads(_Recorder(fails=True))
        assert math.isnan(typing.cast(Any, loads(b'{"a": NaN}'))["a"])
        with pytest.raises(json.JSONDecodeError):
            loads(b'{"a": }')
        with pytest.raises(UnicodeDecodeError):
            loads(b'{"a": "\xff"}')

    def test_parse_json_object_keeps_long_integers(self) -> None:
        """The SDK's body parser gives json's result, whichever decoder is installed."""
        assert parse_json_object(b'{"a": 12345678901234567890123}') == {
            "a": 12345678901234567890123
        }
        assert parse_json_object(b'{"a": "\\ud800"}') == {"a": "\ud800"}
        assert parse_json_object(b"\xef\xbb\xbf{}") == {}
        assert parse_json_object(b"[1]") is None

    def test_orjson_gives_what_json_gives(self) -> None:
        """With orjson: random documents and numbers decode exactly as json decodes them."""
        orjson = pytest.importorskip("orjson")
        loads = _json.make_loads(orjson.loads)
        rng = random.Random(13)
        cases = [*LONG_NUMBERS, *PLAIN_BODIES, b"NaN", b"1e400", b'"\\ud800"', b"\xef\xbb\xbf{}"]
        for _ in range(3000):
            digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 30)))
            sign = rng.choice(["", "-"])
            cases.append(f'{{"n": {sign}{digits}}}'.encode())
            cases.append(f"[{sign}{digits}.{digits}e{rng.randint(-400, 400)}]".encode())
            cases.append(json.dumps(random_json(rng), ensure_ascii=rng.random() < 0.5).encode())
        for body in cases:
            got: object
            try:
                got = repr(loads(body))
            except ValueError as exc:
                got = type(exc)
            try:
                want: object = repr(json.loads(body))
            except ValueError as exc:
                want = type(exc)
            assert got == want, body


# --- the micro-benchmark ----------------------------------------------------------------


def test_the_micro_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """``benchmarks/convert.py --quick`` times every case and prints the goal line."""
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.convert import main
    finally:
        sys.path.remove(str(ROOT))
    assert main(["--quick", "--repeats", "1", "--reference"]) == 0
    printed = capsys.readouterr().out
    assert "ClientListResponse of 100, per client" in printed
    assert "fast paths off" in printed
    last = printed.strip().splitlines()[-1]
    assert last.startswith("structure a Client: ")
    assert last.endswith(("(goal <= 5 µs): met", "(goal <= 5 µs): not met"))
    assert sa.Client is m.Client
