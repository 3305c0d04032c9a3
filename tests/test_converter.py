"""Tests for `sunshine_async._converter` and the models' JSON shape."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import typing
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest

import sunshine_async as sa
from sunshine_async import CONVERTER, ErrorDetail, _converter, types
from sunshine_async._converter import camel_case, json_name, problems_in
from sunshine_async._generated.operations import OPERATIONS
from sunshine_async._invoke import check_body

from .conftest import EXAMPLE_BODY

# A copy of the shared reference's schema summary, so the conformance tests run in any
# checkout; `test_schema_copy_is_current` fails when the reference beside the repo moves on.
SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "clients-schema.json"
SHARED_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "reference" / "clients-schema.json"


class TestCamelCase:
    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("id", "id"),
            ("integration_id", "integrationId"),
            ("has_more", "hasMore"),
            ("extra_channel_options", "extraChannelOptions"),
            ("type_", "type"),
        ],
    )
    def test_names(self, name: str, expected: str) -> None:
        """snake_case becomes camelCase and a trailing underscore goes."""
        assert camel_case(name) == expected


def _create_body(body: object) -> Mapping[str, object]:
    """What `clients.create(body)` sends, checked by the spec's rules."""
    return check_body(OPERATIONS["CreateClient"], body, {})


class TestRequestBodies:
    def test_reference_example_round_trips(self) -> None:
        """The reference's example body reads as the models and gives the same JSON back."""
        model = sa.ClientCreate.from_dict(EXAMPLE_BODY)
        assert model.match_criteria == sa.MatchCriteriaWhatsapp(
            integration_id="582dedf230e788746891281a", phone_number="+15145555555", primary=True
        )
        assert model.to_dict() == EXAMPLE_BODY
        assert _create_body(model) == EXAMPLE_BODY

    def test_unset_fields_are_omitted(self) -> None:
        """Optional fields not given are left out of the body, not sent as null."""
        body = sa.ClientCreate(
            match_criteria=sa.MatchCriteriaMailgun(integration_id="i", address="a@b.c"),
            confirmation=sa.Confirmation(type="prompt"),
            target=sa.Target(conversation_id="c"),
        ).to_dict()
        assert body == {
            "matchCriteria": {"type": "mailgun", "integrationId": "i", "address": "a@b.c"},
            "confirmation": {"type": "prompt"},
            "target": {"conversationId": "c"},
        }

    def test_a_null_is_sent_only_when_named(self) -> None:
        """None on a model is a field not given; ``nulls`` names the ones to send as null."""
        message = sa.MessagePost(
            author=sa.Author(type="business", display_name="Acme"),
            content=sa.TextMessage(
                text="Reply YES",
                actions=[sa.Link(uri="https://acme.example/yes", text="Yes")],
            ),
            metadata=None,
        )
        body = message.to_dict()
        assert body == {
            "author": {"type": "business", "displayName": "Acme"},
            "content": {
                "type": "text",
                "text": "Reply YES",
                "actions": [{"type": "link", "uri": "https://acme.example/yes", "text": "Yes"}],
            },
        }
        cleared = attrs.evolve(message, nulls=frozenset({"metadata"}))
        assert cleared.to_dict()["metadata"] is None

    def test_image_content(self) -> None:
        """Image content is chosen by its type and keeps its fields."""
        raw = {
            "author": {"type": "user", "userExternalId": "ext"},
            "content": {"type": "image", "mediaUrl": "https://x/y.png", "altText": "y"},
        }
        model = sa.MessagePost.from_dict(raw)
        assert model.content == sa.ImageMessage(media_url="https://x/y.png", alt_text="y")
        assert model.to_dict() == raw

    def test_enum_values_on_the_wire(self) -> None:
        """Enums go on the wire as their values, never as 'ClientType.X'."""
        assert sa.Confirmation(type="userActivity").to_json() == '{"type":"userActivity"}'
        client = sa.Client(id="c", type=sa.ClientType.WHATSAPP)
        assert json.dumps(client.to_dict()) == '{"id": "c", "type": "whatsapp"}'

    @pytest.mark.parametrize(
        ("patch", "message"),
        [
            ({"matchCriteria": {"type": "sms", "integrationId": "i"}}, "unknown type 'sms'"),
            (
                {"matchCriteria": {"type": "twilio", "integrationId": "i", "phoneNumber": "555"}},
                "body.matchCriteria.phoneNumber",
            ),
            (
                {"matchCriteria": {"type": "mailgun", "integrationId": "i"}},
                "body.matchCriteria: needs the field 'address'",
            ),
            (
                {"matchCriteria": {**EXAMPLE_BODY["matchCriteria"], "primary": "false"}},
                "body.matchCriteria.primary: must be a boolean",
            ),
            ({"target": {"conversationId": 5}}, "body.target.conversationId: must be a string"),
            ({"confirmation": {}}, "body.confirmation: needs the field 'type'"),
            ({"unexpected": 1}, "body.unexpected: unknown field"),
            (
                {"matchCriteria": {**EXAMPLE_BODY["matchCriteria"], "phonenumber": "+1 2"}},
                "did you mean 'phoneNumber'",
            ),
        ],
    )
    def test_invalid_mapping(self, patch: dict[str, Any], message: str) -> None:
        """Invalid JSON-shaped input names the problem by its path; it is a ValueError."""
        with pytest.raises(sa.InvalidArgumentError, match=re.escape(message)) as info:
            _create_body({**EXAMPLE_BODY, **patch})
        assert isinstance(info.value, ValueError)

    def test_not_a_mapping(self) -> None:
        """A list or str is not a body."""
        with pytest.raises(sa.InvalidArgumentError, match="a model or a mapping"):
            _create_body([1])


