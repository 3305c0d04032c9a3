"""Tests for `sunshine_async._validate` and the rule table codegen derives from the spec.

The oracles come from the spec itself, never from the table: its request examples, and
JSON Schemas this module translates from ``openapi-facts.json`` (closed objects, the
union tags pinned, the prose rules written out) that jsonschema checks and
hypothesis-jsonschema draws bodies from. Plain synchronous tests, no network.
"""

from __future__ import annotations

import json
import re
import sys
import timeit
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from sunshine_async._config import MAX_METADATA_BYTES, MAX_PROBLEMS_SHOWN
from sunshine_async._exceptions import InvalidArgumentError
from sunshine_async._generated.rules import BODIES, RULES
from sunshine_async._validate import (
    MAX_DEPTH,
    ModelJSON,
    body_problems,
    check_body,
    json_type,
    sendable,
)
from tests import _spec_oracle as oracle

ROOT = Path(__file__).resolve().parents[1]
SPEC: dict[str, Any] = oracle.SPEC
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
OVERRIDES = json.loads((ROOT / "codegen" / "overrides.json").read_text(encoding="utf-8"))
PROSE = json.loads((ROOT / "codegen" / "prose_rules.json").read_text(encoding="utf-8"))

#: The JSON-body operations of the spec (OAuth ones included), by operationId.
JSON_OPS: dict[str, Any] = {
    op["operationId"]: op["requestBody"]["content"]["application/json"]["schema"]
    for item in SPEC["paths"].values()
    for op in item.values()
    if isinstance(op, dict) and "application/json" in op.get("requestBody", {}).get("content", {})
}

#: Request examples of the spec that break its own schema, with why.
KNOWN_EXAMPLE_DEFECTS: dict[tuple[str, str], str] = {}


def problems(op_id: str, body: object) -> list[str]:
    return body_problems(body, BODIES[op_id], RULES)


# --- the oracle: the spec as closed JSON Schemas --------------------------------------

_PROSE_SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    # E.164 with spaces and dashes (the contract's rule); \Z, as $ allows a newline
    **{
        (name, "phoneNumber"): {"type": "string", "pattern": r"^\+[0-9][0-9 \-]*[0-9]\Z"}
        for name in ("matchCriteriaMessagebird", "matchCriteriaTwilio", "matchCriteriaWhatsapp")
    },
    ("matchCriteriaMailgun", "address"): {"type": "string", "format": "email"},
    # the spec's item bounds (a defect) meant for the array: one subtype at most
    ("author", "subtypes"): {
        "type": "array",
        "maxItems": 1,
        "items": {"type": "string", "enum": ["AI", "activity", "agent", "bot"]},
    },
}
#: metadata: a flat object (a few keys here, far under its 4 KB)
_METADATA = {
    "type": ["object", "null"],
    "additionalProperties": {"type": ["string", "integer", "boolean", "null"]},
    "maxProperties": 3,
}
_KEPT = ("enum", "minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum")


def _nullable(node: Mapping[str, Any]) -> bool:
    if "nullable" in node:
        return bool(node["nullable"])
    if "$ref" in node:
        return _nullable(oracle.resolve(node))
    parts = node.get("allOf", [])
    return len(parts) == 1 and "type" not in node and _nullable(parts[0])


def _gather(node: Any, props: dict[str, Any], required: list[str]) -> None:
    node = oracle.resolve(node)
    for part in node.get("allOf", []):
        _gather(part, props, required)
    props.update(node.get("properties", {}))
    required += node.get("required", [])


def _tag(branch: Mapping[str, Any]) -> str:
    props: dict[str, Any] = {}
    _gather(branch, props, [])
    kind = oracle.resolve(props.get("type", {}))
    if "default" in kind:
        return str(kind["default"])
    if len(kind.get("enum", [])) == 1:
        return str(kind["enum"][0])
    return str(OVERRIDES["union_tags"][branch["$ref"].rsplit("/", 1)[1]])


def closed(node: Any, owner: str = "") -> dict[str, Any]:
    """An OpenAPI node of the spec as self-contained JSON Schema with closed objects."""
    name = node.get("$ref", "").rsplit("/", 1)[-1]
    if name == "metadata":
        return _METADATA
    found = _closed(oracle.resolve(node), name or owner)
    return {"anyOf": [{"type": "null"}, found]} if _nullable(node) else found


