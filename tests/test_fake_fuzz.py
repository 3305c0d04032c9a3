"""Property-based runs of `FakeSunshine` against the official spec.

For every operation the spec lists (the three OAuth ones included: the fake serves
them too), hypothesis draws requests the spec allows: path parameters naming seeded
state, state a previous request made, or random ids; query parameters; bodies drawn
from the operation's request body schema. Each goes to the fake's sans-I/O core, and
the answer is checked against the spec alone:

- its status is one the spec documents for the operation, or one the fake answers for
  any operation (`GENERIC_STATUSES`: a refused body or query, an unknown id...);
- a 2xx body is valid against the operation's response schema, holds the whole
  envelope that schema names (``{"integration": ...}``, never ``{}``), and no key the
  schema does not name (an unknown key the request sent, echoed);
- no property the spec marks ``writeOnly`` comes back, in an answer or in a webhook
  event the request caused (each event is checked against its type's schema too).

Single requests run on a fresh fake per operation, and sequences of them on one fake.
A last property checks that every body drawn from the spec passes the fake's own check.

The spec's schemas are OpenAPI 3.0; they are turned into JSON Schema draft 4 here, by
this file's own rules rather than the fake's (`Schemas`), so that the fake's reading of
the spec is checked, not reused. Runs are derandomized and keep no example database:
CI sees the same examples every time, and nothing is written to the work tree.
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import quote

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

import sunshine_async.testing
from sunshine_async.testing import FakeSunshine
from sunshine_async.testing._core import GENERIC_STATUSES, FakeRequest, FakeResponse
from sunshine_async.testing._spec import PROSE_RULES, request_problems
from sunshine_async.testing._store import PageQuery

# hypothesis caches unicode tables, and constants it mines from the sources (while
# pytest collects), in ./.hypothesis whatever the database: keep them out of the tree.
# hypothesis-jsonschema builds its tables on import, so it is imported after this.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "sunshine-async-hypothesis")

Mode = Literal["request", "response"]
Operation = tuple[str, str, dict[str, Any], list[dict[str, Any]]]

#: the vendored spec, read here on its own
SPEC: Final[dict[str, Any]] = json.loads(
    (Path(sunshine_async.testing.__file__).parent / "openapi-facts.json").read_text("utf-8")
)
APP: Final = "5d8cff3cd55b040010928b5b"
EMAIL: Final = "steve@example.com"
EXTERNAL_ID: Final = "steveb"
_SCHEMAS: Final[dict[str, Any]] = SPEC["components"]["schemas"]
_REF: Final = "#/components/schemas/"
_DEFINITIONS: Final = "#/definitions/"
#: OpenAPI keywords that JSON Schema lacks (or that only annotate)
_OPENAPI_ONLY: Final = frozenset(
    {"nullable", "discriminator", "example", "readOnly", "writeOnly", "deprecated", "xml"}
)
#: nothing is valid against it: what must be absent
_NEVER: Final[dict[str, Any]] = {"not": {}}
_FUZZ: Final = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


# --- the spec's schemas as JSON Schema -----------------------------------------------------


class Schemas:
    """The spec's named schemas as JSON Schema draft 4 ``definitions``, for one direction.

    ``request``: what a client may send, with the prose rules the fake states (a phone
    number starts with ``+``), so that a drawn body is one the API takes. ``response``:
    what may come back, where a ``writeOnly`` property must be absent.
    """

    def __init__(self, mode: Mode) -> None:
        self.mode = mode
        definitions = {name: self.convert(schema) for name, schema in _SCHEMAS.items()}
        if mode == "request":
            for name, rule in PROSE_RULES.items():
                definitions[name] = {"allOf": [definitions[name], self.convert(rule)]}
        # a base schema whose discriminator maps tags to schemas extending it (integration)
        # stands for their union; the extensions refer to the base under another name
        for name, schema in _SCHEMAS.items():
            mapping = (schema.get("discriminator") or {}).get("mapping")
            if not mapping or "oneOf" in schema or "anyOf" in schema:
                continue
            base = f"{name}__base"
            definitions[base] = definitions[name]
            for ref in mapping.values():
                target = ref.removeprefix(_REF)
                definitions[target] = _retarget(definitions[target], name, base)
            definitions[name] = _tagged(schema["discriminator"]["propertyName"], mapping)
        self.definitions = definitions

    def convert(self, node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        if "$ref" in node:  # OpenAPI 3.0 ignores a reference's siblings
            return {"$ref": _DEFINITIONS + node["$ref"].removeprefix(_REF)}
        if self.mode == "response" and node.get("writeOnly") is True:
            return _NEVER
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "properties":
                out[key] = {name: self.convert(sub) for name, sub in value.items()}
            elif key in ("items", "additionalProperties", "not"):
                out[key] = self.convert(value)
            elif key in ("allOf", "anyOf"):
                out[key] = [self.convert(sub) for sub in value]
            elif key == "oneOf":
                out.update(self._union(value, node.get("discriminator")))
            elif key == "required":
                # ``required: true`` on a property means nothing to JSON Schema
                if isinstance(value, list):
                    out[key] = self._required(value, node.get("properties") or {})
            elif key not in _OPENAPI_ONLY and not key.startswith("x-"):
                out[key] = value
        if node.get("nullable") is True:
            out = {"anyOf": [{"type": "null"}, out]}
        return out

    def _required(self, names: list[str], properties: Mapping[str, Any]) -> list[str]:
        """What must be there: a write-only property only goes in, a read-only one only
        comes out (OpenAPI 3.0)."""
        one_way = "writeOnly" if self.mode == "response" else "readOnly"
        return [name for name in names if properties.get(name, {}).get(one_way) is not True]

    def _union(self, branches: list[Any], discriminator: Mapping[str, Any] | None) -> Any:
        mapping = (discriminator or {}).get("mapping")
        if discriminator and mapping:
            return _tagged(discriminator["propertyName"], mapping)
        keys = [list(branch.get("properties") or ()) for branch in branches]
        if all(len(k) == 1 and "$ref" not in b for k, b in zip(keys, branches, strict=True)):
            # objects told apart by their one property only: exactly one of those keys
            return {
                "anyOf": [
                    {**self.convert(branch), "required": k, "additionalProperties": False}
                    for k, branch in zip(keys, branches, strict=True)
                ]
            }
        return {"anyOf": [self.convert(branch) for branch in branches]}

    def inlined(self, schema: Mapping[str, Any]) -> Any:
        """``schema`` with each reference replaced by what it names (no cycle is left)."""
        return self._inline(self.convert(schema), ())

    def _inline(self, node: Any, path: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [self._inline(item, path) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.removeprefix(_DEFINITIONS)
            if name in path:
                raise ValueError(f"the schema {name!r} holds itself: {path}")
            return self._inline(self.definitions[name], (*path, name))
        return {key: self._inline(value, path) for key, value in node.items()}

    def undeclared(self, schema: Any, value: Any, path: tuple[Any, ...] = ()) -> set[str]:
        """Where ``value`` holds a key that no schema applying there declares.

        An object whose schemas declare no property at all (``metadata``) or allow more
        (``additionalProperties``) may hold anything.
        """
        applying = self._applying(schema, value)
        found: set[str] = set()
        if isinstance(value, list):
            for schema_ in applying:
                if isinstance(schema_.get("items"), dict):
                    for index, item in enumerate(value):
                        found |= self.undeclared(schema_["items"], item, (*path, index))
            return found
        if not isinstance(value, dict):
            return found
        declared: dict[str, list[Any]] = {}
        open_ = False
        for schema_ in applying:
            for name, sub in (schema_.get("properties") or {}).items():
                declared.setdefault(name, []).append(sub)
            if schema_.get("additionalProperties", False) not in (False, None):
                open_ = True
        for name, sub_value in value.items():
            if name not in declared:
                if declared and not open_:
                    found.add("/".join(map(str, (*path, name))))
                continue
            for sub in declared[name]:
                found |= self.undeclared(sub, sub_value, (*path, name))
        return found

    def _applying(self, schema: Any, value: Any) -> list[dict[str, Any]]:
        """The schemas that apply to ``value``: ``schema``, its ``allOf`` parts, and the
        branches of its unions that ``value`` is valid against."""
        if not isinstance(schema, dict):
            return []
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._applying(self.definitions[ref.removeprefix(_DEFINITIONS)], value)
        found = [schema]
        for member in schema.get("allOf", ()):
            found += self._applying(member, value)
        for branch in schema.get("anyOf", ()):
            if self._accepts(_key(branch), value):
                found += self._applying(branch, value)
        return found

    def _accepts(self, branch: str, value: Any) -> bool:
        return bool(self._validator(branch).is_valid(value))

    @functools.cache  # noqa: B019 - two instances, both module-level, both for good
    def _validator(self, branch: str) -> Any:
        return jsonschema.Draft4Validator({**json.loads(branch), "definitions": self.definitions})

    def problems(self, schema: Mapping[str, Any], value: object) -> list[str]:
        """What is wrong with ``value`` by ``schema`` (a spec schema, converted here)."""
        root = {**self.convert(schema), "definitions": self.definitions}
        validator = jsonschema.Draft4Validator(
            root, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
        )
        return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(value)]


def _tagged(field: str, mapping: Mapping[str, str]) -> dict[str, Any]:
    """A union dispatched on ``field``: each branch with its tag fixed."""
    return {
        "anyOf": [
            {
                "allOf": [
                    {"$ref": _DEFINITIONS + ref.removeprefix(_REF)},
                    {"properties": {field: {"enum": [tag]}}, "required": [field]},
                ]
            }
            for tag, ref in mapping.items()
        ]
    }


def _retarget(schema: Any, old: str, new: str) -> Any:
    if isinstance(schema, list):
        return [_retarget(item, old, new) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if schema.get("$ref") == _DEFINITIONS + old:
        return {**schema, "$ref": _DEFINITIONS + new}
    return {key: _retarget(value, old, new) for key, value in schema.items()}


REQUESTS: Final = Schemas("request")
RESPONSES: Final = Schemas("response")


# --- the operations, read from the spec ----------------------------------------------------


def _parameter(node: Mapping[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return dict(node)
    found: dict[str, Any] = SPEC["components"]["parameters"][ref.rsplit("/", 1)[-1]]
    return found


def _operations() -> dict[str, Operation]:
    """operationId -> (method, path, operation, parameters, the path's own included)."""
    found = {}
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            parameters = [
                _parameter(p)
                for p in (*item.get("parameters", ()), *operation.get("parameters", ()))
            ]
            found[operation["operationId"]] = (method.upper(), path, operation, parameters)
    return found


OPERATIONS: Final = _operations()


def documented(operation_id: str) -> set[int]:
    return {int(code) for code in OPERATIONS[operation_id][2]["responses"]}


def response_schema(operation_id: str, status: int) -> dict[str, Any] | None:
    response = OPERATIONS[operation_id][2]["responses"].get(str(status), {})
    schema: dict[str, Any] | None = (
        response.get("content", {}).get("application/json", {}).get("schema")
    )
    return schema


def json_body_schema(operation_id: str) -> dict[str, Any] | None:
    content = OPERATIONS[operation_id][2].get("requestBody", {}).get("content", {})
    schema: dict[str, Any] | None = content.get("application/json", {}).get("schema")
    return schema


# --- the seeded state ----------------------------------------------------------------------


class World:
    """A fake with one of everything a request can name."""

    def __init__(self) -> None:
        self.fake = fake = FakeSunshine()
        self.user = fake.add_user(APP, external_id=EXTERNAL_ID, profile={"email": EMAIL})
        self.whatsapp = fake.add_integration(APP, "whatsapp")
        self.custom = fake.add_integration(
            APP, "custom", webhooks=[{"target": "https://example.com/hook", "triggers": ["*"]}]
        )
        self.webhook = fake.add_webhook(APP, self.custom, "https://example.com/all").id
        self.conversation = fake.add_conversation(APP, self.user)
        with fake._lock:
            store = fake._store
            self.clients = [
                store.add_clients(APP, self.user, 1, type=kind, status="active")[0]["id"]
                for kind in ("whatsapp", "sdk")
            ]
            self.device = store.devices(APP, self.user)[0]["id"]
            page = store.participants_page(APP, self.conversation, PageQuery())
            self.participant = page.items[0]["id"]
            self.message = store.post_message(
                APP,
                self.conversation,
                {
                    "author": {"type": "user", "userId": self.user, "userExternalId": EXTERNAL_ID},
                    "content": {"type": "text", "text": "hi", "markdownText": "**hi**"},
                },
            )["id"]
            store.take_events()
        fake.deliveries.clear()

    def send(self, request: FakeRequest) -> FakeResponse:
        return self.fake.handle(request)

    def next_ids(self, count: int) -> list[str]:
        """The ids the next things made will get (one counter makes them all)."""
        with self.fake._lock:
            return [self.fake._store.new_id() for _ in range(count)]


#: Every world starts alike: the ids below name the same things in each.
SEEDED: Final = World()
#: The ids the first requests' creations will get, so that later ones can name them.
UPCOMING: Final = World().next_ids(4)
#: values of each path parameter that name something
PATH_VALUES: Final[dict[str, list[str]]] = {
    "appId": [APP],
    "userIdOrExternalId": [SEEDED.user, EXTERNAL_ID],
    "clientId": SEEDED.clients,
    "deviceId": [SEEDED.device],
    "conversationId": [SEEDED.conversation],
    "messageId": [SEEDED.message],
    "integrationId": [SEEDED.custom, SEEDED.whatsapp],
    "webhookId": [SEEDED.webhook],
}
#: values of body properties and filters that name something
NAMED_VALUES: Final[dict[str, list[str]]] = {
    "userId": [SEEDED.user],
    "userExternalId": [EXTERNAL_ID],
    "participantId": [SEEDED.participant],
    "conversationId": [SEEDED.conversation],
    "integrationId": [SEEDED.custom, SEEDED.whatsapp],
    "messageId": [SEEDED.message],
    "quotedMessageId": [SEEDED.message],
    "identities.email": [EMAIL],
    "types": ["whatsapp", "custom,whatsapp", "android,ios"],
}


# --- drawing requests ----------------------------------------------------------------------


_TEXT: Final = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=30
)


