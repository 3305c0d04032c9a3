"""Every /v2 operation of the official spec, called as a user would, checked against the spec.

The oracle is the vendored OpenAPI document read directly (`tests._spec_oracle`) and
the hand-written table `CALLS` below: how a user reaches each operation, written from
the README and api-surface.md, not from the generator's table. For each operation:

- the request: each request example of the spec (or a minimal valid body built from
  its schema) is passed once as snake_case keyword fields and once as one mapping in
  the API's JSON shape; the request that reaches the (respx) network must have the
  spec's method and path, only query parameters the operation knows (valid, required
  ones present) and a JSON body valid against the body schema and equal to what was
  given;
- the response: each 2xx example of the spec is answered, and the method must return
  what its annotation says, with the example's values in it (a list: every item).

``CENSUS`` says which operations each direction covers; a test asserts 65 of 65.
"""

from __future__ import annotations

import inspect
import json
import re
import typing
import urllib.parse
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import attrs
import httpx
import pytest
import respx

import sunshine_async
from sunshine_async import Session

from . import _spec_oracle as oracle

BASE_URL = "https://api.smooch.io"
BRAND = "9477922990333"
CONVERSATION = "029c31f25a21b47effd7be90"
USER_ID = "42589ad070d43be9b00ff7e5"

#: Path values: plain ids, none needing percent-encoding (one test below covers that).
IDS: dict[str, str] = {
    "appId": "5d8cff3cd55b040010928b5b",
    "keyId": "5d8cff3cd55b040010928b5c",
    "conversationId": CONVERSATION,
    "messageId": "5f748c1a2b5315fc007e7977",
    "integrationId": "5e4af71a81966cfff3ef6550",
    "webhookId": "5e554d2cac66fb73a3c01871",
    "switchboardId": "5ef21b132f21af34f088530d",
    "switchboardIntegrationId": "5ef21b86e933b7355c11c604",
    "userIdOrExternalId": USER_ID,
    "clientId": "67a0ee38f0305f4a391e9def",
    "deviceId": "5d9b870dda96abc332625ccc",
    "zendeskId": "35436",
}

OPERATIONS = oracle.operations()
Path = Mapping[str, str]


# --- how a user calls each operation (hand-written) ----------------------------------


@dataclass(frozen=True)
class Call:
    """How a user reaches one operation, and what the call is given besides its body.

    ``method`` navigates from a Session to the bound method; the path values named in
    ``ids`` come first, positionally, then ``args`` (the file of an upload), then the
    body (one mapping, or keyword fields); ``options`` are the other keyword arguments
    (filters, brand), and ``query`` what they must put in the query string.
    """

    method: Callable[[Session, Path], Callable[..., Any]]
    ids: tuple[str, ...] = ()
    args: tuple[Any, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)


def _named(owner: object, name: str) -> Callable[..., Any]:
    """A method that may not exist yet, looked up by name so that the table type-checks."""
    method: Callable[..., Any] = getattr(owner, name)
    return method


def _app(s: Session, p: Path) -> Any:
    return s.apps[p["appId"]]


def _user(s: Session, p: Path) -> Any:
    """A brand-separated user, as the README addresses one."""
    return s.apps[p["appId"]].user(p["userIdOrExternalId"], brand_id=BRAND)


def _conversation(s: Session, p: Path) -> Any:
    return s.apps[p["appId"]].conversations[p["conversationId"]]


def _integration(s: Session, p: Path) -> Any:
    return s.apps[p["appId"]].integrations[p["integrationId"]]


def _switchboard(s: Session, p: Path) -> Any:
    return s.apps[p["appId"]].switchboards[p["switchboardId"]]


_BRAND_QUERY = {"brandId": BRAND}