class TestResponses:
    def test_unknown_enum_values_stay_strings(self) -> None:
        """A type or status the SDK does not know is a plain str, never an error."""
        client = CONVERTER.structure(
            {"id": "c", "type": "carrierpigeon", "status": "sleeping"}, sa.Client
        )
        assert client.type == "carrierpigeon"
        assert type(client.type) is str
        assert client.status == "sleeping"

    def test_known_enum_values(self) -> None:
        """Known values become members that still equal their strings."""
        client = CONVERTER.structure({"type": "whatsapp", "status": "active"}, sa.Client)
        assert client.type is sa.ClientType.WHATSAPP
        assert client.type == "whatsapp"  # type: ignore[comparison-overlap]
        assert client.status is sa.ClientStatus.ACTIVE
        assert f"{client.type}" == "whatsapp"
        assert str(client.status) == "active"

    def test_unknown_fields_kept_in_extra(self) -> None:
        """Unknown fields never fail and stay reachable in extra (and round-trip)."""
        raw = {"id": "c", "newThing": {"x": 1}, "type": "sdk"}
        client = CONVERTER.structure(raw, sa.Client)
        assert client.extra == {"newThing": {"x": 1}}
        assert CONVERTER.unstructure(client) == raw
        page = CONVERTER.structure(
            {"clients": [], "meta": {"hasMore": False, "total": 3}, "cursorVersion": 2},
            sa.ClientListResponse,
        )
        assert page.meta.extra == {"total": 3}
        assert page.extra == {"cursorVersion": 2}

    def test_every_field(self) -> None:
        """Every Client field is read, datetimes become aware."""
        raw = {
            "id": "5ebee0975ac5304b664a12fa",
            "type": "whatsapp",
            "status": "active",
            "integrationId": "582dedf230e788746891281a",
            "externalId": "15145555555",
            "lastSeen": "2026-11-20T10:11:12.345Z",
            "linkedAt": "2026-11-19T00:00:00.000Z",
            "displayName": "Steve",
            "avatarUrl": "https://example.com/a.png",
            "info": {"phone": "+15145555555"},
            "raw": {"profile": {"name": "Steve"}},
        }
        client = CONVERTER.structure(raw, sa.Client)
        assert client.last_seen == datetime(2026, 11, 20, 10, 11, 12, 345000, tzinfo=timezone.utc)
        assert isinstance(client.linked_at, datetime)
        assert client.linked_at.tzinfo is not None
        assert client.info == {"phone": "+15145555555"}
        assert client.raw == {"profile": {"name": "Steve"}}
        assert client.extra == {}
        assert CONVERTER.unstructure(client) == raw

    def test_nulls_and_absent(self) -> None:
        """Every field is optional; null reads as None."""
        empty = CONVERTER.structure({}, sa.Client)
        assert empty == sa.Client()
        nulls = CONVERTER.structure(
            {
                "id": "c",
                "integrationId": None,
                "externalId": None,
                "lastSeen": None,
                "linkedAt": None,
                "displayName": None,
                "avatarUrl": None,
                "info": None,
                "raw": None,
                "type": None,
                "status": None,
            },
            sa.Client,
        )
        assert nulls == sa.Client(id="c")
        page = CONVERTER.structure({}, sa.ClientListResponse)
        assert page.clients == ()
        assert page.meta.has_more is None

    def test_null_and_absent_round_trip(self) -> None:
        """null and absent both read as None, but each converts back to what was sent."""
        raw = {"id": "c", "displayName": None, "info": None, "someNewField": None}
        client = CONVERTER.structure(raw, sa.Client)
        assert client.display_name is None
        assert client.nulls == {"displayName", "info"}
        assert CONVERTER.unstructure(client) == raw
        assert CONVERTER.unstructure(CONVERTER.structure({"id": "c"}, sa.Client)) == {"id": "c"}

    def test_null_list_parts_read_as_absent(self) -> None:
        """clients, meta or links sent as null do not break a page."""
        raw = {"clients": None, "meta": None, "links": None}
        page = CONVERTER.structure(raw, sa.ClientListResponse)
        assert page.clients == ()
        assert page.meta == sa.Meta()
        assert CONVERTER.unstructure(page)["clients"] is None

    @pytest.mark.parametrize(
        ("text", "micros"),
        [
            ("2020-05-21T16:26:37.12Z", 120000),
            ("2020-05-21T16:26:37.1234567Z", 123456),
            ("2020-05-21T16:26:37Z", 0),
            ("2020-05-21T16:26:37.5+02:00", 500000),
        ],
    )
    def test_fraction_digits(self, text: str, micros: int) -> None:
        """Any number of fraction digits is read, on every supported Python."""
        client = CONVERTER.structure({"lastSeen": text}, sa.Client)
        assert isinstance(client.last_seen, datetime)
        assert client.last_seen.microsecond == micros
        assert client.last_seen.tzinfo is not None

    @pytest.mark.parametrize("odd", ["yesterday", "2020-13-45T99:99:99Z", ""])
    def test_odd_date_kept_as_text(self, odd: str) -> None:
        """A date that is not ISO-8601 stays the string it was; the page still reads."""
        page = CONVERTER.structure(
            {"clients": [{"id": "a", "lastSeen": odd}, {"id": "b", "linkedAt": "2026-01-02"}]},
            sa.ClientListResponse,
        )
        assert page.clients[0].last_seen == odd
        assert isinstance(page.clients[1].linked_at, datetime)
        assert CONVERTER.unstructure(page.clients[0])["lastSeen"] == odd

    def test_date_of_wrong_type_is_kept_and_recorded(self) -> None:
        client = CONVERTER.structure({"id": "c1", "lastSeen": 5}, sa.Client)
        assert client.id == "c1"
        assert client.last_seen is None
        assert client.extra == {"lastSeen": 5}
        assert client.problems == ("expected str, got int 5 @ $.lastSeen",)

    def test_naive_datetime_is_utc(self) -> None:
        """A timestamp without offset is read as UTC."""
        client = CONVERTER.structure({"lastSeen": "2026-01-02T03:04:05"}, sa.Client)
        assert client.last_seen == datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)

    @pytest.mark.parametrize(
        ("raw", "problem"),
        [
            ({"id": 5}, "expected str, got int 5 @ $.id"),
            ({"meta": {"hasMore": "false"}}, "expected bool, got str 'false' @ $.meta.hasMore"),
            ({"clients": {"id": "x"}}, "expected a JSON array, got dict @ $.clients"),
            ({"clients": [1]}, "expected a JSON object, got int @ $.clients[0]"),
        ],
    )
    def test_strict_primitives(self, raw: dict[str, Any], problem: str) -> None:
        """Wrong JSON types are never coerced ("false" is not True): the value is kept
        in ``extra`` as it came, the field is left unset, and the problem is recorded
        where it is, without failing the object around it."""
        cls = sa.Client if "id" in raw else sa.ClientListResponse
        # a page always has its three parts: the odd one is the one of the case
        whole = raw if cls is sa.Client else {"clients": [], "meta": {}, "links": {}, **raw}
        read: Any = CONVERTER.structure(whole, cls)
        assert problems_in(read) == [problem]
        if "meta" in raw:
            assert read.meta.has_more is None
            assert read.meta.extra == raw["meta"]
        else:
            assert read.extra == raw