def _named_or_any(known: list[str], other: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A value naming something (three times in four), or any other."""
    if not known:
        return other
    named = st.sampled_from(known)
    return st.one_of(named, named, named, other)


def _path(path: str, parameters: list[dict[str, Any]]) -> st.SearchStrategy[str]:
    choices = {}
    for parameter in parameters:
        if parameter.get("in") != "path":
            continue
        name = parameter["name"]
        example = parameter.get("schema", {}).get("example")
        known = PATH_VALUES.get(name, [str(example)] if example is not None else [])
        if name in PATH_VALUES and name != "appId":
            known = [*known, *UPCOMING]
        choices[name] = _named_or_any(known, _TEXT)

    def fill(values: dict[str, str]) -> str:
        filled = path
        for name, value in values.items():
            filled = filled.replace("{" + name + "}", quote(value, safe=""))
        return filled

    return st.fixed_dictionaries(choices).map(fill)


def _deep_object(parameter: dict[str, Any]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """A deepObject parameter (``page[size]=10``): each of its keys present or not."""
    name = parameter["name"]
    schema = parameter["schema"]
    if "$ref" in schema:
        schema = _SCHEMAS[schema["$ref"].removeprefix(_REF)]
    keys: dict[str, st.SearchStrategy[str]] = {}
    for key, sub in schema.get("properties", {}).items():
        if sub.get("type") == "integer":
            keys[key] = st.integers(sub.get("minimum", 0), sub.get("maximum", 1000)).map(str)
        elif "minLength" in sub and sub.get("minLength") == sub.get("maxLength"):
            length = sub["minLength"]
            ids = [v for values in PATH_VALUES.values() for v in values if len(v) == length]
            keys[key] = _named_or_any(
                ids, st.text("0123456789abcdef", min_size=length, max_size=length)
            )
        else:
            keys[key] = _named_or_any(NAMED_VALUES.get(key, []), _TEXT)
    drawn = st.fixed_dictionaries({}, optional=keys)
    if parameter.get("required"):
        drawn = drawn.filter(bool)
    return drawn.map(lambda given: [(f"{name}[{k}]", v) for k, v in given.items()])


def _plain(parameter: dict[str, Any]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """A plain query parameter: its example or any text; left out now and then if it may."""
    name = parameter["name"]
    example = parameter.get("schema", {}).get("example")
    value = _named_or_any([] if example is None else [str(example)], _TEXT)
    pairs = value.map(lambda v: [(name, v)])
    return pairs if parameter.get("required") else pairs | st.just([])


def _query(parameters: list[dict[str, Any]]) -> st.SearchStrategy[tuple[tuple[str, str], ...]]:
    parts = [
        _deep_object(p) if p.get("style") == "deepObject" else _plain(p)
        for p in parameters
        if p.get("in") == "query"
    ]
    return st.tuples(*parts).map(lambda lists: tuple(pair for pairs in lists for pair in pairs))


@functools.cache
def body_strategy(operation_id: str) -> st.SearchStrategy[Any]:
    """Bodies drawn from the operation's JSON request body schema."""
    schema = json_body_schema(operation_id)
    assert schema is not None
    whole = REQUESTS.inlined(schema)
    valid = jsonschema.Draft4Validator(whole).is_valid
    # the structure is drawn here, loosely; the whole schema has the last word
    return _values(_key(whole)).filter(valid)


# Objects, unions and arrays are drawn here, and only scalars by hypothesis-jsonschema.
# Given a whole body, it merges and canonicalises subschemas again at every draw (a
# second per message body), and its object drawing calls ``many().more()``, which
# hypothesis 6.170 removed; scalars need neither.

_EXTRA_KEYS: Final = st.dictionaries(
    st.sampled_from(["x", "extra", "zz_unknown"]),
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=5),
    max_size=2,
)


