"""Tests for the Clients models, now the generated ones: what each takes, and the checks
the spec's rules make before a create is sent (at every depth, with the JSON path)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import attrs
import pytest

import sunshine_async as sa
from sunshine_async import types
from sunshine_async._generated.operations import OPERATIONS
from sunshine_async._invoke import check_body

WHATSAPP = sa.MatchCriteriaWhatsapp(integration_id="i", phone_number="+15145555555")
TARGET = sa.Target(conversation_id="c")


def create_body(
    match_criteria: object = WHATSAPP,
    confirmation: object = None,
    target: object = TARGET,
) -> dict[str, Any]:
    """The body `clients.create` would send for these parts (or its InvalidArgumentError)."""
    fields = {
        "matchCriteria": match_criteria,
        "confirmation": confirmation or sa.Confirmation(type="immediate"),
        "target": target,
    }
    return dict(check_body(OPERATIONS["CreateClient"], None, fields))


class TestMatchCriteria:
    @pytest.mark.parametrize(
        "cls", [sa.MatchCriteriaMessagebird, sa.MatchCriteriaTwilio, sa.MatchCriteriaWhatsapp]
    )
    @pytest.mark.parametrize("phone", ["+15145555555", "+1 212-555-2368", "+44 20 7946 0958"])
    def test_phone_accepted(self, cls: Any, phone: str) -> None:
        """'+' and the country code, with spaces and dashes, is sent as given."""
        criteria = cls(integration_id="i", phone_number=phone)
        body = create_body(criteria)
        assert body["matchCriteria"] == {
            "type": criteria.type,
            "integrationId": "i",
            "phoneNumber": phone,
        }

    @pytest.mark.parametrize(
        "cls", [sa.MatchCriteriaMessagebird, sa.MatchCriteriaTwilio, sa.MatchCriteriaWhatsapp]
    )
    @pytest.mark.parametrize("phone", ["212 555 2368", "+", "+1 (212) 555", "", "++1", "+1a"])
    def test_phone_refused_before_sending(self, cls: Any, phone: str) -> None:
        """A number without '+' and country code is refused, naming its JSON path."""
        with pytest.raises(sa.InvalidArgumentError, match=r"body\.matchCriteria\.phoneNumber"):
            create_body(cls(integration_id="i", phone_number=phone))

    def test_type_is_the_variant(self) -> None:
        """Each variant carries its wire type, and sends it."""
        twilio = sa.MatchCriteriaTwilio(integration_id="i", phone_number="+1 2")
        assert twilio.type == "twilio"
        assert create_body(twilio)["matchCriteria"] == twilio.to_dict()
        assert twilio.to_dict()["type"] == "twilio"

    def test_integration_id_is_required(self) -> None:
        """Leaving integration_id out fails at once (mypy says so too)."""
        with pytest.raises(TypeError, match="integration_id"):
            sa.MatchCriteriaWhatsapp(phone_number="+12")  # type: ignore[call-arg]
        with pytest.raises(sa.InvalidArgumentError, match=r"body\.matchCriteria\.integrationId"):
            create_body({"type": "whatsapp", "integrationId": 5, "phoneNumber": "+12"})

    def test_mailgun_address(self) -> None:
        """Mailgun needs an email address."""
        good = sa.MatchCriteriaMailgun(integration_id="i", address="a@b.c")
        assert create_body(good)["matchCriteria"] == {
            "type": "mailgun",
            "integrationId": "i",
            "address": "a@b.c",
        }
        bad = sa.MatchCriteriaMailgun(integration_id="i", address="not-an-email")
        with pytest.raises(sa.InvalidArgumentError, match=r"body\.matchCriteria\.address"):
            create_body(bad)

    def test_primary_must_be_bool(self) -> None:
        """primary is a bool, not a truthy string."""
        odd = sa.MatchCriteriaWhatsapp(integration_id="i", phone_number="+12", primary="yes")  # type: ignore[arg-type]
        with pytest.raises(sa.InvalidArgumentError, match=r"body\.matchCriteria\.primary"):
            create_body(odd)


class TestClientCreate:
    def test_a_part_as_json_is_checked_at_depth(self) -> None:
        """A part given as JSON is checked like a model, by its path."""
        with pytest.raises(sa.InvalidArgumentError, match=r"body\.matchCriteria: needs the field"):
            create_body({"type": "whatsapp"})

    def test_target_needs_a_conversation(self) -> None:
        with pytest.raises(TypeError, match="conversation_id"):
            sa.Target()  # type: ignore[call-arg]
        with pytest.raises(sa.InvalidArgumentError, match="needs the field 'conversationId'"):
            create_body(target={})

    @pytest.mark.parametrize("bad", ["instant", "", 5])
    def test_confirmation_type_is_one_the_spec_names(self, bad: object) -> None:
        with pytest.raises(sa.InvalidArgumentError, match=r"body\.confirmation\.type"):
            create_body(confirmation={"type": bad})

    @pytest.mark.parametrize("good", ["immediate", "userActivity", "prompt"])
    def test_confirmation_types(self, good: str) -> None:
        assert create_body(confirmation=sa.Confirmation(type=good))["confirmation"] == {
            "type": good
        }

    def test_the_whole_body_as_one_model(self) -> None:
        """`ClientCreate` holds the three parts; it is sent as its JSON."""
        whole = sa.ClientCreate(
            match_criteria=WHATSAPP, confirmation=sa.Confirmation(type="prompt"), target=TARGET
        )
        assert check_body(OPERATIONS["CreateClient"], whole, {}) == whole.to_dict()
        assert whole.to_dict()["target"] == {"conversationId": "c"}


class TestMessages:
    def test_text_limit_at_depth_four(self) -> None:
        """The spec's 4096-character text limit, four objects deep in a create."""
        message = sa.MessagePost(
            author=sa.Author(type="business"), content=sa.TextMessage(text="x" * 4097)
        )
        confirmation = sa.Confirmation(type="prompt", message=message)
        with pytest.raises(
            sa.InvalidArgumentError, match=r"body\.confirmation\.message\.content\.text"
        ):
            create_body(confirmation=confirmation)
        fits = attrs.evolve(message, content=sa.TextMessage(text="x" * 4096))
        sent = create_body(confirmation=sa.Confirmation(type="prompt", message=fits))
        assert sent["confirmation"]["message"]["content"]["text"] == "x" * 4096

    def test_an_action_of_an_unknown_type_is_refused(self) -> None:
        content = {"type": "text", "text": "t", "actions": [{"type": "teleport"}]}
        message = {"author": {"type": "business"}, "content": content}
        with pytest.raises(
            sa.InvalidArgumentError, match=r"body\.confirmation\.message\.content\.actions\[0\]"
        ):
            create_body(confirmation={"type": "prompt", "message": message})