# --- conformance: every schema property has its model field -----------------------------

# schema name -> (model, which properties a request model may leave out: read-only ones)
_SCHEMA_MODELS: dict[str, tuple[type, set[str]]] = {
    "clientCreate": (sa.ClientCreate, set()),
    "matchCriteriaMailgun": (sa.MatchCriteriaMailgun, set()),
    "matchCriteriaMessagebird": (sa.MatchCriteriaMessagebird, set()),
    "matchCriteriaTwilio": (sa.MatchCriteriaTwilio, set()),
    "matchCriteriaWhatsapp": (sa.MatchCriteriaWhatsapp, set()),
    "messagePost": (sa.MessagePost, set()),
    "author": (sa.Author, set()),
    "textMessage": (sa.TextMessage, set()),
    "imageMessage": (sa.ImageMessage, set()),
    "link": (sa.Link, set()),
    "client": (sa.Client, set()),
    "clientListResponse": (sa.ClientListResponse, set()),
    "meta": (sa.Meta, set()),
    "links": (sa.Links, set()),
    "error": (ErrorDetail, set()),
}


def _properties(schemas: dict[str, Any], name: str) -> tuple[dict[str, Any], set[str]]:
    schema = schemas[name]
    props: dict[str, Any] = {}
    required: set[str] = set()
    for part in schema.get("allOf", [schema]):
        part = schemas[part["$ref"]] if "$ref" in part else part
        props.update(part.get("properties", {}))
        required.update(part.get("required", []))
    return props, required


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())["schemas"]  # type: ignore[no-any-return]