CALLS: dict[str, Call] = {
    # apps
    "CreateApp": Call(lambda s, p: s.apps.create),
    "ListApps": Call(
        lambda s, p: s.apps.list,
        options={"service_account_id": "sa_1"},
        query={"filter[serviceAccountId]": "sa_1"},
    ),
    "GetApp": Call(lambda s, p: s.apps.get, ids=("appId",)),
    "UpdateApp": Call(lambda s, p: s.apps.update, ids=("appId",)),
    "DeleteApp": Call(lambda s, p: s.apps.delete, ids=("appId",)),
    # app keys
    "CreateAppKey": Call(lambda s, p: _app(s, p).keys.create),
    "ListAppKeys": Call(lambda s, p: _app(s, p).keys.list),
    "GetAppKey": Call(lambda s, p: _app(s, p).keys.get, ids=("keyId",)),
    "DeleteAppKey": Call(lambda s, p: _app(s, p).keys.delete, ids=("keyId",)),
    # attachments
    "UploadAttachment": Call(
        lambda s, p: _app(s, p).attachments.upload,
        args=(b"%PDF-1.4 hello",),
        options={"for_": "message", "conversation_id": CONVERSATION},
        query={"access": "public", "for": "message", "conversationId": CONVERSATION},
    ),
    "DeleteAttachment": Call(lambda s, p: _app(s, p).attachments.delete),
    # conversations
    "CreateConversation": Call(lambda s, p: _app(s, p).conversations.create),
    "ListConversations": Call(
        lambda s, p: _app(s, p).conversations.list,
        options={"user_id": USER_ID},
        query={"filter[userId]": USER_ID},
    ),
    "GetConversation": Call(lambda s, p: _app(s, p).conversations.get, ids=("conversationId",)),
    "UpdateConversation": Call(
        lambda s, p: _app(s, p).conversations.update, ids=("conversationId",)
    ),
    "DeleteConversation": Call(
        lambda s, p: _app(s, p).conversations.delete, ids=("conversationId",)
    ),
    # participants
    "JoinConversation": Call(lambda s, p: _conversation(s, p).participants.join),
    "ListParticipants": Call(lambda s, p: _conversation(s, p).participants.list),
    "LeaveConversation": Call(lambda s, p: _conversation(s, p).participants.leave),
    # messages
    "PostMessage": Call(lambda s, p: _conversation(s, p).messages.post),
    "ListMessages": Call(lambda s, p: _conversation(s, p).messages.list),
    "DeleteAllMessages": Call(lambda s, p: _conversation(s, p).messages.delete_all),
    "DeleteMessage": Call(lambda s, p: _conversation(s, p).messages.delete, ids=("messageId",)),
    # what is done in one conversation
    "PostActivity": Call(lambda s, p: _conversation(s, p).post_activity),
    "PassControl": Call(lambda s, p: _conversation(s, p).pass_control),
    "ReleaseControl": Call(lambda s, p: _conversation(s, p).release_control),
    "OfferControl": Call(lambda s, p: _conversation(s, p).offer_control),
    "AcceptControl": Call(lambda s, p: _conversation(s, p).accept_control),
    "DownloadMessageRef": Call(lambda s, p: _conversation(s, p).download_message_ref),
    "PostConversionEvents": Call(lambda s, p: _conversation(s, p).post_conversion_events),
    # integrations
    "CreateIntegration": Call(lambda s, p: _app(s, p).integrations.create),
    "ListIntegrations": Call(
        lambda s, p: _app(s, p).integrations.list,
        options={"types": ["whatsapp", "twilio"]},
        query={"filter[types]": "whatsapp,twilio"},
    ),
    "GetIntegration": Call(lambda s, p: _app(s, p).integrations.get, ids=("integrationId",)),
    "UpdateIntegration": Call(lambda s, p: _app(s, p).integrations.update, ids=("integrationId",)),
    "DeleteIntegration": Call(lambda s, p: _app(s, p).integrations.delete, ids=("integrationId",)),
    # a custom integration's keys
    "CreateCustomIntegrationKey": Call(lambda s, p: _integration(s, p).keys.create),
    "ListCustomIntegrationKeys": Call(lambda s, p: _integration(s, p).keys.list),
    "GetCustomIntegrationKey": Call(lambda s, p: _integration(s, p).keys.get, ids=("keyId",)),
    "DeleteCustomIntegrationKey": Call(lambda s, p: _integration(s, p).keys.delete, ids=("keyId",)),
    # webhooks
    "CreateWebhook": Call(lambda s, p: _integration(s, p).webhooks.create),
    "ListWebhooks": Call(lambda s, p: _integration(s, p).webhooks.list),
    "GetWebhook": Call(lambda s, p: _integration(s, p).webhooks.get, ids=("webhookId",)),
    "UpdateWebhook": Call(lambda s, p: _integration(s, p).webhooks.update, ids=("webhookId",)),
    "DeleteWebhook": Call(lambda s, p: _integration(s, p).webhooks.delete, ids=("webhookId",)),
    # switchboards
    "CreateSwitchboard": Call(lambda s, p: _app(s, p).switchboards.create),
    "ListSwitchboards": Call(lambda s, p: _app(s, p).switchboards.list),
    "UpdateSwitchboard": Call(lambda s, p: _app(s, p).switchboards.update, ids=("switchboardId",)),
    "DeleteSwitchboard": Call(lambda s, p: _app(s, p).switchboards.delete, ids=("switchboardId",)),
    "CreateSwitchboardIntegration": Call(lambda s, p: _switchboard(s, p).integrations.create),
    "ListSwitchboardIntegrations": Call(lambda s, p: _switchboard(s, p).integrations.list),
    "UpdateSwitchboardIntegration": Call(
        lambda s, p: _switchboard(s, p).integrations.update, ids=("switchboardIntegrationId",)
    ),
    "DeleteSwitchboardIntegration": Call(
        lambda s, p: _switchboard(s, p).integrations.delete, ids=("switchboardIntegrationId",)
    ),
    # users
    "CreateUser": Call(lambda s, p: _app(s, p).users.create),
    "ListUsers": Call(
        lambda s, p: _app(s, p).users.list,
        options={"brand_id": BRAND, "email": "steveb@example.com"},
        query={"brandId": BRAND, "filter[identities.email]": "steveb@example.com"},
    ),
    "GetUser": Call(
        lambda s, p: _app(s, p).users.get,
        ids=("userIdOrExternalId",),
        options={"brand_id": BRAND},
        query=_BRAND_QUERY,
    ),
    "UpdateUser": Call(
        lambda s, p: _app(s, p).users.update,
        ids=("userIdOrExternalId",),
        options={"brand_id": BRAND},
        query=_BRAND_QUERY,
    ),
    "DeleteUser": Call(
        lambda s, p: _app(s, p).users.delete,
        ids=("userIdOrExternalId",),
        options={"brand_id": BRAND},
        query=_BRAND_QUERY,
    ),
    "SyncUser": Call(lambda s, p: _app(s, p).users.sync, ids=("zendeskId",)),
    "DeleteUserPersonalInformation": Call(
        lambda s, p: _user(s, p).delete_personal_information, query=_BRAND_QUERY
    ),
    # a user's clients and devices (brand-separated user: brandId on every request)
    "CreateClient": Call(lambda s, p: _user(s, p).clients.create, query=_BRAND_QUERY),
    "ListClients": Call(lambda s, p: _user(s, p).clients.list, query=_BRAND_QUERY),
    "RemoveClient": Call(
        lambda s, p: _user(s, p).clients.remove, ids=("clientId",), query=_BRAND_QUERY
    ),
    "ListDevices": Call(lambda s, p: _user(s, p).devices.list, query=_BRAND_QUERY),
    "GetDevice": Call(lambda s, p: _user(s, p).devices.get, ids=("deviceId",), query=_BRAND_QUERY),
    # the app (and its subdomain) the credentials belong to; no method exists for it
    # yet: this is the name a user would look for, next to session.apps
    "GetTokenInfo": Call(lambda s, p: _named(s, "token_info")),
}


