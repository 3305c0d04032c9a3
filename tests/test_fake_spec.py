"""The fake against the official spec: every operation routed, every answer valid.

Each operation of the generated table is called on the fake with a valid request, and
its answer is checked against the spec's response schema with jsonschema, never with
the SDK's models. Then the stateful resources are walked through the SDK.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

import sunshine_async
from sunshine_async._generated.operations import OPERATIONS
from sunshine_async.testing import FakeSunshine
from sunshine_async.testing._core import STATEFUL_OPERATIONS
from sunshine_async.testing._spec import (
    SPEC,
    example_response,
    request_problems,
    response_problems,
)

pytestmark = pytest.mark.anyio

APP = "5d8cff3cd55b040010928b5b"
USER = "steveb@example.com"


def _examples(operation_id: str) -> list[Any]:
    """The spec's own request examples of an operation, resolved."""
    for item in SPEC["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict) or operation.get("operationId") != operation_id:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            examples = content.get("application/json", {}).get("examples", {})
            found = []
            for example in examples.values():
                ref = example.get("$ref")
                named = SPEC["components"]["examples"][ref.rsplit("/", 1)[-1]] if ref else example
                found.append(copy.deepcopy(named["value"]))
            return found
    raise KeyError(operation_id)


class World:
    """A fake seeded with one of everything the stateful operations need."""

    def __init__(self) -> None:
        self.fake = fake = FakeSunshine()
        self.user = fake.add_user(APP, external_id=USER, profile={"email": "steve@example.com"})
        self.whatsapp = fake.add_integration(APP, "whatsapp")
        self.custom = fake.add_integration(
            APP, "custom", webhooks=[{"target": "https://example.com/hook", "triggers": ["*"]}]
        )
        self.conversation = fake.add_conversation(APP, self.user)
        (self.client,) = fake.add_clients(APP, self.user, 1)
        (_sdk,) = fake.add_clients(APP, self.user, 1, type="sdk")
        self.device = fake._store.devices(APP, self.user)[0]["id"]
        with fake._lock:
            store = fake._store
            self.message = store.post_message(
                APP,
                self.conversation,
                {
                    "author": {"type": "user", "userId": self.user},
                    "content": {"type": "text", "text": "hi"},
                },
            )["id"]
            self.webhook = store.create_webhook(
                APP, self.custom, {"target": "https://example.com/h", "triggers": ["client:add"]}
            )["id"]
            store.take_events()

    def path(self, operation_id: str) -> str:
        op = OPERATIONS[operation_id]
        values = {
            "appId": APP,
            "userIdOrExternalId": USER,
            "clientId": str(self.client.id),
            "deviceId": self.device,
            "conversationId": self.conversation,
            "messageId": self.message,
            "integrationId": self.custom,
            "webhookId": self.webhook,
            "keyId": "app_5d8cff3cd55b040010928b5b",
            "switchboardId": "5d8cff3cd55b040010928b5b",
            "switchboardIntegrationId": "5d8cff3cd55b040010928b5b",
            "zendeskId": "35436",
        }
        path = op.path
        for name in op.path_params:
            path = path.replace("{" + name + "}", values[name])
        return path

    def body(self, operation_id: str) -> Any:
        bodies: dict[str, Any] = {
            "CreateApp": {"displayName": "My App"},
            "UpdateApp": {"displayName": "Renamed"},
            "CreateAppKey": {"displayName": "key"},
            "DeleteAttachment": {"mediaUrl": "https://example.com/a.pdf"},
            "CreateConversation": {"type": "personal", "participants": [{"userId": self.user}]},
            "UpdateConversation": {"displayName": "Support"},
            "JoinConversation": {"userExternalId": USER},
            "LeaveConversation": {"userId": self.user},
            "PostMessage": {
                "author": {"type": "business"},
                "content": {"type": "text", "text": "Hi"},
            },
            "PassControl": {"switchboardIntegration": "next"},
            "OfferControl": {"switchboardIntegration": "next"},
            "ReleaseControl": {},
            "AcceptControl": {},
            "CreateIntegration": {
                "type": "custom",
                "webhooks": [{"target": "https://example.com/hook", "triggers": ["*"]}],
            },
            "CreateCustomIntegrationKey": {"displayName": "key"},
            "CreateWebhook": {"target": "https://example.com/h2", "triggers": ["client:add"]},
            "UpdateWebhook": {"target": "https://example.com/h3"},
            "UpdateSwitchboard": {"enabled": True},
            "CreateUser": {"externalId": "new-user", "profile": {"givenName": "New"}},
            "UpdateUser": {"profile": {"surname": "B"}},
            "SyncUser": {},
            "GetToken": {
                "code": "1",
                "grant_type": "authorization_code",
                "client_id": "c",
                "client_secret": "s",
            },
        }
        if operation_id in bodies:
            return bodies[operation_id]
        examples = _examples(operation_id)
        return examples[0] if examples else {}

    def query(self, operation_id: str) -> dict[str, str]:
        return {
            "ListConversations": {"filter[userExternalId]": USER},
            "ListUsers": {"filter[identities.email]": "steve@example.com"},
            "UploadAttachment": {"access": "public"},
            "Authorize": {"client_id": "c", "response_type": "code"},
        }.get(operation_id, {})


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
async def raw(world: World) -> AsyncIterator[httpx.AsyncClient]:
    fake = world.fake
    async with httpx.AsyncClient(
        transport=fake.transport(), base_url=fake.base_url, auth=(fake.key_id, fake.secret)
    ) as client:
        yield client


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
async def test_every_operation_answers_by_the_spec(
    world: World, raw: httpx.AsyncClient, operation_id: str
) -> None:
    """A valid call of any operation gets the spec's status and a body its schema accepts."""
    op = OPERATIONS[operation_id]
    kwargs: dict[str, Any] = {"params": world.query(operation_id)}
    if op.body_kind == "json":
        kwargs["json"] = world.body(operation_id)
    elif op.body_kind == "multipart":
        kwargs["files"] = {"source": ("a.png", b"\x89PNG", "image/png")}
    response = await raw.request(op.method, world.path(operation_id), **kwargs)
    if operation_id == "Authorize":
        assert response.status_code == 302
        assert response.headers["location"].startswith("https://example.org")
        return
    assert response.status_code == op.status, response.text
    assert response_problems(operation_id, op.status, response.json()) == []


def test_stateful_operations() -> None:
    """Exactly the operations of the resources the contract names are kept in memory."""
    stateful_tags = {
        "Apps",
        "Users",
        "Clients",
        "Devices",
        "Conversations",
        "Participants",
        "Messages",
        "Integrations",
        "Webhooks",
    }
    by_tag = {
        operation["operationId"]
        for item in SPEC["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and stateful_tags & set(operation.get("tags", ()))
    }
    # these three reach outside systems (Zendesk, Meta): the fake answers the example
    assert by_tag - {"SyncUser", "DownloadMessageRef", "PostConversionEvents"} == (
        STATEFUL_OPERATIONS
    )


@pytest.mark.parametrize(
    ("operation_id", "example"),
    [
        pytest.param(op_id, example, id=f"{op_id}-{i}")
        for op_id in sorted(OPERATIONS)
        for i, example in enumerate(_examples(op_id))
    ],
)
def test_spec_request_examples_are_accepted(operation_id: str, example: Any) -> None:
    """The request checks accept every request example of the spec."""
    assert request_problems(operation_id, example) == []


@pytest.mark.parametrize(
    ("operation_id", "body", "title"),
    [
        ("CreateApp", {}, "should have required property 'displayName'"),
        ("CreateUser", {"externalId": 5}, "externalId should be string"),
        (
            "CreateConversation",
            {"type": "group"},
            "type should be equal to one of the allowed values",
        ),
        (
            "PostMessage",
            {"author": {"type": "business"}, "content": {"type": "text", "text": "x" * 4097}},
            "content.text should NOT be longer than 4096 characters",
        ),
        (
            "PostMessage",
            {
                "author": {"type": "business", "avatarUrl": "not a url"},
                "content": {"type": "text", "text": "x"},
            },
            'author.avatarUrl should match format "uri"',
        ),
        (
            "CreateWebhook",
            {"target": "https://example.com"},
            "should have required property 'triggers'",
        ),
        (
            "CreateIntegration",
            {"type": "carrier-pigeon"},
            "type should be equal to one of the allowed values",
        ),
    ],
)
async def test_refusals_read_like_the_api(
    world: World, raw: httpx.AsyncClient, operation_id: str, body: Any, title: str
) -> None:
    """A body the spec refuses is a 400 whose title reads like the API's (ajv) wording."""
    op = OPERATIONS[operation_id]
    response = await raw.request(op.method, world.path(operation_id), json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0] == {"code": "bad_request", "title": title}


@pytest.mark.parametrize(
    ("operation_id", "query"),
    [
        ("ListConversations", {}),
        ("ListConversations", {"filter[userId]": "a", "filter[userExternalId]": "b"}),
        ("ListUsers", {}),
    ],
)
async def test_required_filters(
    world: World, raw: httpx.AsyncClient, operation_id: str, query: dict[str, str]
) -> None:
    """A list whose required filter is missing (or doubled) is 'Invalid query parameters'."""
    response = await raw.get(world.path(operation_id), params=query)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "bad_request", "title": "Invalid query parameters"}
    ]