@functools.cache
def _values(text: str) -> st.SearchStrategy[Any]:
    """Values of an inlined schema, given as JSON text (so that it can be cached)."""
    return st.one_of([_one(alternative) for alternative in _alternatives(json.loads(text))])


def _alternatives(schema: Any) -> list[Any]:
    """The schemas ``schema`` is a union of, each with its ``allOf`` merged in."""
    if not isinstance(schema, dict):
        return [schema]
    parts = [[{k: v for k, v in schema.items() if k not in ("anyOf", "allOf")}]]
    if "anyOf" in schema:
        parts.append([alt for branch in schema["anyOf"] for alt in _alternatives(branch)])
    parts.extend(_alternatives(member) for member in schema.get("allOf", ()))
    found = []
    for combination in itertools.product(*parts):
        merged: Any = {}
        for part in combination:
            merged = _merge(merged, part)
        if merged is not None:
            found.append(merged)
    return found


def _merge(left: Any, right: Any) -> Any:
    """One schema for two that must both hold (None: none can)."""
    if left is None or right is None:
        return None
    out = dict(left)
    for key, value in right.items():
        if key not in out or out[key] == value:
            out[key] = value
        elif key == "properties":
            properties = dict(out[key])
            for name, sub in value.items():
                properties[name] = {"allOf": [properties[name], sub]} if name in properties else sub
            out[key] = properties
        elif key == "required":
            out[key] = sorted({*out[key], *value})
        elif key == "enum":
            out[key] = [item for item in out[key] if item in value]
        elif key == "type":
            return None
        else:  # left to hypothesis-jsonschema (a scalar) or to the final check
            out["allOf"] = [*out.get("allOf", ()), {key: value}]
    return out