# --- the spec's examples, and the named exceptions to them ---------------------------

#: 2xx examples that break their own schema, the reason, and the value answered instead.
#: The SDK must decode what the schema promises; a broken example would only test
#: how it copes with a server that breaks its contract.
RESPONSE_EXAMPLE_FIXES: dict[tuple[str, str], tuple[str, Callable[[Any], Any]]] = {
    ("PostConversionEvents", "default"): (
        "conversionEvents.datasetId is the number 1234567890123456; the schema says string",
        lambda value: {
            **value,
            "conversionEvents": {
                **value["conversionEvents"],
                "datasetId": str(value["conversionEvents"]["datasetId"]),
            },
        },
    ),
}

#: Request examples that break their own schema (none in v17.12.1; a test keeps it so).
REQUEST_EXAMPLE_FIXES: dict[tuple[str, str], tuple[str, Callable[[Any], Any]]] = {}


def request_bodies(op: oracle.SpecOperation) -> dict[str, Any]:
    """The JSON bodies to send: the spec's examples, else one built from the schema."""
    if op.body_type != "application/json" or op.body_schema is None:
        return {}
    if not op.body_examples:
        return {"minimal": oracle.minimal_instance(op.body_schema, at_least_one=True)}
    bodies = {}
    for name, value in op.body_examples.items():
        fix = REQUEST_EXAMPLE_FIXES.get((op.id, name))
        bodies[name.replace(" ", "_")] = fix[1](value) if fix else value
    return bodies