def _closed(node: Mapping[str, Any], name: str) -> dict[str, Any]:
    discriminator = node.get("discriminator")
    branches = node.get("oneOf") or node.get("anyOf")
    if discriminator and discriminator.get("mapping"):
        pairs = [(tag, {"$ref": ref}) for tag, ref in discriminator["mapping"].items()]
    elif discriminator:
        pairs = [(_tag(branch), branch) for branch in branches or ()]
    elif branches:
        return {"anyOf": [closed(branch) for branch in branches]}
    else:
        pairs = []
    if pairs:
        return {"anyOf": [_pinned(closed(branch), tag) for tag, branch in pairs]}
    parts = node.get("allOf", [])
    if len(parts) == 1 and not {"type", "properties", "required"} & set(node):
        return _closed(oracle.resolve(parts[0]), parts[0].get("$ref", "").rsplit("/", 1)[-1])
    if parts or "properties" in node or node.get("type") == "object":
        return _object(node, name)
    out: dict[str, Any] = {key: node[key] for key in _KEPT if key in node}
    if "type" in node:
        out["type"] = node["type"]
    if node.get("format") in ("uri", "email"):
        out["format"] = node["format"]
    if "items" in node:
        out["items"] = closed(node["items"])
    return out


def _object(node: Mapping[str, Any], name: str) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required: list[str] = []
    _gather(node, props, required)
    if not props:
        return {"type": "object"}
    writable = {
        key: _PROSE_SCHEMAS.get((name, key)) or closed(value, name)
        for key, value in props.items()
        if not (value.get("readOnly") or oracle.resolve(value).get("readOnly"))
    }
    return {
        "type": "object",
        "properties": writable,
        "required": list(dict.fromkeys(required)),
        "additionalProperties": False,
    }


def _pinned(schema: dict[str, Any], tag: str) -> dict[str, Any]:
    """A union branch (a closed object) whose ``type`` must be its tag."""
    assert schema["type"] == "object", schema
    required = list(dict.fromkeys([*schema["required"], "type"]))
    return {
        **schema,
        "properties": {**schema["properties"], "type": {"const": tag}},
        "required": required,
    }


_JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.text(max_size=8)