def _one(schema: Any) -> st.SearchStrategy[Any]:
    from hypothesis_jsonschema import from_schema

    if not isinstance(schema, dict):
        return from_schema(schema)
    if schema.get("type") == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        values = {name: _property(name, properties.get(name, {})) for name in properties}
        drawn = st.fixed_dictionaries(
            {name: values.get(name, st.none()) for name in sorted(required)},
            optional={name: value for name, value in values.items() if name not in required},
        )
        if schema.get("additionalProperties") is not False:
            extra = _EXTRA_KEYS.map(lambda d: {k: v for k, v in d.items() if k not in properties})
            drawn = st.tuples(drawn, extra).map(lambda pair: {**pair[1], **pair[0]})
        return drawn
    if schema.get("type") == "array":
        low = schema.get("minItems", 0)
        high = min(schema.get("maxItems", low + 3), low + 3)
        return st.lists(
            _values(_key(schema.get("items", {}))),
            min_size=low,
            max_size=high,
            unique_by=_key if schema.get("uniqueItems") else None,
        )
    if "type" not in schema and "enum" not in schema:
        return st.none() | st.booleans() | st.integers() | st.text(max_size=10)
    return from_schema(schema, allow_x00=False)


def _property(name: str, schema: Any) -> st.SearchStrategy[Any]:
    """A property's values, naming seeded state now and then when its name says it can."""
    known = [*NAMED_VALUES.get(name, ()), *(UPCOMING if name in NAMED_VALUES else ())]
    values = _values(_key(schema))
    return st.sampled_from(known) | values if known else values