def test_schema_copy_is_current() -> None:
    """The vendored schema equals the shared reference, when that is beside the repo."""
    if not SHARED_SCHEMA.exists():
        pytest.skip("no ../shared/reference beside this checkout")
    assert json.loads(SCHEMA_PATH.read_text()) == json.loads(SHARED_SCHEMA.read_text())


@pytest.mark.parametrize("schema_name", sorted(_SCHEMA_MODELS))
def test_every_schema_property_has_a_field(schemas: dict[str, Any], schema_name: str) -> None:
    """Each property of the spec's schema is a model field; required ones have no default."""
    model, read_only = _SCHEMA_MODELS[schema_name]
    props, required = _properties(schemas, schema_name)
    fields = {json_name(f): f for f in attrs.fields(model)}
    missing = set(props) - set(fields) - read_only
    assert not missing, f"{model.__name__} lacks {sorted(missing)}"
    for name in required - {"type"}:
        if model is not ErrorDetail:
            assert fields[name].default is attrs.NOTHING, f"{model.__name__}.{name} is required"


def test_confirmation_and_target_match_schema(schemas: dict[str, Any]) -> None:
    """The inline confirmation and target schemas match their models."""
    inline = schemas["clientCreate"]["properties"]
    for prop, model in (("confirmation", sa.Confirmation), ("target", sa.Target)):
        fields = {json_name(f) for f in attrs.fields(model)}
        assert set(inline[prop]["properties"]) <= fields
    enum = inline["confirmation"]["properties"]["type"]["enum"]
    known, _ = typing.get_args(attrs.fields(sa.Confirmation).type.type)
    assert sorted(typing.get_args(known)) == sorted(enum)


def test_enums_match_schema(schemas: dict[str, Any]) -> None:
    """ClientType and ClientStatus know every value the spec lists."""
    assert {m.value for m in sa.ClientType} == set(schemas["clientType"]["enum"])
    status = schemas["client"]["properties"]["status"]["enum"]
    assert {m.value for m in sa.ClientStatus} == set(status)


# --- nothing to register: models are recognised by their fields --------------------------


@attrs.frozen(kw_only=True)
class _NewResponse:
    name: str | None = None
    extra: dict[str, object] = attrs.field(factory=dict, repr=False, eq=False)
    nulls: frozenset[str] = attrs.field(default=frozenset(), repr=False, eq=False)


@attrs.frozen(kw_only=True)
class _Cat:
    type: str = attrs.field(default="cat", init=False)
    lives: int = 9


@attrs.frozen(kw_only=True)
class _Dog:
    type: str = attrs.field(default="dog", init=False)
    good: bool = True


for _model in (_NewResponse, _Cat, _Dog):
    attrs.resolve_types(_model)  # string annotations (this module's future import)


def test_a_new_response_model_needs_no_registration() -> None:
    """A model with extra and nulls keeps unknown fields and nulls, with no list to join."""
    converter = sa.make_converter()
    read = converter.structure({"name": None, "future": 1}, _NewResponse)
    assert read.extra == {"future": 1}
    assert read.nulls == frozenset({"name"})
    assert converter.unstructure(read) == {"name": None, "future": 1}


