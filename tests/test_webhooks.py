"""Tests for `sunshine_async.webhooks`: verify, parse and unwrap."""

from __future__ import annotations

import copy
import hmac
import json
import logging
import pickle
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs
import httpx
import multidict
import pytest

import sunshine_async
from sunshine_async import CONVERTER, Client, ClientStatus, webhooks
from sunshine_async._converter import problems_in
from sunshine_async._generated import models
from sunshine_async.webhooks import (
    ClientAddEvent,
    ClientRemoveEvent,
    ClientUpdateEvent,
    ConversationReferralEvent,
    UnknownEvent,
    WebhookDelivery,
    WebhookParseError,
    WebhookVerificationError,
)

SPEC = json.loads(
    (
        Path(__file__).resolve().parents[1] / "sunshine_async" / "testing" / "openapi-facts.json"
    ).read_text()
)
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
_DELIVERY = SPEC["x-webhooks"]["Webhook Event"]["post"]["requestBody"]["content"][
    "application/json"
]
#: The 25 event schemas a delivery's events may be (anyOf), by schema name.
EVENT_SCHEMAS = [
    ref["$ref"].rsplit("/", 1)[-1]
    for ref in _DELIVERY["schema"]["properties"]["events"]["items"]["anyOf"]
]
#: The spec's example delivery of each event type, by type.
EXAMPLES: dict[str, dict[str, Any]] = {
    event_type: SPEC["components"]["examples"][ref["$ref"].rsplit("/", 1)[-1]]["value"]
    for event_type, ref in _DELIVERY["examples"].items()
}

SECRET = "whsec-0123456789-must-never-leak"
OLD_SECRET = "whsec-old-9876543210-never-leak"
GUESS = "attacker-guess-that-must-not-echo"


def example(event_type: str) -> dict[str, Any]:
    """A deep copy of the spec's example delivery of this type, with its defect fixed.

    The spec's conversation:referral example sends ``user.externalId`` as a number;
    the schema (and the API) say string.
    """
    delivery = copy.deepcopy(EXAMPLES[event_type])
    if event_type == "conversation:referral":
        user = delivery["events"][0]["payload"]["user"]
        user["externalId"] = str(user["externalId"])
    return delivery


def delivery_of(*events: dict[str, Any], **extra: Any) -> bytes:
    body = {
        "app": {"id": "app1"},
        "webhook": {"id": "wh1", "version": "v2"},
        "events": list(events),
    }
    return json.dumps({**body, **extra}).encode()


def client_event(event_type: str, **payload: Any) -> dict[str, Any]:
    return {
        "id": "ev1",
        "type": event_type,
        "createdAt": "2021-08-27T15:53:06.744Z",
        "payload": {"client": {"id": "c1", "type": "whatsapp", "status": "active"}, **payload},
    }


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def payload_properties(schema_name: str) -> set[str]:
    """The payload properties the spec gives an event schema (through allOf and $ref)."""

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in node:
            return resolve(SCHEMAS[node["$ref"].rsplit("/", 1)[-1]])
        props: dict[str, Any] = dict(node.get("properties", {}))
        for part in node.get("allOf", []):
            props.update(resolve(part))
        return props

    return set(resolve(resolve(SCHEMAS[schema_name])["payload"]))