def _key(schema: Any) -> str:
    return json.dumps(schema, sort_keys=True)


_MULTIPART: Final = (
    b"--fuzz\r\n"
    b'Content-Disposition: form-data; name="source"; filename="a.png"\r\n'
    b"Content-Type: image/png\r\n\r\n\x89PNG\r\n"
    b"--fuzz--\r\n"
)
_AUTH: Final = "Basic " + base64.b64encode(b"app_fake_key:fake-secret").decode()


@st.composite
def requests(draw: st.DrawFn, operation_id: str) -> FakeRequest:
    """A request the spec allows for ``operation_id``."""
    method, path, operation, parameters = OPERATIONS[operation_id]
    headers = {"authorization": _AUTH}
    body = b""
    content = operation.get("requestBody", {}).get("content", {})
    if json_body_schema(operation_id) is not None:
        if operation["requestBody"].get("required") or draw(st.booleans()):
            body = json.dumps(draw(body_strategy(operation_id))).encode()
            headers["content-type"] = "application/json"
    elif "multipart/form-data" in content:
        body = _MULTIPART
        headers["content-type"] = "multipart/form-data; boundary=fuzz"
    return FakeRequest(
        method=method,
        path=draw(_path(path, parameters)),
        query=draw(_query(parameters)),
        headers=headers,
        body=body,
    )