class TestModelHabits:
    MODELS: ClassVar[list[type]] = [
        sa.ClientCreate,
        sa.MatchCriteriaMailgun,
        sa.MatchCriteriaWhatsapp,
        sa.Confirmation,
        sa.Target,
        sa.MessagePost,
        sa.Author,
        sa.TextMessage,
        sa.ImageMessage,
        sa.Link,
        sa.Client,
        sa.Meta,
        sa.Links,
        sa.ClientListResponse,
        sa.User,
        sa.Profile,
    ]

    @pytest.mark.parametrize("model", MODELS)
    def test_frozen_slotted_keyword_only(self, model: type) -> None:
        """Models are frozen, slotted and keyword-only, and say where they are public."""
        assert attrs.has(model)
        assert "__slots__" in model.__dict__
        assert all(f.kw_only for f in attrs.fields(model) if f.init)
        assert getattr(types, model.__name__) is model
        instance = sa.Client(id="x")
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            instance.id = "y"  # type: ignore[misc]

    def test_extra_does_not_affect_equality(self) -> None:
        """A new server field changes neither equality nor the repr."""
        assert sa.Client(id="a", extra={"x": 1}) == sa.Client(id="a")
        assert "extra" not in repr(sa.Client(id="a", extra={"x": 1}))

    def test_unset_is_falsy_and_named(self) -> None:
        """UNSET reads well in a repr and is falsy."""
        assert repr(sa.UNSET) == "UNSET"
        assert not sa.UNSET

    def test_to_dict_and_from_dict_round_trip(self) -> None:
        """A model read from JSON gives the same JSON back, nulls and unknown keys too."""
        data: dict[str, Any] = {
            "id": "u1",
            "externalId": "steve",
            "profile": {"givenName": "Steve", "surname": None},
            "brandNew": {"x": [1, 2]},
        }
        user = sa.User.from_dict(data)
        assert user.profile is not None
        assert user.profile.given_name == "Steve"
        assert user.to_dict() == data
        assert json.loads(user.to_json()) == data

    def test_from_dict_keeps_an_odd_value(self) -> None:
        """from_dict reads as a response is read: an odd value is kept and named."""
        user = sa.User.from_dict({"id": "u1", "profile": {"givenName": 7}})
        assert user.profile is not None
        assert user.profile.given_name is None
        assert sa.problems_in(user) == ["expected str, got int 7 @ $.profile.givenName"]

    def test_a_missing_id_is_a_recorded_gap(self) -> None:
        """The API always sends an id: one left out reads as "" and is named."""
        user = sa.User.from_dict({"externalId": "steve"})
        assert user.id == ""
        assert sa.problems_in(user) == ["missing, though the API always sends it @ $.id"]


class TestSpecBounds:
    """Request fields the spec bounds are checked before anything is sent, at depth."""

    @pytest.mark.parametrize(
        ("author", "words"),
        [
            (sa.Author(type="business", brand_id="b" * 25), "at most 24"),
            (sa.Author(type="business", brand_id=""), "must not be empty"),
            (sa.Author(type="business", avatar_url="/relative.png"), "absolute URL"),
            (sa.Author(type="business", subtypes=["robot"]), "must be one of"),
            (sa.Author(type="business", subtypes=["AI", "bot"]), "at most 1"),
            (sa.Author(type="bot"), "must be one of 'business', 'user'"),
        ],
    )
    def test_refused(self, author: sa.Author, words: str) -> None:
        message = sa.MessagePost(author=author, content=sa.TextMessage(text="Hi"))
        with pytest.raises(sa.InvalidArgumentError, match=r"body\.confirmation\.message\.author"):
            create_body(confirmation=sa.Confirmation(type="prompt", message=message))
        with pytest.raises(sa.InvalidArgumentError, match=words):
            create_body(confirmation=sa.Confirmation(type="prompt", message=message))

    def test_accepted(self) -> None:
        author = sa.Author(
            type="business",
            brand_id="9477922990333",
            avatar_url="https://www.gravatar.com/image.jpg",
            subtypes=["AI"],
        )
        message = sa.MessagePost(author=author, content=sa.TextMessage(text="Hi"))
        sent = create_body(confirmation=sa.Confirmation(type="prompt", message=message))
        assert sent["confirmation"]["message"]["author"]["subtypes"] == ["AI"]

    def test_brand_id_of_a_user(self) -> None:
        session = sa.Session(key_id="app_x", secret="y")
        with pytest.raises(sa.InvalidArgumentError, match="1 to 24"):
            session.apps["a"].user("u", brand_id="b" * 25)