class TestEventTypes:
    def test_one_class_per_spec_event(self) -> None:
        """EVENT_TYPES holds the 25 event schemas, by their title, named after them."""
        assert len(EVENT_SCHEMAS) == 25
        by_title = {SCHEMAS[name]["title"]: name for name in EVENT_SCHEMAS}
        assert set(webhooks.EVENT_TYPES) == set(by_title) == set(EXAMPLES)
        for title, name in by_title.items():
            cls = webhooks.EVENT_TYPES[title]
            assert cls.__name__ == name[0].upper() + name[1:]
            assert getattr(webhooks, cls.__name__) is cls
            assert cls().type == title

    @pytest.mark.parametrize("schema_name", EVENT_SCHEMAS)
    def test_payload_fields_are_the_specs(self, schema_name: str) -> None:
        """Each payload class has exactly the properties the spec gives its payload."""
        cls = webhooks.EVENT_TYPES[SCHEMAS[schema_name]["title"]]
        payload_cls = attrs.fields_dict(cls)["payload"].type
        assert payload_cls is not None
        names = {camel_case(a.name) for a in attrs.fields(payload_cls)} - {
            "extra",
            "nulls",
            "problems",
        }
        assert names == payload_properties(schema_name)

    def test_events_are_the_generated_models(self) -> None:
        """The event classes are the generated models of the spec's event schemas."""
        for name in EVENT_SCHEMAS:
            assert webhooks.EVENT_TYPES[SCHEMAS[name]["title"]] is models.MODELS[name]
        assert webhooks.EVENT_TYPES is models.WEBHOOK_EVENTS

    @pytest.mark.parametrize(
        ("alias", "generated"),
        [
            ("MergedUsers", "UserMergePayloadMergedUsers"),
            ("MergedConversations", "UserMergePayloadMergedConversations"),
            ("MergedClients", "UserMergePayloadMergedClients"),
            ("MessageDeliveryError", "ConversationMessageDeliveryFailurePayloadError"),
        ],
    )
    def test_short_names_of_nested_payload_parts(self, alias: str, generated: str) -> None:
        """The parts nested in payloads keep the short names this module gave them."""
        assert getattr(webhooks, alias) is getattr(models, generated)

    def test_models_are_frozen_and_public(self) -> None:
        """Every model of the module is frozen; those exported by their own name show it."""
        classes = {
            name: obj
            for name, obj in ((name, getattr(webhooks, name)) for name in webhooks.__all__)
            if isinstance(obj, type) and attrs.has(obj)
        }
        assert len(classes) == 25 + 23 + 4 + 2 + 1  # events, payloads, parts, link, envelope
        for name, cls in classes.items():
            if cls.__name__ == name:
                assert cls.__module__ == "sunshine_async.webhooks", cls
            else:  # a short name: pickle finds the class by its own name, where it lives
                assert getattr(sys.modules[cls.__module__], cls.__name__) is cls
            with pytest.raises(attrs.exceptions.FrozenInstanceError):
                instance(cls).__setattr__(attrs.fields(cls)[0].name, None)

    def test_errors_are_exported_at_the_top(self) -> None:
        """The webhook errors are SunshineErrors, exported from the package too."""
        assert sunshine_async.WebhookParseError is WebhookParseError
        assert sunshine_async.WebhookVerificationError is WebhookVerificationError
        assert issubclass(WebhookParseError, sunshine_async.SunshineError)
        assert issubclass(WebhookParseError, ValueError)
        assert issubclass(WebhookVerificationError, sunshine_async.SunshineError)
        assert WebhookParseError.__module__ == "sunshine_async"


def instance(cls: type) -> Any:
    """An instance of a model of the module, with its required fields filled in."""
    required: dict[type, dict[str, Any]] = {
        UnknownEvent: {"type": "x:y"},
        WebhookDelivery: {"app": models.AppSubSchema(), "webhook": models.WebhookSubSchema()},
        webhooks.LinkOutcome: {"client_id": "c1", "client": Client(id="c1")},
    }
    return cls(**required.get(cls, {}))