# --- the checks ----------------------------------------------------------------------------

#: event type -> its schema (an event schema's title is its type)
_EVENT_SCHEMAS: Final = {
    schema["title"]: {"$ref": _REF + name}
    for name, schema in _SCHEMAS.items()
    if ":" in schema.get("title", "")
}


def check_answer(operation_id: str, response: FakeResponse) -> None:
    """The answer is one the spec allows for the operation."""
    assert response.status in documented(operation_id) | GENERIC_STATUSES, response
    if not 200 <= response.status < 300:
        return
    schema = response_schema(operation_id, response.status)
    if schema is None:
        assert response.body == b"", response
        return
    body = json.loads(response.body)
    assert RESPONSES.problems(schema, body) == [], body
    # the envelope the schema names is always whole (``{"integration": {...}}``, never
    # ``{}``): the spec marks none of it required, yet every example carries it all
    assert set(envelope(schema)) <= set(body), body
    # nothing the spec does not name comes back (an unknown key sent, say)
    assert RESPONSES.undeclared(RESPONSES.convert(schema), body) == set(), body


def envelope(schema: Mapping[str, Any]) -> list[str]:
    """The top-level properties of a response schema (through ``$ref`` and ``allOf``)."""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return envelope(_SCHEMAS[ref.removeprefix(_REF)])
    names = list(schema.get("properties", ()))
    for member in schema.get("allOf", ()):
        names += envelope(member)
    return names


def check_deliveries(world: World) -> None:
    """Each webhook event made is valid by its type's schema, and holds only what it names."""
    for delivery in world.fake.deliveries:
        for event in delivery.json()["events"]:
            schema = _EVENT_SCHEMAS[event["type"]]
            assert RESPONSES.problems(schema, event) == [], event
            assert RESPONSES.undeclared(RESPONSES.convert(schema), event) == set(), event


# --- the properties ------------------------------------------------------------------------


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
@_FUZZ
@given(data=st.data())
def test_answers_follow_the_spec(operation_id: str, data: st.DataObject) -> None:
    """Any request the spec allows gets a documented status and a body the spec allows."""
    world = World()
    response = world.send(data.draw(requests(operation_id), label="request"))
    check_answer(operation_id, response)
    check_deliveries(world)


_ANY_REQUEST: Final = st.sampled_from(sorted(OPERATIONS)).flatmap(
    lambda operation_id: st.tuples(st.just(operation_id), requests(operation_id))
)


@settings(_FUZZ, max_examples=150)
@given(steps=st.lists(_ANY_REQUEST, min_size=2, max_size=6))
def test_sequences_follow_the_spec(steps: list[tuple[str, FakeRequest]]) -> None:
    """Requests one after another on one fake: each answer follows the spec."""
    world = World()
    for operation_id, request in steps:
        check_answer(operation_id, world.send(request))
    check_deliveries(world)


@pytest.mark.parametrize(
    "operation_id", sorted(op for op in OPERATIONS if json_body_schema(op) is not None)
)
@_FUZZ
@given(data=st.data())
def test_the_spec_s_bodies_pass_the_fake_s_check(operation_id: str, data: st.DataObject) -> None:
    """A body drawn from the spec's schema passes the fake's own request check."""
    body = data.draw(body_strategy(operation_id), label="body")
    assert request_problems(operation_id, body) == [], body


def test_answers_forbid_every_write_only_property() -> None:
    """Each property the spec marks writeOnly is one the answer schemas here refuse."""
    found = [
        (name, prop)
        for name, schema in _SCHEMAS.items()
        for part in (schema, *schema.get("allOf", ()))
        for prop, sub in part.get("properties", {}).items()
        if sub.get("writeOnly") is True
    ]
    assert ("author", "userExternalId") in found
    assert ("author", "brandId") in found
    for name, prop in found:
        instance = {"type": "user", prop: "x"} if name == "author" else {prop: "x"}
        problems = RESPONSES.problems({"$ref": _REF + name}, instance)
        assert any(problem.startswith(f"['{prop}']") for problem in problems), (name, prop)