def test_a_new_tagged_union_needs_no_registration() -> None:
    """Request models with a fixed type are told apart by it, with no table to extend."""
    converter = sa.make_converter()
    pet: Any = _Cat | _Dog
    dog: object = converter.structure({"type": "dog", "good": False}, pet)
    assert dog == _Dog(good=False)
    cat: object = converter.structure({"type": "cat"}, pet)
    assert cat == _Cat()
    with pytest.raises(ValueError, match="type must be one of 'cat', 'dog', got 'cow'"):
        converter.structure({"type": "cow"}, pet)


# --- the generated layer registers its unions and subtypes --------------------------------

ROOT = Path(__file__).resolve().parents[1]

#: Run in a fresh interpreter: the generated models reach the converter only through
#: `sunshine_async.types`, and the first structure of each type is the one cattrs keeps.
_FRESH_IMPORT = """
import sys
from collections.abc import Mapping

from sunshine_async import types

converter_module = sys.modules["sunshine_async._converter"]
for converter in (converter_module.CONVERTER, converter_module.make_converter()):
    integration = converter.structure({"type": "custom", "displayName": "d"}, types.Integration)
    assert type(integration) is types.Custom, type(integration)
    message = converter.structure({"content": {"type": "text", "text": "hi"}}, types.Message)
    assert type(message.content) is types.TextMessage, type(message.content)
    unknown = converter.structure({"content": {"type": "hologram"}}, types.Message)
    assert unknown.content == {"type": "hologram"}, unknown.content
print("ok")
"""


class TestRegistries:
    def test_converter_does_not_import_the_generated_layer(self) -> None:
        """`_converter` imports nothing from `_generated`: the generated models register."""
        tree = ast.parse((ROOT / "sunshine_async" / "_converter.py").read_text("utf-8"))
        imported = [
            alias.name if isinstance(node, ast.Import) else f"{node.module}.{alias.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        ]
        assert imported
        assert not [name for name in imported if "_generated" in name]

    def test_a_fresh_interpreter_reads_subtypes_and_unions(self) -> None:
        """Importing only `sunshine_async.types` registers the tables before any structure."""
        done = subprocess.run(
            [sys.executable, "-c", _FRESH_IMPORT],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "ok"

    def test_make_converter_knows_the_generated_tables(self) -> None:
        """A converter built now reads an integration and a content union by ``type``."""
        converter = sa.make_converter()
        integration = converter.structure({"type": "whatsapp"}, types.Integration)
        assert type(integration) is types.Whatsapp
        message = converter.structure({"content": {"type": "image"}}, types.Message)
        assert type(message.content) is types.ImageMessage

    def test_register_open_unions_reads_members_by_type(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A registered union reads its member by ``type``; another type stays the JSON."""
        monkeypatch.setattr(_converter, "_OPEN_UNIONS", {})
        pet: Any = _Cat | _Dog | Mapping[str, object]
        _converter.register_open_unions({pet: {"cat": _Cat, "dog": _Dog}})
        converter = sa.make_converter()
        assert converter.structure({"type": "dog", "good": False}, pet) == _Dog(good=False)
        assert converter.structure({"type": "cow"}, pet) == {"type": "cow"}
        assert converter.structure(None, pet | None) is None

    def test_register_subtypes_reads_the_subclass(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A registered base reads as the subclass its ``type`` names, else as itself."""
        monkeypatch.setattr(_converter, "_SUBTYPES", {})
        _converter.register_subtypes({_Animal: {"bird": _Bird}})
        converter = sa.make_converter()
        assert type(converter.structure({"type": "bird", "wings": 2}, _Animal)) is _Bird
        other = converter.structure({"type": "fish", "fins": 4}, _Animal)
        assert type(other) is _Animal
        assert other.extra == {"fins": 4}


@attrs.define(kw_only=True, frozen=True)
class _Animal:
    type: str | None = None
    extra: dict[str, object] = attrs.field(factory=dict, repr=False, eq=False)
    nulls: frozenset[str] = attrs.field(default=frozenset(), repr=False, eq=False)


@attrs.define(kw_only=True, frozen=True)
class _Bird(_Animal):
    wings: int | None = None


for _subclassed in (_Animal, _Bird):
    attrs.resolve_types(_subclassed)


class TestFunctionLengths:
    def test_no_function_is_over_80_lines(self) -> None:
        """Every function of `_converter`, nested ones included, is at most 80 lines."""
        tree = ast.parse((ROOT / "sunshine_async" / "_converter.py").read_text("utf-8"))
        long = {
            node.name: node.end_lineno - node.lineno + 1
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.end_lineno is not None
            if node.end_lineno - node.lineno + 1 > 80
        }
        assert long == {}