class TestParse:
    @pytest.mark.parametrize("event_type", sorted(EXAMPLES))
    def test_spec_example(self, event_type: str) -> None:
        """The spec's example of each event type parses to its class, losing nothing."""
        body = example(event_type)
        delivery = webhooks.parse(json.dumps(body))
        (event,) = delivery.events
        assert type(event) is webhooks.EVENT_TYPES[event_type]
        # the payload is its own model, whatever the example holds
        assert type(event.payload) is attrs.fields_dict(type(event))["payload"].type
        assert attrs.has(type(event.payload))
        raw = body["events"][0]
        assert (event.id, event.type) == (raw["id"], event_type)
        if "createdAt" in raw:
            assert isinstance(event.created_at, datetime)
            assert event.created_at.tzinfo is not None
        assert delivery.app.id == body["app"]["id"]
        assert (delivery.webhook.id, delivery.webhook.version) == (
            body["webhook"]["id"],
            body["webhook"]["version"],
        )
        # every field was read or kept: writing the delivery back gives the same JSON
        assert CONVERTER.unstructure(delivery) == body

    def test_every_spec_example_pickles(self) -> None:
        """Parsed deliveries survive pickling (task queues), nested payload parts too."""
        for event_type in sorted(EXAMPLES):
            delivery = webhooks.parse(json.dumps(example(event_type)))
            copied = pickle.loads(pickle.dumps(delivery))  # noqa: S301 - our own object
            assert copied == delivery
            assert CONVERTER.unstructure(copied) == CONVERTER.unstructure(delivery)

    def test_clients_are_the_sdk_client_everywhere(self) -> None:
        """A client in any payload is sunshine_async.Client, as clients.list() gives."""
        raw = {
            "id": "ev1",
            "type": "user:merge",
            "payload": {"mergedClients": {"surviving": {"id": "c1", "status": "active"}}},
        }
        (merge,) = webhooks.parse(delivery_of(raw)).events
        assert isinstance(merge, webhooks.UserMergeEvent)
        assert merge.payload.merged_clients is not None
        assert isinstance(merge.payload.merged_clients.surviving, Client)
        assert merge.payload.merged_clients.surviving.status is ClientStatus.ACTIVE
        assert attrs.fields_dict(models.Source)["client"].type == Client | None
        assert models.MODELS["client"] is Client

    def test_client_events_are_typed(self) -> None:
        """client:* payloads hold the SDK's Client, its user, conversation and reason."""
        (update,) = webhooks.parse(json.dumps(example("client:update"))).events
        assert isinstance(update, ClientUpdateEvent)
        client = update.payload.client
        assert isinstance(client, Client)
        assert client.status is ClientStatus.ACTIVE
        assert client.linked_at == datetime(2021, 8, 27, 15, 52, 47, 998000, tzinfo=timezone.utc)
        assert update.payload.reason == "confirmed"
        assert isinstance(update.payload.user, models.UserTruncated)
        assert update.payload.user.id == "6a2343df57be6fe0f98efc33"
        assert isinstance(update.payload.conversation, models.ConversationTruncated)
        assert update.created_at == datetime(2021, 8, 27, 15, 53, 6, 744000, tzinfo=timezone.utc)

        (removed,) = webhooks.parse(json.dumps(example("client:remove"))).events
        assert isinstance(removed, ClientRemoveEvent)
        assert removed.payload.reason == "sdk"
        assert isinstance(removed.payload.source, models.SourceWebhook)

        (added,) = webhooks.parse(json.dumps(example("client:add"))).events
        assert isinstance(added, ClientAddEvent)
        assert added.payload.client is not None
        assert added.payload.client.status is ClientStatus.PENDING
        assert added.payload.reason == "channelLinking"

    def test_nested_models_are_typed(self) -> None:
        """Payload parts are the generated models, and lists become tuples."""
        (message,) = webhooks.parse(json.dumps(example("conversation:message"))).events
        assert isinstance(message, webhooks.ConversationMessageEvent)
        assert isinstance(message.payload.message, models.MessageWebhook)
        assert isinstance(message.payload.message.author, models.AuthorWebhook)
        (merge,) = webhooks.parse(json.dumps(example("user:merge"))).events
        assert isinstance(merge, webhooks.UserMergeEvent)
        assert merge.payload.merged_users is not None
        assert isinstance(merge.payload.merged_users.surviving, models.User)
        (failure,) = webhooks.parse(
            json.dumps(example("conversation:message:delivery:failure"))
        ).events
        assert isinstance(failure, webhooks.ConversationMessageDeliveryFailureEvent)
        assert failure.payload.error == webhooks.MessageDeliveryError(
            code="uncategorized_error", message="Unsupported message type `form`"
        )
        (channel,) = webhooks.parse(
            json.dumps(example("conversation:message:delivery:channel"))
        ).events
        assert isinstance(channel, webhooks.ConversationMessageDeliveryChannelEvent)
        assert channel.payload.external_messages == ({"id": "371"},)

    def test_spec_referral_example_stays_typed(self, caplog: pytest.LogCaptureFixture) -> None:
        """The spec's own referral example has a numeric user externalId: the event
        stays typed, the value is kept as sent where it was, and the problem is logged."""
        with caplog.at_level(logging.WARNING, logger="sunshine_async"):
            (event,) = webhooks.parse(json.dumps(EXAMPLES["conversation:referral"])).events
        assert isinstance(event, ConversationReferralEvent)
        assert event.id == "5f74a0d52b5315fc007e798a"
        user = event.payload.user
        assert user is not None
        assert user.external_id is None
        sent = EXAMPLES["conversation:referral"]["events"][0]["payload"]["user"]["externalId"]
        assert user.extra == {"externalId": sent}
        assert user.problems == (f"expected str, got int {sent} @ $.externalId",)
        assert problems_in(event) == [f"expected str, got int {sent} @ $.payload.user.externalId"]
        assert "@ $.events[0].payload.user.externalId" in caplog.text
        assert "kept as sent" in caplog.text

    def test_one_bad_value_keeps_every_event_typed(self) -> None:
        """A value of the wrong type costs that value only: both events stay typed."""
        bad = client_event("client:update")
        bad["payload"]["client"]["id"] = 5
        delivery = webhooks.parse(delivery_of(client_event("client:add"), bad))
        first, second = delivery.events
        assert isinstance(first, ClientAddEvent)
        assert isinstance(second, ClientUpdateEvent)
        assert second.payload.client is not None
        assert second.payload.client.id == ""  # typed str: the odd value is in extra
        assert second.payload.client.extra == {"id": 5}
        assert problems_in(second, "$.events[1]") == [
            "expected str, got int 5 @ $.events[1].payload.client.id"
        ]

    def test_an_event_id_of_the_wrong_type_fails_the_delivery(self) -> None:
        """The id is what repeats are told by: one that is not a string is refused."""
        with pytest.raises(WebhookParseError) as caught:
            webhooks.parse(delivery_of(client_event("client:add"), {"type": "client:add", "id": 7}))
        assert (caught.value.index, caught.value.event_type) == (1, "client:add")

    def test_unknown_type(self) -> None:
        """A type this SDK does not know becomes an UnknownEvent with its raw payload."""
        raw = {
            "id": "ev9",
            "type": "conversation:teleport",
            "createdAt": "2030-01-01T00:00:00Z",
            "payload": {"destination": {"planet": "Mars"}, "n": [1, 2]},
            "newTopLevel": True,
        }
        (event,) = webhooks.parse(delivery_of(raw)).events
        assert isinstance(event, UnknownEvent)
        assert event == UnknownEvent(
            id="ev9",
            type="conversation:teleport",
            created_at=datetime(2030, 1, 1, tzinfo=timezone.utc),
            payload={"destination": {"planet": "Mars"}, "n": [1, 2]},
        )
        assert event.problem is None
        assert event.extra == {"newTopLevel": True}

    def test_unknown_fields_are_kept(self) -> None:
        """Unknown keys land in ``extra`` at every level, and go back out unchanged."""
        raw = client_event("client:update", reason="confirmed", mood="happy")
        raw["payload"]["client"]["hologram"] = {"x": 1}
        raw["traceId"] = "t1"
        body = delivery_of(raw, region="eu")
        delivery = webhooks.parse(body)
        (event,) = delivery.events
        assert isinstance(event, ClientUpdateEvent)
        assert delivery.extra == {"region": "eu"}
        assert event.extra == {"traceId": "t1"}
        assert event.payload.extra == {"mood": "happy"}
        assert event.payload.client is not None
        assert event.payload.client.extra == {"hologram": {"x": 1}}
        assert CONVERTER.unstructure(delivery) == json.loads(body)

    def test_null_is_not_absent(self) -> None:
        """A null reads as None and is remembered in ``nulls``; an absent field is not."""
        raw = client_event("client:add", conversation=None)
        (event,) = webhooks.parse(delivery_of(raw)).events
        assert isinstance(event, ClientAddEvent)
        assert event.payload.conversation is None
        assert event.payload.nulls == frozenset({"conversation"})
        assert event.payload.user is None
        (plain,) = webhooks.parse(delivery_of(client_event("client:add"))).events
        assert isinstance(plain, ClientAddEvent)
        assert plain.payload.nulls == frozenset()

    def test_missing_or_null_payload_is_empty(self) -> None:
        """An event without a payload still has one, empty, so attribute access works."""
        raw = {"id": "e", "type": "client:remove", "payload": None}
        (event,) = webhooks.parse(delivery_of(raw)).events
        assert isinstance(event, ClientRemoveEvent)
        assert event.payload == webhooks.ClientRemovePayload()
        assert event.payload.client is None
        assert event.nulls == frozenset({"payload"})

    def test_open_enums_and_odd_dates(self) -> None:
        """An unknown status stays a str and a date that does not parse stays text."""
        raw = client_event("client:update", reason="teleported")
        raw["payload"]["client"]["status"] = "quantum"
        raw["createdAt"] = "yesterday"
        (event,) = webhooks.parse(delivery_of(raw)).events
        assert isinstance(event, ClientUpdateEvent)
        assert event.payload.client is not None
        assert event.payload.client.status == "quantum"
        assert event.payload.reason == "teleported"
        assert event.created_at == "yesterday"

    def test_events_keep_their_order(self) -> None:
        """Several events come out in the order of the body."""
        types = ["client:add", "user:update", "client:update", "x:y", "client:remove"]
        events = [{"id": f"e{i}", "type": t, "payload": {}} for i, t in enumerate(types)]
        delivery = webhooks.parse(delivery_of(*events))
        assert [e.type for e in delivery.events] == types
        assert [e.id for e in delivery.events] == ["e0", "e1", "e2", "e3", "e4"]
        assert isinstance(delivery.events, tuple)

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param(delivery_of(client_event("client:add")), id="bytes"),
            pytest.param(delivery_of(client_event("client:add")).decode(), id="str"),
            pytest.param(bytearray(delivery_of(client_event("client:add"))), id="bytearray"),
            pytest.param(memoryview(delivery_of(client_event("client:add"))), id="memoryview"),
            pytest.param(
                delivery_of(client_event("client:add")).decode().encode("utf-16"), id="utf-16"
            ),
        ],
    )
    def test_body_types(self, body: Any) -> None:
        """The body may be bytes (any UTF encoding), str, bytearray or memoryview."""
        expected = webhooks.parse(delivery_of(client_event("client:add")))
        assert webhooks.parse(body) == expected
        assert isinstance(expected.events[0], ClientAddEvent)

    def test_not_a_body(self) -> None:
        """Something that is not a raw body is a programming error, said at once."""
        with pytest.raises(sunshine_async.InvalidArgumentError, match="got dict"):
            webhooks.parse({"events": []})  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            (b"", "the webhook body is not JSON: Expecting value"),
            (b"{not json", "the webhook body is not JSON"),
            (b"\xff\xfe\xfa", "the webhook body is not JSON"),
            (b'{"events": NaN}', "the webhook body is not JSON: NaN is not JSON"),
            (b"[" * 100_000, "nested too deeply"),
            (b"[]", "a webhook delivery is a JSON object, got an array"),
            (b'"hello"', "a webhook delivery is a JSON object, got a string"),
            (b"null", "a webhook delivery is a JSON object, got null"),
            (b'{"webhook": {}, "events": []}', "has an 'app' object, got none"),
            (b'{"app": 5, "webhook": {}, "events": []}', "has an 'app' object, got a number"),
            (b'{"app": {}, "events": []}', "has an 'webhook' object, got none"),
            (b'{"app": {}, "webhook": {}}', "has an 'events' array, got none"),
            (b'{"app": {}, "webhook": {}, "events": {}}', "has an 'events' array, got an object"),
            (b'{"app": {}, "webhook": {}, "events": [1]}', "events[0] is a number, not an object"),
            (b'{"app": {}, "webhook": {}, "events": [{}]}', "events[0] has no type"),
            (b'{"app": {}, "webhook": {}, "events": [{"type": 7}]}', "events[0] has no type"),
            (b'{"app": {}, "webhook": {}, "events": [{"type": ""}]}', "events[0] has no type"),
            (
                b'{"app": {}, "webhook": {}, "events": [{"type": "client:add", "id": 1}]}',
                "events[0] (client:add) is not valid: expected str, got int 1 @ $.events[0].id",
            ),
            (
                b'{"app": {}, "webhook": {}, "events": [{"type": "x:y", "payload": []}]}',
                "events[0] (x:y) has a payload that is an array, not an object",
            ),
        ],
    )
    def test_malformed(self, body: bytes, message: str) -> None:
        """Bodies that are not JSON or not a delivery raise WebhookParseError saying why."""
        with pytest.raises(WebhookParseError) as caught:
            webhooks.parse(body)
        assert message in str(caught.value)

    def test_error_names_the_event(self) -> None:
        """The error of a bad event carries its index and type."""
        good = client_event("client:add")
        with pytest.raises(WebhookParseError) as caught:
            webhooks.parse(delivery_of(good, {"type": "client:update", "id": 5}))
        assert (caught.value.index, caught.value.event_type) == (1, "client:update")
        assert "@ $.events[1].id" in str(caught.value)
        with pytest.raises(WebhookParseError) as envelope:
            webhooks.parse(b"[]")
        assert (envelope.value.index, envelope.value.event_type) == (None, None)

    def test_messages_are_bounded(self) -> None:
        """A huge bad value is quoted in a few hundred characters at most."""
        huge = "x" * 1_000_000
        with pytest.raises(WebhookParseError) as caught:
            webhooks.parse(delivery_of({"type": "client:add", "id": [huge]}))
        assert len(str(caught.value)) < 600
        with pytest.raises(WebhookParseError) as garbage:
            webhooks.parse(b"{" + huge.encode())
        assert len(str(garbage.value)) < 600

    def test_errors_pickle(self) -> None:
        """A WebhookParseError survives pickling with its attributes (task queues)."""
        error = WebhookParseError("bad", index=2, event_type="client:add")
        copied = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
        assert (str(copied), copied.index, copied.event_type) == ("bad", 2, "client:add")