def _borrowed_example(op: oracle.SpecOperation) -> tuple[str, Any] | None:
    """An example of another operation answering with the very same schema."""
    wanted = op.responses[0].schema
    for other in OPERATIONS.values():
        for response in other.responses:
            if other.id != op.id and response.schema == wanted and response.examples:
                return f"from_{other.id}", next(iter(response.examples.values()))
    return None


def response_examples(op: oracle.SpecOperation) -> dict[str, tuple[int, Any]]:
    """The 2xx answers to give: (status, JSON) by example name.

    An operation whose response has no example (GetTokenInfo) borrows the example of
    an operation answering with the same schema (GetApp).
    """
    found: dict[str, tuple[int, Any]] = {}
    for response in op.responses:
        for name, value in response.examples.items():
            fix = RESPONSE_EXAMPLE_FIXES.get((op.id, name))
            found[name.replace(" ", "_")] = (response.status, fix[1](value) if fix else value)
    if not found and op.responses:
        borrowed = _borrowed_example(op)
        if borrowed is not None:
            found[borrowed[0]] = (op.responses[0].status, borrowed[1])
    return found


def first_answer(op: oracle.SpecOperation) -> tuple[int, Any]:
    answers = response_examples(op)
    return next(iter(answers.values())) if answers else (200, {})


def _request_cases() -> Iterator[Any]:
    for op in OPERATIONS.values():
        bodies = request_bodies(op)
        if bodies:
            for name in bodies:
                for form in ("keywords", "mapping"):
                    yield pytest.param(op.id, name, form, id=f"{op.id}-{name}-{form}")
        elif op.body_type is not None:
            yield pytest.param(op.id, "file", "upload", id=f"{op.id}-file")
        else:
            yield pytest.param(op.id, "", "plain", id=op.id)


def _response_cases() -> Iterator[Any]:
    for op in OPERATIONS.values():
        for name in response_examples(op):
            yield pytest.param(op.id, name, id=f"{op.id}-{name}")


REQUEST_CASES = list(_request_cases())
RESPONSE_CASES = list(_response_cases())
#: Which operations each direction exercises.
CENSUS: dict[str, set[str]] = {
    "request": {case.values[0] for case in REQUEST_CASES},
    "response": {case.values[0] for case in RESPONSE_CASES},
}


# --- talking to the mock ------------------------------------------------------------