@pytest.mark.parametrize(
    ("operation_id", "param", "code"),
    [
        ("GetApp", "appId", "app_not_found"),
        ("GetUser", "userIdOrExternalId", "user_not_found"),
        ("GetConversation", "conversationId", "conversation_not_found"),
        ("GetIntegration", "integrationId", "integration_not_found"),
        ("GetDevice", "deviceId", "device_not_found"),
        ("GetWebhook", "webhookId", "not_found"),
        ("DeleteMessage", "messageId", "not_found"),
        ("RemoveClient", "clientId", "client_not_found"),
    ],
)
async def test_unknown_ids(
    world: World, raw: httpx.AsyncClient, operation_id: str, param: str, code: str
) -> None:
    """An unknown id is a 404 with the API's code for what is missing, valid by the spec."""
    op = OPERATIONS[operation_id]
    segments = world.path(operation_id).split("/")
    segments[op.path.split("/").index("{" + param + "}")] = "0" * 24
    response = await raw.request(op.method, "/".join(segments))
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == code
    assert response_problems(operation_id, 404, response.json()) == []


async def test_webhooks_only_on_custom_integrations(world: World, raw: httpx.AsyncClient) -> None:
    """Webhooks belong to custom integrations: elsewhere the API answers 403."""
    path = f"/v2/apps/{APP}/integrations/{world.whatsapp}/webhooks"
    response = await raw.post(path, json={"target": "https://example.com", "triggers": ["*"]})
    assert response.status_code == 403