HEADER_SHAPES = [
    pytest.param(lambda key: {"X-API-Key": key}, id="dict"),
    pytest.param(lambda key: {"x-api-key": key}, id="dict-lower"),
    pytest.param(
        lambda key: {"X-API-KEY": key, "Content-Type": "application/json"}, id="dict-upper"
    ),
    pytest.param(lambda key: httpx.Headers({"x-Api-kEY": key}), id="httpx.Headers"),
    pytest.param(lambda key: multidict.CIMultiDict({"X-Api-Key": key}), id="CIMultiDict"),
    pytest.param(lambda key: [("Host", "example.com"), ("X-API-Key", key)], id="str-pairs"),
    pytest.param(lambda key: [(b"x-api-key", key.encode())], id="asgi-bytes-pairs"),
    pytest.param(lambda key: {"X-API-Key": f" {key}\t"}, id="surrounding-whitespace"),
]


class TestVerify:
    @pytest.mark.parametrize("shape", HEADER_SHAPES)
    def test_accepts_the_secret_in_any_header_shape(self, shape: Any) -> None:
        """The header is found ignoring case, in mappings and in (name, value) pairs."""
        webhooks.verify(shape(SECRET), secret=SECRET)
        with pytest.raises(WebhookVerificationError, match="matches no webhook secret"):
            webhooks.verify(shape(GUESS), secret=SECRET)

    def test_wrong_key(self) -> None:
        """A key that matches no secret is refused."""
        with pytest.raises(WebhookVerificationError):
            webhooks.verify({"X-API-Key": SECRET[:-1]}, secret=SECRET)
        with pytest.raises(WebhookVerificationError):
            webhooks.verify({"X-API-Key": SECRET + "x"}, secret=SECRET)
        with pytest.raises(WebhookVerificationError):
            webhooks.verify({"X-API-Key": ""}, secret=SECRET)

    def test_missing_key(self) -> None:
        """No X-API-Key header at all is refused, saying so."""
        with pytest.raises(WebhookVerificationError, match="has no X-API-Key header"):
            webhooks.verify({"Authorization": SECRET}, secret=SECRET)
        with pytest.raises(WebhookVerificationError, match="has no X-API-Key header"):
            webhooks.verify([], secret=SECRET)

    def test_one_of_two_secrets(self) -> None:
        """While rotating, either secret passes and any other key fails."""
        for secrets in ([OLD_SECRET, SECRET], (SECRET, OLD_SECRET), iter([OLD_SECRET, SECRET])):
            webhooks.verify({"X-API-Key": SECRET}, secret=secrets)
        webhooks.verify({"X-API-Key": OLD_SECRET}, secret=[OLD_SECRET, SECRET])
        with pytest.raises(WebhookVerificationError):
            webhooks.verify({"X-API-Key": GUESS}, secret=[OLD_SECRET, SECRET])

    def test_every_secret_is_compared(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Each secret is compared in constant time, even after one matched."""
        calls: list[tuple[bytes, bytes]] = []
        real = hmac.compare_digest

        def counting(a: bytes, b: bytes) -> bool:
            calls.append((a, b))
            return real(a, b)

        monkeypatch.setattr(hmac, "compare_digest", counting)
        webhooks.verify({"X-API-Key": SECRET}, secret=[SECRET, OLD_SECRET, "third"])
        assert len(calls) == 3
        # digests of equal length, so that not even the secret's length shows
        assert {len(a) for a, _ in calls} | {len(b) for _, b in calls} == {32}

    def test_repeated_header(self) -> None:
        """The same key sent twice passes; two different keys are refused."""
        webhooks.verify([("X-API-Key", SECRET), ("x-api-key", SECRET)], secret=SECRET)
        with pytest.raises(WebhookVerificationError, match="several different"):
            webhooks.verify([("X-API-Key", SECRET), ("x-api-key", GUESS)], secret=SECRET)
        both = multidict.CIMultiDict([("X-API-Key", GUESS), ("X-API-Key", SECRET)])
        with pytest.raises(WebhookVerificationError, match="several different"):
            webhooks.verify(both, secret=SECRET)

    @pytest.mark.parametrize(
        ("secret", "message"),
        [
            ([], "secret is empty"),
            ((), "secret is empty"),
            ("", "secret is an empty string"),
            ([SECRET, ""], r"secret\[1\] is an empty string"),
            ([SECRET, 5], r"secret\[1\] must be a str, got int"),
            (SECRET.encode(), "must be a str or an iterable of str, got bytes"),
            (None, "got NoneType"),
            ({SECRET: SECRET}, "got dict"),
        ],
    )
    def test_bad_secret(self, secret: Any, message: str) -> None:
        """An empty or non-str secret is refused at once, without quoting it."""
        with pytest.raises(sunshine_async.InvalidArgumentError, match=message) as caught:
            webhooks.verify({"X-API-Key": SECRET}, secret=secret)
        assert SECRET not in str(caught.value)

    @pytest.mark.parametrize(
        ("headers", "message"),
        [
            ("X-API-Key: x", "must be a mapping or"),
            (42, "must be a mapping or"),
            (["X-API-Key"], "must hold \\(name, value\\) pairs"),
            ({"X-API-Key": [SECRET]}, "must be str or bytes, got list"),
        ],
    )
    def test_bad_headers(self, headers: Any, message: str) -> None:
        """Headers of an odd shape are a programming error, said without the values."""
        with pytest.raises(sunshine_async.InvalidArgumentError, match=message) as caught:
            webhooks.verify(headers, secret=SECRET)
        assert SECRET not in str(caught.value)

    def test_nothing_leaks(self, caplog: pytest.LogCaptureFixture) -> None:
        """Neither the secrets nor the received key appear in errors, reprs or logs."""
        attempts: list[Any] = [
            {"X-API-Key": GUESS},
            {"X-API-Key": SECRET[:10]},
            {"Authorization": f"Basic {GUESS}"},
            [("X-API-Key", GUESS), ("X-API-Key", SECRET)],
        ]
        errors: list[BaseException] = []
        with caplog.at_level(logging.DEBUG):
            for headers in attempts:
                for secret in (SECRET, [OLD_SECRET, SECRET]):
                    with pytest.raises(WebhookVerificationError) as verified:
                        webhooks.verify(headers, secret=secret)
                    with pytest.raises(WebhookVerificationError) as unwrapped:
                        webhooks.unwrap(b"{}", headers, secret=secret)
                    errors += [verified.value, unwrapped.value]
        assert len(errors) == 16
        logged = "\n".join(
            f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records
        )
        assert "refused" in logged  # the refusals are logged, at debug level
        texts = [logged] + [f"{e} {e!r} {e.args!r} {e.__dict__!r} {e.__cause__!r}" for e in errors]
        for text in texts:
            for value in (SECRET, OLD_SECRET, GUESS, SECRET[:10]):
                assert value not in text


class TestUnwrap:
    def test_bytes_and_str_bodies(self) -> None:
        """unwrap gives the same delivery for a bytes and a str body."""
        body = json.dumps(example("client:update"))
        headers = {"X-API-Key": SECRET}
        from_str = webhooks.unwrap(body, headers, secret=SECRET)
        from_bytes = webhooks.unwrap(body.encode(), headers, secret=[OLD_SECRET, SECRET])
        assert from_str == from_bytes
        assert isinstance(from_bytes.events[0], ClientUpdateEvent)

    def test_verifies_before_parsing(self) -> None:
        """A bad key is refused even when the body is not JSON: nothing is read first."""
        with pytest.raises(WebhookVerificationError):
            webhooks.unwrap(b"{not json", {"X-API-Key": GUESS}, secret=SECRET)
        with pytest.raises(WebhookParseError):
            webhooks.unwrap(b"{not json", {"X-API-Key": SECRET}, secret=SECRET)

    def test_is_pure(self) -> None:
        """unwrap needs no event loop and leaves its inputs as they were."""
        body = delivery_of(client_event("client:add"))
        headers = {"X-API-Key": SECRET}
        before = (bytes(body), dict(headers))
        delivery = webhooks.unwrap(body, headers, secret=SECRET)
        assert (body, headers) == before
        assert webhooks.unwrap(body, headers, secret=SECRET) == delivery
