"""The fake against the official spec: every operation routed, every answer valid.

Each operation of the spec is called on the fake with a valid request, and its answer
is checked against the spec's response schema with jsonschema, never with the SDK's
models. The fake reads its routes and answer shapes from the spec, not from the SDK's
generated table, and this is checked too. Then the stateful resources are walked
through the SDK.
"""

from __future__ import annotations

import ast
import base64
import copy
import json
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import sunshine_async
from sunshine_async.testing import FakeSunshine
from sunshine_async.testing._core import STATEFUL_OPERATIONS
from sunshine_async.testing._operations import OPERATIONS
from sunshine_async.testing._spec import (
    SPEC,
    example_response,
    rendered,
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
    # these three reach outside systems (Zendesk, Meta): the fake answers the example;
    # token info answers an app of the store
    outside = {"SyncUser", "DownloadMessageRef", "PostConversionEvents"}
    assert by_tag - outside | {"GetTokenInfo"} == STATEFUL_OPERATIONS


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


# --- the fake reads the spec, not the SDK ----------------------------------------------

PACKAGE = Path(sunshine_async.__file__).resolve().parent
#: what the fake must never be built on: the generator's output and its table's shape
GENERATED = ("sunshine_async._generated", "sunshine_async._operation")
#: the SDK the fake tests: imported only by the helpers that hand back SDK objects
SDK = ("sunshine_async._models", "sunshine_async._converter", "sunshine_async._session")


def _imports(tree: ast.AST) -> list[tuple[ast.stmt, str]]:
    """Every import in a module of ``sunshine_async.testing``, as absolute names."""
    found: list[tuple[ast.stmt, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = "sunshine_async.testing".rsplit(".", node.level - 1)[0]
                base = f"{parent}.{base}" if base else parent
            found += [(node, f"{base}.{alias.name}") for alias in node.names]
    return found


def _run_in_process_without_sdk() -> dict[str, Any]:
    """Serve every operation once, in a fresh interpreter where the SDK cannot load."""
    script = textwrap.dedent(
        """
        import base64, json, sys, types

        # the package itself, without its __init__ (which is the SDK)
        package = types.ModuleType("sunshine_async")
        package.__path__ = [sys.argv[1]]
        sys.modules["sunshine_async"] = package
        for name in sys.argv[2:]:
            sys.modules[name] = None  # importing it now raises ImportError

        from sunshine_async.testing import FakeSunshine
        from sunshine_async.testing._core import FakeRequest
        from sunshine_async.testing._operations import OPERATIONS

        app = "5d8cff3cd55b040010928b5b"
        fake = FakeSunshine()
        fake.add_user(app, external_id="steveb")
        custom = fake.add_integration(app, "custom")
        fake.add_webhook(app, custom, "https://example.com/h")
        names = {
            "appId": app,
            "userIdOrExternalId": "steveb",
            "integrationId": custom,
            "conversationId": fake.add_conversation(app, "steveb"),
        }
        auth = "Basic " + base64.b64encode(b"app_fake_key:fake-secret").decode()
        statuses = {}
        for op in OPERATIONS.values():
            path = op.path
            for name in op.path_params:
                path = path.replace("{" + name + "}", names.get(name, "x"))
            request = FakeRequest(
                method=op.method,
                path=path,
                headers={"authorization": auth, "content-type": "application/json"},
                body=b"{}",
            )
            statuses[op.id] = fake.handle(request).status
        loaded = sorted(n for n, m in sys.modules.items() if n.startswith("sunshine_async.") and m)
        print(json.dumps({"loaded": loaded, "statuses": statuses}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(PACKAGE), *GENERATED, *SDK, "sunshine_async._resources"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


class TestIndependence:
    """The fake is an oracle the generator did not write: it reads the spec itself."""

    def test_no_module_imports_the_generated_code(self) -> None:
        """No module of the fake imports the generated code, at any level."""
        for module in sorted((PACKAGE / "testing").glob("*.py")):
            for node, name in _imports(ast.parse(module.read_text("utf-8"))):
                assert not name.startswith(GENERATED), f"{module.name}:{node.lineno} {name}"

    def test_the_sdk_is_imported_only_where_it_is_handed_back(self) -> None:
        """The SDK's models and session are imported inside the helpers that return them."""
        for module in sorted((PACKAGE / "testing").glob("*.py")):
            tree = ast.parse(module.read_text("utf-8"))
            top_level: list[ast.stmt] = [
                n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)
            ]
            for node, name in _imports(ast.Module(body=top_level, type_ignores=[])):
                assert not name.startswith(SDK), f"{module.name}:{node.lineno} {name}"

    def test_serving_needs_no_sdk(self) -> None:
        """With the generated code and the SDK unloadable, every operation is served."""
        result = _run_in_process_without_sdk()
        assert not [n for n in result["loaded"] if n.startswith((*GENERATED, *SDK))]
        assert set(result["statuses"]) == set(OPERATIONS)
        assert all(status < 500 for status in result["statuses"].values()), result

    def test_the_table_is_the_spec_s(self) -> None:
        """Every operation of the spec is routed, with the spec's own statuses."""
        in_spec = {
            operation["operationId"]: operation
            for item in SPEC["paths"].values()
            for operation in item.values()
            if isinstance(operation, dict) and "operationId" in operation
        }
        assert set(OPERATIONS) == set(in_spec)
        for operation_id, op in OPERATIONS.items():
            assert op.statuses == {int(code) for code in in_spec[operation_id]["responses"]}
        assert OPERATIONS["Authorize"].status == 302
        assert OPERATIONS["CreateIntegration"].status == 201

    @pytest.mark.parametrize(
        ("operation_id", "key", "items"),
        [
            ("GetIntegration", "integration", None),
            ("CreateIntegration", "integration", None),
            ("UpdateIntegration", "integration", None),
            ("PostMessage", "messages", None),
            ("ListClients", None, "clients"),
            ("ListWebhooks", "webhooks", None),
            ("DeleteApp", None, None),
        ],
    )
    def test_result_keys_come_from_the_response_schema(
        self, operation_id: str, key: str | None, items: str | None
    ) -> None:
        """The key an answer holds its result under is the one the spec's schema names."""
        op = OPERATIONS[operation_id]
        assert (op.response_key, op.items_key) == (key, items)

    @pytest.mark.parametrize("method", ["GET", "PATCH"])
    async def test_integration_answers_hold_the_integration(
        self, world: World, raw: httpx.AsyncClient, method: str
    ) -> None:
        """GetIntegration and UpdateIntegration answer {"integration": {...}}, not {}."""
        path = f"/v2/apps/{APP}/integrations/{world.whatsapp}"
        body = {"displayName": "Chat"} if method == "PATCH" else None
        response = await raw.request(method, path, json=body)
        assert response.status_code == 200
        assert response.json()["integration"]["id"] == world.whatsapp

    def test_an_answer_without_example_is_built_from_the_schema(self) -> None:
        """An operation without a response example answers one built from its schema."""
        answer = example_response("GetTokenInfo", 200)
        assert set(answer) == {"app"}
        assert answer["app"]["id"]
        assert response_problems("GetTokenInfo", 200, answer) == []

    async def test_token_info_answers_the_oldest_app(self, raw: httpx.AsyncClient) -> None:
        """Token info answers an app of the store (the key serves all: the oldest)."""
        await raw.post("/v2/apps", json={"displayName": "Later"})
        response = await raw.get("/v2/tokenInfo")
        assert response.status_code == 200
        assert response.json()["app"]["id"] == APP
        assert response.json()["app"]["subdomain"]
        assert response_problems("GetTokenInfo", 200, response.json()) == []


# --- only what the spec names comes back ---------------------------------------------------


def _write_only_properties() -> list[tuple[str, str]]:
    """(schema, property) for each property the spec marks writeOnly."""
    return [
        (name, prop)
        for name, schema in SPEC["components"]["schemas"].items()
        for part in (schema, *schema.get("allOf", ()))
        for prop, sub in part.get("properties", {}).items()
        if sub.get("writeOnly") is True
    ]


class TestWriteOnly:
    """A writeOnly property goes in and never comes back, in an answer or a webhook."""

    async def test_message_author(self, world: World, raw: httpx.AsyncClient) -> None:
        """The author's userExternalId and brandId, and markdownText, stay on the way in."""
        hook = world.fake.add_webhook(APP, world.custom, "https://example.com/m", ["*"])
        path = f"/v2/apps/{APP}/conversations/{world.conversation}/messages"
        body = {
            "author": {"type": "user", "userExternalId": USER, "brandId": "9477922990333"},
            "content": {"type": "text", "text": "hi", "markdownText": "**hi**"},
        }
        posted = await raw.post(path, json=body)
        assert posted.status_code == 201
        listed = (await raw.get(path)).json()["messages"]
        delivered = [
            event["payload"]["message"]
            for delivery in world.fake.deliveries
            if delivery.webhook_id == hook.id
            for event in delivery.json()["events"]
        ]
        for message in [*posted.json()["messages"], listed[-1], *delivered]:
            assert message["author"] == {"type": "user", "userId": world.user}
            assert message["content"] == {"type": "text", "text": "hi"}

    async def test_channel_credentials(self, raw: httpx.AsyncClient) -> None:
        """A channel's keys and tokens are taken, never answered."""
        body = {"type": "android", "privateKey": "pk", "clientEmail": "a@b.c", "senderId": "7"}
        created = await raw.post(f"/v2/apps/{APP}/integrations", json=body)
        assert created.status_code == 201
        integration = created.json()["integration"]
        assert "privateKey" not in integration
        assert "clientEmail" not in integration
        assert integration["senderId"] == "7"
        got = await raw.get(f"/v2/apps/{APP}/integrations/{integration['id']}")
        assert "privateKey" not in got.json()["integration"]

    @pytest.mark.parametrize(("schema", "prop"), _write_only_properties())
    def test_every_write_only_property_is_dropped(self, schema: str, prop: str) -> None:
        """Each writeOnly property of the spec is left out when its schema renders."""
        value = {"type": "android", prop: "secret"} if schema.endswith("Update") else {prop: "x"}
        assert prop not in rendered(schema, value)

    def test_there_are_write_only_properties(self) -> None:
        assert ("author", "userExternalId") in _write_only_properties()
        assert len(_write_only_properties()) > 20


class TestWhatComesBack:
    """Answers hold what the spec names: no echoed unknown key, no server field set by a
    client."""

    async def test_unknown_keys_are_not_echoed(self, raw: httpx.AsyncClient) -> None:
        """A key the schema does not name is not answered back; metadata keeps its own."""
        body = {"displayName": "X", "displayname": "typo", "metadata": {"any": "thing"}}
        answer = (await raw.patch(f"/v2/apps/{APP}", json=body)).json()["app"]
        assert answer["displayName"] == "X"
        assert "displayname" not in answer
        assert answer["metadata"] == {"any": "thing"}

    async def test_subdomain_only_where_the_schema_has_it(self, raw: httpx.AsyncClient) -> None:
        """GetApp answers the subdomain (appResponseWithSubdomain); CreateApp does not."""
        created = (await raw.post("/v2/apps", json={"displayName": "Two"})).json()["app"]
        assert "subdomain" not in created
        got = (await raw.get(f"/v2/apps/{created['id']}")).json()["app"]
        assert got["subdomain"]

    async def test_custom_integration_webhooks_are_made(self, raw: httpx.AsyncClient) -> None:
        """A custom integration's webhooks come back made: id, version and secret."""
        target = "https://example.com/hooks"
        body = {"type": "custom", "webhooks": [{"target": target, "triggers": ["*"]}]}
        made = (await raw.post(f"/v2/apps/{APP}/integrations", json=body)).json()["integration"]
        (hook,) = made["webhooks"]
        assert hook["secret"]
        assert (hook["version"], hook["target"]) == ("v2", target)
        listed = await raw.get(f"/v2/apps/{APP}/integrations/{made['id']}/webhooks")
        assert listed.json()["webhooks"] == [hook]

    async def test_read_only_fields_are_not_taken(self, raw: httpx.AsyncClient) -> None:
        """An integration's id and status are the fake's, whatever the client sent."""
        body = {"type": "whatsapp", "id": "mine", "status": "error", "phoneNumberId": "1"}
        answer = (await raw.post(f"/v2/apps/{APP}/integrations", json=body)).json()
        assert answer["integration"]["id"] != "mine"
        assert answer["integration"]["status"] == "active"


class TestOneOfKeyedBodies:
    """A body of exactly one of some keys (conversion events, leaving a conversation)."""

    @pytest.mark.parametrize(
        ("body", "title"),
        [
            ({"messenger": 5}, "messenger should be object"),
            ({}, "should match exactly one schema in oneOf"),
            ({"foo": 1}, "should match exactly one schema in oneOf"),
            (
                {"messenger": {"payload": {"data": []}}, "whatsapp": {"payload": {"data": []}}},
                "should match exactly one schema in oneOf",
            ),
            (
                {"whatsapp": {"payload": {}}},
                "whatsapp.payload should have required property 'data'",
            ),
        ],
    )
    async def test_conversion_events_refused(
        self, world: World, raw: httpx.AsyncClient, body: dict[str, Any], title: str
    ) -> None:
        """PostConversionEvents refuses what its schema refuses, worded like the API."""
        path = f"/v2/apps/{APP}/conversations/{world.conversation}/conversionEvents"
        response = await raw.post(path, json=body)
        assert response.status_code == 400
        assert response.json()["errors"][0] == {"code": "bad_request", "title": title}

    async def test_conversion_events_accepted(self, world: World, raw: httpx.AsyncClient) -> None:
        """A valid body gets the example answer, its datasetId corrected to a string."""
        path = f"/v2/apps/{APP}/conversations/{world.conversation}/conversionEvents"
        response = await raw.post(path, json={"instagram": {"payload": {"data": [{}]}}})
        assert response.status_code == 200
        assert isinstance(response.json()["conversionEvents"]["datasetId"], str)
        assert response_problems("PostConversionEvents", 200, response.json()) == []

    async def test_leave_needs_one_way_to_name_the_user(
        self, world: World, raw: httpx.AsyncClient
    ) -> None:
        """Leaving names the participant by exactly one of its three keys."""
        path = f"/v2/apps/{APP}/conversations/{world.conversation}/leave"
        both = await raw.post(path, json={"userId": world.user, "userExternalId": USER})
        assert both.status_code == 400
        one = await raw.post(path, json={"userExternalId": USER})
        assert one.status_code == 200