def test_example_response_is_a_copy() -> None:
    """Changing an answer never changes the spec's example for the next one."""
    first = example_response("ListClients", 200)
    first["clients"].clear()
    assert example_response("ListClients", 200)["clients"]


# --- the stateful resources, through the SDK -------------------------------------------


async def test_users_lifecycle(world: World) -> None:
    """Users: create, get by external id, update, find by email, delete."""
    async with world.fake.session() as session:
        users = session.apps[APP].users
        created = await users.create(
            external_id="jane@example.com", profile={"givenName": "Jane", "email": "jane@x.io"}
        )
        fetched = await users.get("jane@example.com")
        assert fetched.id == created.id
        updated = await users.update("jane@example.com", profile={"surname": "Doe"})
        assert updated.profile is not None
        assert (updated.profile.given_name, updated.profile.surname) == ("Jane", "Doe")
        found = [user.id async for user in users.list(email="jane@x.io")]
        assert found == [created.id]
        with pytest.raises(sunshine_async.ConflictError):
            await users.create(external_id="jane@example.com")
        await users.delete("jane@example.com")
        with pytest.raises(sunshine_async.NotFoundError) as caught:
            await users.get("jane@example.com")
        assert caught.value.code == "user_not_found"


async def test_conversations_participants_messages(world: World) -> None:
    """Conversations with their participants and messages, by the SDK's navigation."""
    async with world.fake.session() as session:
        app = session.apps[APP]
        other = await app.users.create(external_id="other")
        conv = await app.conversations.create(
            type="sdkGroup", participants=[{"userExternalId": USER}]
        )
        assert conv.id is not None
        listed = [c.id async for c in app.conversations.list(user_external_id=USER)]
        assert conv.id in listed
        assert world.conversation in listed
        assert [c.id async for c in app.conversations.list(user_id=str(other.id))] == []
        here = app.conversations[conv.id]
        await here.participants.join(user_id=str(other.id))
        assert len([p async for p in here.participants.list()]) == 2
        await here.participants.leave(user_id=str(other.id))
        assert [p.user_id async for p in here.participants.list()] == [world.user]
        for text in ("one", "two", "three"):
            await here.messages.post(
                author={"type": "business"}, content={"type": "text", "text": text}
            )
        texts = [m.content.text async for m in here.messages.list()]  # type: ignore[union-attr]
        assert texts == ["one", "two", "three"]
        updated = await app.conversations.update(conv.id, display_name="Help")
        assert updated.display_name == "Help"
        await here.messages.delete_all()
        assert [m async for m in here.messages.list()] == []
        await app.conversations.delete(conv.id)
        with pytest.raises(sunshine_async.NotFoundError):
            await app.conversations.get(conv.id)