def drawn(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """Values of a schema as `closed` writes them (hypothesis-jsonschema draws the
    scalars; its objects do not work with this Hypothesis)."""
    if "anyOf" in schema:
        return st.one_of([drawn(branch) for branch in schema["anyOf"]])
    if "const" in schema:
        return st.just(schema["const"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([drawn({**schema, "type": one}) for one in kind])
    if kind == "object":
        return _drawn_object(schema)
    if kind == "array":
        low = schema.get("minItems", 0)
        high = min(schema.get("maxItems", low + 2), low + 2)
        return st.lists(drawn(schema.get("items", {})), min_size=low, max_size=high)
    if kind is None:
        return _JSON_LEAVES
    return from_schema(dict(schema), allow_x00=False)


def _drawn_object(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    props = schema.get("properties")
    if props is None:
        extra = schema.get("additionalProperties")
        values = drawn(extra) if isinstance(extra, dict) else _JSON_LEAVES
        high = schema.get("maxProperties", 3)
        return st.dictionaries(st.text(max_size=6), values, max_size=high)
    required = schema.get("required", [])
    return st.fixed_dictionaries(
        {key: drawn(props[key]) for key in required},
        optional={key: drawn(value) for key, value in props.items() if key not in required},
    )


#: jsonschema's own uri check needs rfc3987: an absolute URL has a scheme and a host
FORMATS = jsonschema.FormatChecker(["email"])
FORMATS.checks("uri")(
    lambda value: (
        not isinstance(value, str) or bool(urlsplit(value).scheme and urlsplit(value).netloc)
    )
)


def jsonschema_problems(op_id: str, body: object) -> list[str]:
    validator = jsonschema.Draft202012Validator(closed(JSON_OPS[op_id]), format_checker=FORMATS)
    return [error.message for error in validator.iter_errors(body)]


# --- the table ------------------------------------------------------------------------


class TestTable:
    def test_every_json_body_has_a_rule(self) -> None:
        """BODIES covers each JSON request body of the spec, and every name is a rule."""
        assert set(BODIES) == set(JSON_OPS)
        names: set[str] = set()

        def walk(rule: Any) -> None:
            if isinstance(rule, str):
                names.add(rule)
                return
            subs = [*rule.get("props", {}).values(), *rule.get("tags", {}).values()]
            subs += [*rule.get("any", ()), *(rule[k] for k in ("items", "ref") if k in rule)]
            for sub in subs:
                walk(sub)

        for rule in [*RULES.values(), *BODIES.values()]:
            walk(rule)
        assert names <= set(RULES)
        assert set(RULES) <= set(SCHEMAS)

    def test_generated_module_is_up_to_date(self) -> None:
        """rules.py is what codegen/request_rules.py writes from the spec now."""
        sys.path.insert(0, str(ROOT / "codegen"))
        try:
            import generate
            from request_rules import render_rules
        finally:
            sys.path.remove(str(ROOT / "codegen"))
        spec = json.loads(generate.SPEC.read_text(encoding="utf-8"))
        ops = generate.operations(spec, OVERRIDES)
        text = generate.formatted(render_rules(spec, ops, generate.HEADER), "rules.py")
        path = ROOT / "sunshine_async" / "_generated" / "rules.py"
        assert path.read_text(encoding="utf-8") == text

    def test_prose_rules_agree_with_the_sdk(self) -> None:
        """The prose rules are the SDK's own: its phone pattern and metadata limit."""
        rules = PROSE["rules"]
        assert rules["metadata"]["*"]["flat_max_bytes"] == MAX_METADATA_BYTES
        for name in ("matchCriteriaMessagebird", "matchCriteriaTwilio", "matchCriteriaWhatsapp"):
            # the contract's own examples (clients-api.md section 4)
            pattern = re.compile(rules[name]["phoneNumber"]["pattern"])
            assert pattern.fullmatch("+1 212-555-2368")
            assert not pattern.fullmatch("212 555 2368")
        assert all(entry.get("why") for fields in rules.values() for entry in fields.values())

    def test_discriminator_of_integration(self) -> None:
        """CreateIntegration's body is chosen by type among integration's subtypes."""
        assert set(RULES["integration"]["tags"]) == set(
            SCHEMAS["integration"]["discriminator"]["mapping"]
        )


# --- the spec's own examples and random valid bodies ----------------------------------


def _examples() -> list[tuple[str, str, Any]]:
    found = []
    for op in oracle.operations().values():
        if op.body_type == "application/json":
            found += [(op.id, name, value) for name, value in op.body_examples.items()]
    return found


class TestSpecAgrees:
    def test_there_are_examples(self) -> None:
        assert len(_examples()) >= 15

    @pytest.mark.parametrize(("op_id", "name", "body"), _examples())
    def test_every_request_example_passes(self, op_id: str, name: str, body: Any) -> None:
        """Each request example of the spec is a valid body, but the known defects."""
        found = problems(op_id, body)
        if (op_id, name) in KNOWN_EXAMPLE_DEFECTS:
            assert found, "a known defect was fixed: drop it from KNOWN_EXAMPLE_DEFECTS"
        else:
            assert found == []
            assert jsonschema_problems(op_id, body) == []

    @pytest.mark.parametrize("op_id", sorted(JSON_OPS))
    def test_drawn_bodies_pass(self, op_id: str) -> None:
        """Bodies drawn from the body's JSON Schema (converted from the spec) pass."""
        schema = closed(JSON_OPS[op_id])

        @settings(
            max_examples=20,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(drawn(schema))
        def check(body: Any) -> None:
            assert jsonschema_problems(op_id, body) == []
            assert problems(op_id, body) == []

        check()


# --- mistakes, each named by its JSON path --------------------------------------------


def client_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "matchCriteria": {
            "type": "whatsapp",
            "integrationId": "x",
            "phoneNumber": "+1 212-555-2368",
        },
        "confirmation": {"type": "immediate"},
        "target": {"conversationId": "c"},
    }
    return {**body, **changes}


def message_body(content: Any = None, **changes: Any) -> dict[str, Any]:
    body = {"author": {"type": "business"}, "content": content or {"type": "text", "text": "hi"}}
    return {**body, **changes}


def form(**field: Any) -> dict[str, Any]:
    return {"type": "form", "fields": [{"type": "text", "name": "n", "label": "l", **field}]}


def twilio(**changes: Any) -> dict[str, Any]:
    return {"type": "twilio", "accountSid": "AC1", "authToken": "tok", **changes}


#: (operation, body, the message's path and words, refused by the open spec too)
MISTAKES: list[tuple[str, Any, str, bool]] = [
    (
        "CreateUser",
        {"externalId": "a", "profile": {"given_name": "Steve"}},
        "body.profile.given_name: unknown field (did you mean 'givenName'?)",
        False,
    ),
    (
        "CreateConversation",
        {"type": "personal", "participants": [{"user_id": "u"}]},
        "body.participants[0].user_id: unknown field (did you mean 'userId'?)",
        False,
    ),
    (
        "PostMessage",
        message_body({"type": "text", "text": "hi", "actoins": []}),
        "body.content.actoins: unknown field (did you mean 'actions'?)",
        False,
    ),
    ("CreateClient", client_body(target={}), "body.target: needs the field 'conversationId'", True),
    (
        "PostMessage",
        message_body({"type": "text", "text": 5}),
        "body.content.text: must be a string, got integer",
        True,
    ),
    (
        "PostMessage",
        message_body(form(minSize=True)),
        "body.content.fields[0].minSize: must be an integer, got boolean",
        True,
    ),
    (
        "PostMessage",
        message_body(form(minSize=0)),
        "body.content.fields[0].minSize: must be at least 1, got 0",
        True,
    ),
    (
        "CreateUser",
        {"externalId": "a", "profile": {"givenName": "x" * 129}},
        "body.profile.givenName: must be at most 128 characters, got 129",
        True,
    ),
    (
        "PostMessage",
        message_body({"type": "carousel", "items": []}),
        "body.content.items: must have at least 1 items, got 0",
        True,
    ),
    (
        "CreateClient",
        client_body(confirmation={"type": "later"}),
        "body.confirmation.type: must be one of 'immediate', 'userActivity', 'prompt', got 'later'",
        True,
    ),
    (
        "PostMessage",
        message_body({"type": "image", "mediaUrl": "/a.png"}),
        "body.content.mediaUrl: must be an absolute URL",
        False,
    ),
    (
        "PostMessage",
        message_body({"type": "txt", "text": "hi"}),
        "body.content.type: unknown type 'txt' (known: 'text', 'carousel'",
        True,
    ),
    ("PostMessage", message_body({"text": "hi"}), "body.content: needs the field 'type'", True),
    (
        "PostMessage",
        message_body(author={"type": "business", "avatarUrl": None}),
        "body.author.avatarUrl: must not be null",
        True,
    ),
    (
        "PostMessage",
        message_body(metadata={"a": {"b": 1}}),
        "body.metadata.a: must be a string, number, boolean or null",
        False,
    ),
    (
        "CreateClient",
        client_body(
            matchCriteria={"type": "whatsapp", "integrationId": "x", "phoneNumber": "212 555 2368"}
        ),
        "body.matchCriteria.phoneNumber: must be '+' and country code",
        False,
    ),
    (
        "CreateClient",
        client_body(matchCriteria={"type": "mailgun", "integrationId": "x", "address": "steve"}),
        "body.matchCriteria.address: must be an email address",
        False,
    ),
    (
        "CreateIntegration",
        {"type": "twilio", "authToken": "t"},
        "body: needs the field 'accountSid'",
        True,
    ),
    (
        "PostMessage",
        message_body(
            {
                "type": "carousel",
                "text": "t",
                "items": [
                    {"title": "t", "actions": [{"type": "link", "text": "t", "uri": "https://a.b"}]}
                ],
            }
        ),
        "body.content.text: is read-only (the server sets it)",
        False,
    ),
    (
        "PostMessage",
        message_body(
            {
                "type": "list",
                "items": [
                    {"title": "t", "actions": [{"type": "reply", "text": "t", "payload": "p"}]}
                ],
            }
        ),
        "body.content.items[0].actions[0].type: unknown type 'reply' (known: 'buy', 'link'",
        True,
    ),
    (
        "CreateConversation",
        {"type": "personal", "participants": [{"userId": "u", "subscribeSDKClient": "yes"}]},
        "body.participants[0].subscribeSDKClient: must be a boolean, got string",
        True,
    ),
]


class TestMistakes:
    @pytest.mark.parametrize(("op_id", "body", "says", "spec_too"), MISTAKES)
    def test_refused_with_its_path(self, op_id: str, body: Any, says: str, spec_too: bool) -> None:
        """Each mistake is refused, named by its JSON path; jsonschema refuses it too."""
        found = problems(op_id, body)
        assert any(problem.startswith(says) for problem in found), found
        assert jsonschema_problems(op_id, body)
        if spec_too:  # the spec as it is (open objects, no prose rules) agrees
            assert oracle.problems(JSON_OPS[op_id], body)

    def test_metadata_of_at_most_4_kb(self) -> None:
        """Metadata is at most 4 KB of compact JSON (not expressible in JSON Schema)."""
        fits = {"k": "x" * (MAX_METADATA_BYTES - len('{"k":""}'))}
        assert problems("UpdateUser", {"metadata": fits}) == []
        over = {"k": fits["k"] + "é"}
        assert problems("UpdateUser", {"metadata": over}) == [
            f"body.metadata: must be at most {MAX_METADATA_BYTES} bytes of JSON,"
            f" got {MAX_METADATA_BYTES + 2}"
        ]
        assert problems("UpdateUser", {"metadata": {"n": float("nan")}}) == [
            "body.metadata: must hold finite numbers only"
        ]

    def test_union_without_tag_reports_the_closest_branch(self) -> None:
        """Leave by userId, userExternalId or participantId: one of them, exactly."""
        assert problems("LeaveConversation", {"participantId": "p"}) == []
        assert problems("LeaveConversation", {"participantId": 5}) == [
            "body.participantId: must be a string, got integer"
        ]

    def test_check_body_message(self) -> None:
        """check_body raises InvalidArgumentError (a ValueError) listing the problems."""
        body = client_body(
            matchCriteria={"type": "whatsapp", "integrationId": "x", "phoneNumber": "5145555555"},
            target={},
        )
        with pytest.raises(ValueError, match="phoneNumber") as caught:
            check_body(body, BODIES["CreateClient"], RULES, what="CreateClient")
        assert isinstance(caught.value, InvalidArgumentError)
        assert str(caught.value) == (
            "invalid CreateClient body: body.matchCriteria.phoneNumber: must be '+' and"
            " country code, then digits ('+1 212-555-2368'); body.target: needs the field"
            " 'conversationId'"
        )
        check_body(client_body(), BODIES["CreateClient"], RULES, what="CreateClient")

    def test_at_most_so_many_problems_shown(self) -> None:
        body = {"externalId": "a", **{f"bad{n}": n for n in range(MAX_PROBLEMS_SHOWN + 3)}}
        with pytest.raises(InvalidArgumentError) as caught:
            check_body(body, BODIES["CreateUser"], RULES, what="CreateUser")
        assert str(caught.value).count("unknown field") == MAX_PROBLEMS_SHOWN
        assert str(caught.value).endswith("; and 3 more")

    def test_the_body_itself(self) -> None:
        """A body that is no object, or null where one is required."""
        assert problems("CreateUser", [1]) == ["body: must be an object, got array"]
        assert problems("CreateUser", None) == ["body: must not be null"]
        assert problems("CreateIntegration", "twilio") == ["body: must be an object, got string"]
        assert problems("CreateUser", {5: "a"}) == ["body: keys must be strings, got integer 5"]


class TestSecrets:
    SECRET = "S3CR3T-do-not-print-0123456789"

    @pytest.mark.parametrize(
        ("op_id", "body"),
        [
            ("CreateIntegration", twilio(authToken=[SECRET])),
            ("CreateIntegration", twilio(accountSid={"x": SECRET})),
            ("CreateIntegration", twilio(authTokn=SECRET)),
            ("CreateIntegration", twilio(displayName=SECRET * 5)),
            (
                "CreateIntegration",
                {
                    "type": "apple",
                    "businessId": "b",
                    "apiSecret": "s",
                    "mspId": "m",
                    "authenticationMessageSecret": SECRET,
                },
            ),
            (
                "CreateIntegration",
                {
                    "type": "custom",
                    "webhooks": [
                        {"target": "https://a.b", "triggers": ["x"], "secret": 5, "extra": SECRET}
                    ],
                },
            ),
            (
                "CreateIntegration",
                {"type": "mailgun", "apiKey": SECRET, "domain": "", "incomingAddress": "a@b"},
            ),
            (
                "CreateClient",
                client_body(
                    matchCriteria={"type": "whatsapp", "integrationId": "x", "phoneNumber": SECRET}
                ),
            ),
            ("PostMessage", message_body({"type": "image", "mediaUrl": SECRET})),
            ("PostMessage", message_body(metadata={"token": [SECRET]})),
        ],
    )
    def test_a_value_is_never_quoted(self, op_id: str, body: Any) -> None:
        """No message quotes a string value (a credential may be one), only what is wrong."""
        found = problems(op_id, body)
        assert found
        with pytest.raises(InvalidArgumentError) as caught:
            check_body(body, BODIES[op_id], RULES, what=op_id)
        for text in (*found, str(caught.value), repr(caught.value)):
            assert self.SECRET[:8] not in text


class TestInterpreter:
    def test_json_types(self) -> None:
        """bool is no integer; an int is a number; 2.0 is an integer."""
        rules: dict[str, Any] = {}
        assert body_problems(True, {"type": "integer"}, rules) == [
            "body: must be an integer, got boolean"
        ]
        assert body_problems(True, {"type": "number"}, rules) == [
            "body: must be a number, got boolean"
        ]
        assert body_problems(3, {"type": "number"}, rules) == []
        assert body_problems(2.0, {"type": "integer"}, rules) == []
        assert body_problems(2.5, {"type": "integer"}, rules) == [
            "body: must be an integer, got number"
        ]
        assert body_problems(float("inf"), {"type": "number"}, rules) == [
            "body: must be a finite number"
        ]
        assert json_type(b"x") == "bytes"

    def test_depth_is_bounded(self) -> None:
        """A body nested past MAX_DEPTH stops there, with one problem and no RecursionError."""
        rules = {"node": {"type": "object", "props": {"n": "node"}}}
        body: dict[str, Any] = {}
        for _ in range(1000):
            body = {"n": body}
        found = body_problems(body, "node", rules)
        assert len(found) == 1
        assert found[0].endswith(f"nested more than {MAX_DEPTH} levels deep")
        assert found[0].count(".n") == MAX_DEPTH + 1

    def test_fast(self) -> None:
        """A typical CreateClient body checks in tens of microseconds (about 12 here)."""
        body = client_body(
            confirmation={"type": "prompt", "message": message_body()},
            matchCriteria={
                "type": "whatsapp",
                "integrationId": "5e4af71a81966cfff3ef6550",
                "phoneNumber": "+1 212-555-2368",
                "primary": True,
            },
        )
        rule = BODIES["CreateClient"]
        runs = 2000
        best = min(
            timeit.repeat(
                lambda: check_body(body, rule, RULES, what="CreateClient"), number=runs, repeat=3
            )
        )
        assert best / runs < 200e-6  # generous: CI machines are slow and shared


class TestSendable:
    """The JSON of a model the API returned loses the fields the server set; a dict the
    caller wrote keeps them (and `check_body` refuses them there)."""

    def test_read_only_fields_of_a_model_are_left_out_at_depth(self) -> None:
        hook = ModelJSON(
            {"id": "w1", "version": "v2", "target": "https://example.com/h", "triggers": []}
        )
        body = {"type": "custom", "webhooks": [hook]}
        sent = sendable(body, BODIES["CreateIntegration"], RULES)
        assert sent == {
            "type": "custom",
            "webhooks": [{"target": "https://example.com/h", "triggers": []}],
        }
        assert problems("CreateIntegration", sent) == []

    def test_a_dict_written_by_hand_keeps_them(self) -> None:
        hook = {"id": "w1", "target": "https://example.com/h", "triggers": []}
        body = {"type": "custom", "webhooks": [hook]}
        assert sendable(body, BODIES["CreateIntegration"], RULES) == body
        assert problems("CreateIntegration", body) == [
            "body.webhooks[0].id: is read-only (the server sets it): leave it out"
        ]