class Answers:
    """respx side effect: the example first; then an empty last page; then a refusal."""

    def __init__(self, status: int, payload: Any) -> None:
        self.status = status
        self.payload = payload
        self.requests: list[httpx.Request] = []
        lists = [key for key, value in payload.items() if isinstance(value, list)]
        self.items_key = lists[0] if len(lists) == 1 else None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if len(self.requests) == 1:
            return httpx.Response(self.status, json=self.payload)
        if len(self.requests) == 2 and self.items_key is not None:
            return httpx.Response(200, json={self.items_key: [], "meta": {"hasMore": False}})
        error = {"errors": [{"code": "bad_request", "title": "one request too many"}]}
        return httpx.Response(400, json=error)


@dataclass
class Outcome:
    """What a call gave: an awaited value, or the items of the async iterator returned."""

    iterated: bool
    value: Any


async def perform(call: Call, session: Session, body: Any, form: str) -> Outcome:
    method = call.method(session, IDS)
    args: list[Any] = [IDS[name] for name in call.ids]
    args.extend(call.args)
    kwargs = dict(call.options)
    if form == "mapping":
        args.append(body)
    elif form == "keywords":
        fields = {oracle.snake(key): value for key, value in body.items()}
        assert not set(fields) & set(kwargs), "a body field collides with an option"
        kwargs.update(fields)
    outcome = method(*args, **kwargs)
    if inspect.isawaitable(outcome):
        return Outcome(iterated=False, value=await outcome)
    if hasattr(outcome, "__aiter__"):
        items = []
        async for item in outcome:
            items.append(item)
            if len(items) > 1000:
                break
        return Outcome(iterated=True, value=items)
    return Outcome(iterated=False, value=outcome)


@pytest.fixture
async def session() -> AsyncIterator[Session]:
    async with sunshine_async.Session(key_id="app_x", secret="s", max_retries=0) as opened:
        yield opened


async def exchange(
    session: Session, op_id: str, body: Any, form: str, answer: tuple[int, Any]
) -> tuple[Outcome, list[httpx.Request]]:
    """Call the operation with respx answering ``answer``; the outcome and the requests."""
    answers = Answers(*answer)
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        router.route().mock(side_effect=answers)
        outcome = await perform(CALLS[op_id], session, body, form)
    return outcome, answers.requests


# --- checking a request against the spec ---------------------------------------------


def _typed(text: str, schema: Mapping[str, Any]) -> Any:
    """A query string value as the JSON value its schema means."""
    kind = oracle.resolve(schema).get("type")
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return text
    if kind == "boolean":
        return {"true": True, "false": False}.get(text, text)
    return text


def query_problems(op: oracle.SpecOperation, request: httpx.Request) -> list[str]:
    """What in the query string the spec does not allow."""
    found = []
    pairs = request.url.params.multi_items()
    names = [key for key, _ in pairs]
    found += [f"{key} sent twice" for key in sorted({k for k in names if names.count(k) > 1})]
    params = {param.name: param for param in op.query_params}
    present: dict[str, set[str]] = {}
    for key, value in pairs:
        deep = re.fullmatch(r"([^\[\]]+)\[([^\[\]]+)\]", key)
        name = deep[1] if deep else key
        param = params.get(name)
        if param is None:
            found.append(f"{op.id} has no query parameter {key!r}")
            continue
        schema: Mapping[str, Any] = param.schema
        if deep:
            properties = oracle.merged_properties(param.schema)
            if param.style != "deepObject" or deep[2] not in properties:
                found.append(f"{key!r} is not a key of the query parameter {name!r}")
                continue
            schema = properties[deep[2]]
        present.setdefault(name, set()).add(deep[2] if deep else "")
        found += [f"{key}={value!r}: {p}" for p in oracle.problems(schema, _typed(value, schema))]
    for param in op.query_params:
        if param.required and param.name not in present:
            found.append(f"the required query parameter {param.name!r} is missing")
        if param.name in present and param.style == "deepObject":
            properties = oracle.merged_properties(param.schema)
            for key, sub in properties.items():
                # the spec marks filter[identities.email] with a property-level `required: true`
                if sub.get("required") is True and key not in present[param.name]:
                    found.append(f"{param.name}[{key}] is required")
    return found


