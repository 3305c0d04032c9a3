"""Tests for `sunshine_async._models`: construction-time validation and model habits."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs
import pytest

import sunshine_async as sa


class TestMatchCriteria:
    @pytest.mark.parametrize(
        "cls", [sa.MatchCriteriaMessagebird, sa.MatchCriteriaTwilio, sa.MatchCriteriaWhatsapp]
    )
    @pytest.mark.parametrize("phone", ["+15145555555", "+1 212-555-2368", "+44 20 7946 0958"])
    def test_phone_accepted(self, cls: type, phone: str) -> None:
        """'+' and the country code, with spaces and dashes, is accepted."""
        assert cls(integration_id="i", phone_number=phone).phone_number == phone

    @pytest.mark.parametrize(
        "cls", [sa.MatchCriteriaMessagebird, sa.MatchCriteriaTwilio, sa.MatchCriteriaWhatsapp]
    )
    @pytest.mark.parametrize("phone", ["212 555 2368", "+", "+1 (212) 555", "", "++1", "+1a"])
    def test_phone_rejected(self, cls: type, phone: str) -> None:
        """A number without '+' country code is refused, naming the field."""
        with pytest.raises(sa.InvalidArgumentError, match=rf"{cls.__name__}\.phone_number"):
            cls(integration_id="i", phone_number=phone)

    def test_type_is_fixed(self) -> None:
        """Each variant carries its wire type and cannot be given another."""
        assert sa.MatchCriteriaTwilio(integration_id="i", phone_number="+1 2").type == "twilio"
        with pytest.raises(TypeError):
            sa.MatchCriteriaTwilio(integration_id="i", phone_number="+12", type="x")  # type: ignore[call-arg]

    @pytest.mark.parametrize("bad", ["", None, 5])
    def test_integration_id_required(self, bad: object) -> None:
        """integration_id must be a non-empty str."""
        with pytest.raises(sa.InvalidArgumentError, match="integration_id"):
            sa.MatchCriteriaWhatsapp(integration_id=bad, phone_number="+12")  # type: ignore[arg-type]

    def test_mailgun_address(self) -> None:
        """Mailgun needs an email address."""
        assert sa.MatchCriteriaMailgun(integration_id="i", address="a@b.c").address == "a@b.c"
        with pytest.raises(sa.InvalidArgumentError, match="address"):
            sa.MatchCriteriaMailgun(integration_id="i", address="not-an-email")

    def test_primary_must_be_bool(self) -> None:
        """primary is a bool, not a truthy string."""
        with pytest.raises(sa.InvalidArgumentError, match="primary"):
            sa.MatchCriteriaWhatsapp(integration_id="i", phone_number="+12", primary="yes")  # type: ignore[arg-type]


class TestClientCreate:
    def test_parts_must_be_models(self) -> None:
        """A dict where a model is expected is named in the error."""
        with pytest.raises(sa.InvalidArgumentError, match=r"ClientCreate\.match_criteria"):
            sa.ClientCreate(
                match_criteria={"type": "whatsapp"},  # type: ignore[arg-type]
                confirmation=sa.Confirmation(type="immediate"),
                target=sa.Target(conversation_id="c"),
            )

    def test_target_needs_conversation(self) -> None:
        """Target.conversation_id must not be empty."""
        with pytest.raises(sa.InvalidArgumentError, match=r"Target\.conversation_id"):
            sa.Target(conversation_id="")

    @pytest.mark.parametrize("bad", ["", "bogus", "Immediate", None])
    def test_confirmation_type_is_documented(self, bad: object) -> None:
        """Confirmation.type is one of immediate, userActivity, prompt."""
        with pytest.raises(sa.InvalidArgumentError, match=r"Confirmation\.type must be one of"):
            sa.Confirmation(type=bad)  # type: ignore[arg-type]

    @pytest.mark.parametrize("good", ["immediate", "userActivity", sa.ConfirmationType.PROMPT])
    def test_confirmation_types(self, good: str) -> None:
        """The documented types, as strings or members, are accepted."""
        assert sa.Confirmation(type=good).type == good

    def test_author_type(self) -> None:
        """Author.type is business or user."""
        assert sa.Author(type="user").type == "user"
        with pytest.raises(sa.InvalidArgumentError, match=r"Author\.type"):
            sa.Author(type="bot")


class TestMessages:
    def test_text_limit(self) -> None:
        """Text content is at most 4096 characters."""
        sa.TextContent(text="x" * 4096)
        with pytest.raises(sa.InvalidArgumentError, match="4096"):
            sa.TextContent(text="x" * 4097)

    def test_actions_are_links(self) -> None:
        """Only link actions may go in a confirmation message."""
        with pytest.raises(sa.InvalidArgumentError, match=r"actions\[0\]"):
            sa.TextContent(text="t", actions=[{"type": "link"}])  # type: ignore[list-item]

    def test_content_kind(self) -> None:
        """A message's content is text or image."""
        with pytest.raises(sa.InvalidArgumentError, match=r"MessagePost\.content"):
            sa.MessagePost(author=sa.Author(type="business"), content="hello")  # type: ignore[arg-type]


class TestModelHabits:
    MODELS: ClassVar[list[type]] = [
        sa.ClientCreate,
        sa.MatchCriteriaMailgun,
        sa.MatchCriteriaWhatsapp,
        sa.Confirmation,
        sa.Target,
        sa.MessagePost,
        sa.Author,
        sa.TextContent,
        sa.ImageContent,
        sa.LinkAction,
        sa.Client,
        sa.Meta,
        sa.Links,
        sa.ClientListResponse,
    ]

    @pytest.mark.parametrize("model", MODELS)
    def test_frozen_slotted_keyword_only(self, model: type) -> None:
        """Models are frozen, slotted and keyword-only."""
        assert attrs.has(model)
        assert "__slots__" in model.__dict__
        assert all(f.kw_only for f in attrs.fields(model) if f.init)
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


class TestSpecBounds:
    """Request fields the spec bounds are checked before anything is sent."""

    @pytest.mark.parametrize(
        ("make", "words"),
        [
            (lambda: sa.Author(type="business", brand_id="b" * 25), "1 to 24"),
            (lambda: sa.Author(type="business", brand_id=""), "1 to 24"),
            (lambda: sa.Author(type="business", avatar_url="/relative.png"), "absolute URL"),
            (lambda: sa.Author(type="business", subtypes=["robot"]), "must be one of"),
            (lambda: sa.Author(type="business", subtypes=["AI", "bot"]), "exactly one"),
            (lambda: sa.ImageContent(media_url="not a url"), "absolute URL"),
        ],
    )
    def test_refused(self, make: Any, words: str) -> None:
        with pytest.raises(sa.InvalidArgumentError, match=words):
            make()

    def test_accepted(self) -> None:
        author = sa.Author(
            type="business",
            brand_id="9477922990333",
            avatar_url="https://www.gravatar.com/image.jpg",
            subtypes=["AI"],
        )
        assert author.subtypes == ["AI"]
        assert sa.ImageContent(media_url="https://example.com/a.png").media_url.startswith("https")

    def test_brand_id_of_a_user(self) -> None:
        session = sa.Session(key_id="app_x", secret="y")
        with pytest.raises(sa.InvalidArgumentError, match="1 to 24"):
            session.apps["a"].user("u", brand_id="b" * 25)