async def test_integrations_and_webhooks(world: World) -> None:
    """Integrations filtered by type; webhooks created with a secret, listed, deleted."""
    async with world.fake.session() as session:
        integrations = session.apps[APP].integrations
        kinds = [i.type async for i in integrations.list(types=["whatsapp", "twilio"])]
        assert kinds == ["whatsapp"]
        hooks = integrations[world.custom].webhooks
        hook = await hooks.create(
            target="https://example.com/hooks", triggers=["client:add", "client:remove"]
        )
        assert hook.secret
        assert hook.id in [h.id async for h in hooks.list()]
        await hooks.delete(str(hook.id))
        assert hook.id not in [h.id async for h in hooks.list()]
        await integrations.delete(world.whatsapp)
        assert [i.type async for i in integrations.list(types=["whatsapp"])] == []


async def test_devices(world: World) -> None:
    """An sdk client comes with a device, listed and fetched by id."""
    async with world.fake.session() as session:
        devices = session.apps[APP].users[USER].devices
        listed = [d async for d in devices.list()]
        assert [d.id for d in listed] == [world.device]
        assert (await devices.get(world.device)).id == world.device


async def test_apps(world: World) -> None:
    """Apps: create, list (paginated), update, delete."""
    async with world.fake.session() as session:
        created = await session.apps.create(display_name="Second")
        assert [a.id async for a in session.apps.list()] == [APP, created.id]
        renamed = await session.apps.update(str(created.id), display_name="Renamed")
        assert renamed.display_name == "Renamed"
        await session.apps.delete(str(created.id))
        assert [a.id async for a in session.apps.list()] == [APP]


def test_answers_are_plain_json(world: World) -> None:
    """The core renders plain JSON: no SDK model appears in the fake's answers."""
    from sunshine_async.testing._core import FakeRequest

    credentials = f"{world.fake.key_id}:{world.fake.secret}".encode()
    header = "Basic " + base64.b64encode(credentials).decode()
    request = FakeRequest(
        method="GET",
        path=f"/v2/apps/{APP}/users/{USER.replace('@', '%40')}/clients",
        headers={"authorization": header},
    )
    response = world.fake.handle(request)
    assert response.status == 200
    assert json.loads(response.body)["clients"][0]["id"] == world.client.id
    assert response.operation_id == "ListClients"