def path_problems(op: oracle.SpecOperation, request: httpx.Request, ids: Path) -> list[str]:
    """Whether the request's path is the operation's template, filled with ``ids``."""
    raw = request.url.raw_path.decode("ascii").split("?", 1)[0]
    pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(op.path))
    if not re.fullmatch(pattern, raw):
        return [f"path {raw!r} does not match {op.path!r}"]
    template = op.path.split("/")
    segments = raw.split("/")
    for expected, sent in zip(template, segments, strict=True):
        if expected.startswith("{"):
            value = ids[expected[1:-1]]
            if urllib.parse.unquote(sent) != value:
                return [f"{expected} sent as {sent!r}, not {value!r}"]
    return []


def body_problems(op: oracle.SpecOperation, request: httpx.Request, body: Any) -> list[str]:
    content_type = request.headers.get("content-type", "")
    if op.body_type is None:
        return [] if request.content == b"" else [f"{op.id} takes no body, got some"]
    if op.body_type == "multipart/form-data":
        found = []
        if not content_type.startswith("multipart/form-data; boundary="):
            found.append(f"content-type {content_type!r} is not multipart/form-data")
        assert op.body_schema is not None
        for name in oracle.resolve(op.body_schema).get("required", []):
            if f'name="{name}"'.encode() not in request.content:
                found.append(f"the form has no part {name!r}")
        return found
    assert op.body_schema is not None
    if not content_type.startswith("application/json"):
        return [f"content-type {content_type!r} is not application/json"]
    sent = json.loads(request.content)
    found = [f"body {p}" for p in oracle.problems(op.body_schema, sent)]
    if sent != body:
        found.append(f"sent {json.dumps(sent)[:300]}, given {json.dumps(body)[:300]}")
    return found


def request_problems(
    op: oracle.SpecOperation, request: httpx.Request, body: Any, call: Call
) -> list[str]:
    found = []
    if request.method != op.method:
        found.append(f"method {request.method}, the spec says {op.method}")
    found += path_problems(op, request, IDS)
    found += query_problems(op, request)
    params = dict(request.url.params.multi_items())
    for key, value in call.query.items():
        if params.get(key) != value:
            found.append(f"query {key}={params.get(key)!r}, expected {value!r}")
    found += body_problems(op, request, body)
    return found


# --- checking a result against the example answered ---------------------------------


def return_shape(hint: Any) -> tuple[str, Any]:
    """("none", None), ("items", item type) or ("value", type) from a return annotation."""
    if hint is None or hint is type(None):
        return ("none", None)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return ("items", args[0])
    if origin is not None and hasattr(origin, "__aiter__"):
        return ("items", args[-1])
    if isinstance(hint, type) and hasattr(hint, "__aiter__"):
        for base in getattr(hint, "__orig_bases__", ()):
            if typing.get_args(base):
                return ("items", typing.get_args(base)[-1])
    return ("value", origin or hint)


def _is_datetime_text(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def mismatches(expected: Any, actual: Any, where: str) -> list[str]:
    """Where a decoded value differs from the JSON it came from (keys as snake_case)."""
    if isinstance(expected, dict):
        if attrs.has(type(actual)):
            found = []
            extra = getattr(actual, "extra", None) or {}
            for key, value in expected.items():
                names = [oracle.snake(key), oracle.snake(key) + "_"]
                name = next((n for n in names if n in attrs.fields_dict(type(actual))), None)
                if name is not None:
                    found += mismatches(value, getattr(actual, name), f"{where}.{key}")
                elif key in extra:
                    found += mismatches(value, extra[key], f"{where}.{key}")
                else:
                    found.append(f"{where}.{key}: not on {type(actual).__name__} nor in .extra")
            return found
        if isinstance(actual, Mapping):
            found = []
            for key, value in expected.items():
                if key not in actual:
                    found.append(f"{where}.{key}: missing")
                else:
                    found += mismatches(value, actual[key], f"{where}.{key}")
            return found
        return [f"{where}: expected an object, got {actual!r:.100}"]
    if isinstance(expected, list):
        if not isinstance(actual, Sequence) or isinstance(actual, str):
            return [f"{where}: expected a list, got {actual!r:.100}"]
        if len(actual) != len(expected):
            return [f"{where}: {len(actual)} items, the example has {len(expected)}"]
        found = []
        for index, (one, other) in enumerate(zip(expected, actual, strict=True)):
            found += mismatches(one, other, f"{where}[{index}]")
        return found
    if isinstance(actual, datetime) and isinstance(expected, str):
        parsed = _is_datetime_text(expected)
        return [] if parsed == actual else [f"{where}: {actual!r} is not {expected!r}"]
    if isinstance(expected, bool) != isinstance(actual, bool) or actual != expected:
        return [f"{where}: {actual!r:.100} is not {expected!r:.100}"]
    return []


def payload_key(example: Mapping[str, Any], kind: str) -> str:
    """The key of the example holding what the method returns (an object, or a list)."""
    wanted = list if kind == "items" else dict
    keys = [key for key, value in example.items() if isinstance(value, wanted)]
    assert len(keys) == 1, f"cannot tell which of {sorted(example)} the method returns"
    return keys[0]


# --- the tests -----------------------------------------------------------------------


def test_the_table_covers_exactly_the_specs_operations() -> None:
    assert len(OPERATIONS) == 65
    assert "GetTokenInfo" in OPERATIONS
    assert not oracle.OAUTH_OPERATIONS & set(OPERATIONS)
    assert set(CALLS) == set(OPERATIONS)


def test_census_both_directions_cover_every_operation(capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(
            f"\nconformance census: request {len(CENSUS['request'])}/{len(OPERATIONS)},"
            f" response {len(CENSUS['response'])}/{len(OPERATIONS)}"
            f" ({len(REQUEST_CASES)} request cases, {len(RESPONSE_CASES)} response cases)"
        )
    assert sorted(set(OPERATIONS) - CENSUS["request"]) == []
    assert sorted(set(OPERATIONS) - CENSUS["response"]) == []
    assert len(CENSUS["request"]) == len(CENSUS["response"]) == 65


@pytest.mark.parametrize(
    ("op_id", "name"),
    [
        pytest.param(op.id, name, id=f"{op.id}-{name}")
        for op in OPERATIONS.values()
        for name in request_bodies(op)
    ],
)
def test_each_body_sent_is_valid_against_the_spec(op_id: str, name: str) -> None:
    """The bodies this file sends are themselves valid, examples included."""
    schema = OPERATIONS[op_id].body_schema
    assert schema is not None
    assert oracle.problems(schema, request_bodies(OPERATIONS[op_id])[name]) == []


def test_each_answer_is_valid_against_the_spec() -> None:
    """The 2xx answers given are valid against their schemas (after the named fixes)."""
    for op in OPERATIONS.values():
        for name, (status, value) in response_examples(op).items():
            schema = next(r.schema for r in op.responses if r.status == status)
            if schema is not None:
                assert oracle.problems(schema, value) == [], (op.id, name)
    for (op_id, name), (reason, _) in RESPONSE_EXAMPLE_FIXES.items():
        raw = next(r for r in OPERATIONS[op_id].responses if name in r.examples)
        assert raw.schema is not None
        assert oracle.problems(raw.schema, raw.examples[name]) != [], f"fixed already: {reason}"


def test_the_oracle_refuses_what_the_spec_refuses() -> None:
    """The OpenAPI -> JSON Schema bridge is strict where the spec is."""
    create = OPERATIONS["CreateIntegration"].body_schema
    client = OPERATIONS["CreateClient"].body_schema
    post = OPERATIONS["PostMessage"].body_schema
    assert create is not None
    assert client is not None
    assert post is not None
    assert oracle.problems(create, {"type": "twilio"})  # accountSid, authToken missing
    assert oracle.problems(create, {"type": "nope"})
    assert not oracle.problems(create, {"type": "twilio", "accountSid": "AC1", "authToken": "t"})
    criteria = {"type": "twilio", "integrationId": "i"}  # phoneNumber missing
    target = {"conversationId": CONVERSATION}
    body = {"matchCriteria": criteria, "confirmation": {"type": "immediate"}, "target": target}
    assert oracle.problems(client, body)
    assert oracle.problems(post, {"author": {"type": "business"}, "content": {"type": "list"}})
    assert oracle.problems(post, {"content": {"type": "text", "text": "x"}})


@pytest.mark.anyio
@pytest.mark.parametrize(("op_id", "name", "form"), REQUEST_CASES)
async def test_request_conforms(session: Session, op_id: str, name: str, form: str) -> None:
    op = OPERATIONS[op_id]
    body = request_bodies(op).get(name)
    _, requests = await exchange(session, op_id, body, form, first_answer(op))
    assert requests, "nothing was sent"
    problems = request_problems(op, requests[0], body, CALLS[op_id])
    for later in requests[1:]:  # the next pages of a list
        problems += [f"(page 2) {p}" for p in request_problems(op, later, None, CALLS[op_id])]
    assert problems == []


@pytest.mark.anyio
@pytest.mark.parametrize(("op_id", "name"), RESPONSE_CASES)
async def test_response_decodes(session: Session, op_id: str, name: str) -> None:
    op = OPERATIONS[op_id]
    status, example = response_examples(op)[name]
    bodies = request_bodies(op)
    body = next(iter(bodies.values()), None)
    form = "mapping" if bodies else ("upload" if op.body_type else "plain")
    method = CALLS[op_id].method(session, IDS)
    hint = typing.get_type_hints(method).get("return")
    kind, expected_type = return_shape(hint)
    returns_iterator = hasattr(typing.get_origin(hint) or hint, "__aiter__")
    outcome, _ = await exchange(session, op_id, body, form, (status, example))
    documented = oracle.documents_body(next(r.schema for r in op.responses if r.status == status))
    if kind == "none":
        assert not (documented and example), (
            f"{op_id} is annotated -> None, but the spec documents a JSON body"
            f" ({', '.join(sorted(example))})"
        )
        assert outcome.value is None
        return
    assert outcome.value is not None, f"{op_id} returned None for {json.dumps(example)[:200]}"
    if kind == "items":
        items = outcome.value
        assert isinstance(items, list | tuple), f"{op_id} gave {type(items).__name__}, not items"
        assert outcome.iterated == returns_iterator, f"{op_id} does not return what it says"
        for item in items:
            assert isinstance(item, expected_type), (type(item), expected_type)
        key = payload_key(example, "items")
        assert mismatches(example[key], list(items), key) == []
    else:
        assert not outcome.iterated
        if isinstance(expected_type, type):
            assert isinstance(outcome.value, expected_type)
        key = payload_key(example, "value")
        assert mismatches(example[key], outcome.value, key) == []


@pytest.mark.anyio
async def test_path_values_are_percent_encoded_one_segment_each(session: Session) -> None:
    op = OPERATIONS["GetUser"]
    ids = {**IDS, "userIdOrExternalId": "a b/c?d#e%f@g"}
    answers = Answers(*first_answer(op))
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        router.route().mock(side_effect=answers)
        await session.apps[ids["appId"]].users.get(ids["userIdOrExternalId"])
    (request,) = answers.requests
    assert path_problems(op, request, ids) == []
    assert request.url.raw_path.startswith(
        f"/v2/apps/{IDS['appId']}/users/a%20b%2Fc%3Fd%23e%25f".encode()
    )


def test_the_translated_schemas_are_valid_json_schema() -> None:
    oracle.check_definitions()
