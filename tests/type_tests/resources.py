"""Checked by mypy only (never run): every resource's methods, called as users call them.

`tests/test_type_tests.py` runs ``mypy --strict --warn-unused-ignores`` on this module.
Each valid call must type-check; each ``# type: ignore[code]`` marks a call that must be
an error with exactly that code, and since an unneeded ignore is itself an error under
``--warn-unused-ignores``, every one of them proves that mypy still refuses the call.

One ``async def`` per collection, the clients (``users[u].clients``) last.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import BinaryIO

from typing_extensions import assert_type

from sunshine_async import ItemIterator, RawResponse, RequestOptions, Session
from sunshine_async.types import (
    ActivityPost,
    ActivityPostJSON,
    ApiKey,
    App,
    AppCreateBody,
    AppCreateBodyJSON,
    AppKey,
    AppKeyCreateBodyJSON,
    AppListResponse,
    AppSettings,
    AppSettingsJSON,
    AppUpdateBody,
    AttachmentDeleteBody,
    AttachmentDeleteBodyJSON,
    AttachmentSchema,
    Author,
    AuthorJSON,
    Buy,
    CarouselMessage,
    ContentJSON,
    Conversation,
    ConversationCreateBody,
    ConversationCreateBodyJSON,
    ConversationListResponse,
    ConversationUpdateBody,
    ConversionEvents,
    Custom,
    CustomJSON,
    DestinationJSON,
    Device,
    DownloadMessageRefBody,
    DownloadMessageRefBodyApple,
    DownloadMessageRefBodyAppleInteractiveDataRef,
    DownloadMessageRefBodyAppleInteractiveDataRefJSON,
    DownloadMessageRefBodyAppleJSON,
    ImageMessage,
    ImageMessageJSON,
    Integration,
    IntegrationApiKeyJSON,
    IntegrationJSON,
    IntegrationListResponse,
    Item,
    Message,
    MessageListResponse,
    MessagePost,
    MessagePostJSON,
    MetaConversionEvent,
    MetaConversionPayload,
    OfferControlBody,
    Participant,
    ParticipantLeaveBodyJSON,
    ParticipantListResponse,
    ParticipantSubSchemaJSON,
    ParticipantWithUserExternalId,
    PassControlBody,
    PrechatCapture,
    PrechatCaptureJSON,
    Profile,
    ProfileJSON,
    ReleaseControlBody,
    Switchboard,
    SwitchboardIntegration,
    SwitchboardIntegrationCreateBody,
    SwitchboardIntegrationCreateBodyJSON,
    SwitchboardIntegrationUpdateBody,
    SwitchboardUpdateBody,
    SwitchboardUpdateBodyJSON,
    SyncUserBody,
    TextMessage,
    TextMessageJSON,
    User,
    UserCreateBody,
    UserCreateBodyJSON,
    UserUpdateBody,
    Web,
    Webhook,
    WebhookBody,
    WebhookBodyJSON,
    WebhookCreateBody,
    WebhookCreateBodyJSON,
    WebhookJSON,
    WebJSON,
)

OPTIONS = RequestOptions()


async def apps(session: Session) -> None:
    apps = session.apps
    settings = AppSettings(mask_credit_card_numbers=True, conversation_retention_seconds=3600)
    settings_json: AppSettingsJSON = {"maskCreditCardNumbers": True, "useAnimalNames": False}

    assert_type(await apps.create(display_name="Shop"), App)
    assert_type(await apps.create(display_name="Shop", settings=settings), App)
    assert_type(await apps.create(display_name="Shop", settings=settings_json), App)
    assert_type(
        await apps.create(
            display_name="Shop",
            settings={"echoPostback": True},
            metadata={"tier": "gold", "seats": 3, "trial": False, "note": None},
            options=OPTIONS,
        ),
        App,
    )
    body: AppCreateBodyJSON = {"displayName": "Shop", "settings": {"useAnimalNames": True}}
    assert_type(await apps.create(body), App)
    assert_type(await apps.create({"displayName": "Shop", "metadata": None}), App)
    created = await apps.create(AppCreateBody(display_name="Shop", settings=settings))
    assert_type(created, App)
    assert_type(created.id, str)

    async for app in apps.list(service_account_id="sa", page_size=10):
        assert_type(app, App)
        assert_type(app.id, str)
    assert_type(apps.list(), ItemIterator[AppListResponse, App])
    assert_type(await apps.get("a"), App)
    assert_type(await apps.update("a", display_name="Shop 2", settings=settings), App)
    assert_type(await apps.update("a", {"settings": {"multiConvoEnabled": True}}), App)
    assert_type(await apps.update("a", AppUpdateBody(display_name="Shop 2")), App)
    assert_type(await apps.delete("a"), None)
    assert_type(await apps.with_raw_response.create(display_name="Shop"), RawResponse[App])
    assert_type(await apps.with_raw_response.get("a"), RawResponse[App])

    # the errors: a missing required field, a misspelled nested key, a wrong nested type
    # an overloaded method reports any mismatch as call-overload; the JSON alone shows why
    _no_name: AppCreateBodyJSON = {"settings": {}}  # type: ignore[typeddict-item]
    _misspelled: AppSettingsJSON = {"mask_credit_card_numbers": True}  # type: ignore[typeddict-unknown-key]
    _wrong_type: AppSettingsJSON = {"conversationRetentionSeconds": "1h"}  # type: ignore[typeddict-item]
    await apps.create()  # type: ignore[call-overload]
    await apps.create({"settings": {}})  # type: ignore[call-overload]
    await apps.create(display_name="Shop", settings={"mask_credit_card_numbers": True})  # type: ignore[call-overload]
    await apps.create(display_name="Shop", settings={"conversationRetentionSeconds": "1h"})  # type: ignore[call-overload]
    await apps.create(display_name="Shop", metadata={"tags": ["a", "b"]})  # type: ignore[dict-item]
    await apps.create(display_name=5)  # type: ignore[call-overload]
    await apps.update("a", {"display_name": "Shop 2"})  # type: ignore[arg-type]
    await apps.get(5)  # type: ignore[arg-type]


async def app_keys(session: Session) -> None:
    keys = session.apps["a"].keys

    created = await keys.create(display_name="ci")
    assert_type(created, AppKey)
    assert_type(created.id, str)
    assert_type(await keys.create({"displayName": "ci"}), AppKey)
    async for key in keys.list():
        assert_type(key, AppKey)
        assert_type(key.id, str)
    assert_type(keys.list(), ItemIterator[tuple[AppKey, ...], AppKey])
    assert_type(await keys.get("k"), AppKey)
    assert_type(await keys.delete("k"), None)

    _key_json: AppKeyCreateBodyJSON = {"display_name": "ci"}  # type: ignore[typeddict-item]
    await keys.create()  # type: ignore[call-overload]
    await keys.create({"display_name": "ci"})  # type: ignore[call-overload]
    await keys.create(display_name=5)  # type: ignore[call-overload]
    await keys.get(5)  # type: ignore[arg-type]


async def users(session: Session) -> None:
    users = session.apps["a"].users
    profile = Profile(given_name="Steve", email="steve@example.com")
    profile_json: ProfileJSON = {"givenName": "Steve", "surname": None}

    created = await users.create(
        external_id="steve",
        signed_up_at=datetime(2024, 1, 1),
        to_be_retained=True,
        profile=profile,
        metadata={"plan": "pro"},
    )
    assert_type(created, User)
    assert_type(created.id, str)
    assert_type(await users.create(external_id="steve", profile=profile_json), User)
    assert_type(await users.create(profile={"givenName": "Steve"}, brand_id=None), User)
    assert_type(await users.create(signed_up_at="2024-01-01T00:00:00Z"), User)
    body: UserCreateBodyJSON = {"externalId": "steve", "profile": {"locale": "en-US"}}
    assert_type(await users.create(body), User)
    assert_type(await users.create({"externalId": "steve", "toBeRetained": False}), User)
    assert_type(await users.create(UserCreateBody(external_id="steve", profile=profile)), User)

    async for user in users.list(brand_id="b", email="steve@example.com"):
        assert_type(user, User)
        assert_type(user.id, str)
    assert_type(users.list(), ItemIterator[tuple[User, ...], User])
    assert_type(await users.get("steve", brand_id="b"), User)
    assert_type(await users.update("steve", profile={"surname": "B"}, brand_id="b"), User)
    assert_type(await users.update("steve", profile=profile, to_be_retained=False), User)
    assert_type(await users.update("steve", {"profile": {"email": "s@example.com"}}), User)
    assert_type(await users.update("steve", UserUpdateBody(profile=profile)), User)
    assert_type(await users.delete("steve"), None)
    assert_type(await users.sync("z1", surviving_zendesk_id="z2"), User)
    assert_type(await users.sync("z1", {"survivingZendeskId": "z2"}), User)
    assert_type(await users.sync("z1", SyncUserBody(surviving_zendesk_id="z2")), User)

    _misspelled: ProfileJSON = {"given_name": "Steve"}  # type: ignore[typeddict-unknown-key]
    _wrong_type: ProfileJSON = {"givenName": 5}  # type: ignore[typeddict-item]
    await users.create(profile={"given_name": "Steve"})  # type: ignore[arg-type]
    await users.create(profile={"givenName": 5})  # type: ignore[arg-type]
    await users.create({"external_id": "steve"})  # type: ignore[arg-type]
    await users.create(to_be_retained="yes")  # type: ignore[arg-type]
    await users.create(profile=Profile(given_name=5))  # type: ignore[arg-type]
    await users.update("steve", profile={"avatar_url": "https://x"})  # type: ignore[arg-type]
    await users.sync("z1", {"surviving_zendesk_id": "z2"})  # type: ignore[arg-type]
    await users.get()  # type: ignore[call-arg]
    await users.delete(5)  # type: ignore[arg-type]


async def user_actions(session: Session) -> None:
    user = session.apps["a"].users["steve"]
    branded = session.apps["a"].user("steve", brand_id="b")

    scrubbed = await user.delete_personal_information()
    assert_type(scrubbed, User)
    assert_type(scrubbed.id, str)
    assert_type(await branded.delete_personal_information(brand_id="b"), User)
    assert_type(await user.with_raw_response.delete_personal_information(), RawResponse[User])

    await user.delete_personal_information(brand_id=5)  # type: ignore[arg-type]
    await user.delete_personal_information("b")  # type: ignore[call-arg]
    session.apps["a"].users[5]  # type: ignore[index]
    session.apps["a"].user("steve", brand_id=5)  # type: ignore[arg-type]


async def devices(session: Session) -> None:
    devices = session.apps["a"].users["steve"].devices

    async for device in devices.list(brand_id="b"):
        assert_type(device, Device)
        assert_type(device.id, str)
    assert_type(devices.list(), ItemIterator[tuple[Device, ...], Device])
    got = await devices.get("d", brand_id="b")
    assert_type(got, Device)
    assert_type(got.id, str)

    await devices.get()  # type: ignore[call-arg]
    await devices.get(5)  # type: ignore[arg-type]
    devices.list(brand_id=5)  # type: ignore[arg-type]


async def conversations(session: Session) -> None:
    convs = session.apps["a"].conversations

    created = await convs.create(
        type="sdkGroup",
        participants=[{"userId": "u", "subscribeSDKClient": True}, {"userExternalId": "steve"}],
        display_name="Support",
        description=None,
        icon_url="https://example.com/icon.png",
        metadata={"lang": "en"},
    )
    assert_type(created, Conversation)
    assert_type(created.id, str)
    assert_type(await convs.create(type="personal"), Conversation)
    body: ConversationCreateBodyJSON = {"type": "personal", "participants": [{"userId": "u"}]}
    assert_type(await convs.create(body), Conversation)
    assert_type(await convs.create({"type": "sdkGroup", "displayName": "Team"}), Conversation)
    model = ConversationCreateBody(type="personal", participants=[{"userId": "u"}])
    assert_type(await convs.create(model), Conversation)

    async for conversation in convs.list(user_id="u", page_size=50):
        assert_type(conversation, Conversation)
        assert_type(conversation.id, str)
    assert_type(
        convs.list(user_external_id="steve"), ItemIterator[ConversationListResponse, Conversation]
    )
    assert_type(await convs.get("c"), Conversation)
    assert_type(await convs.update("c", display_name="Help", icon_url=None), Conversation)
    assert_type(await convs.update("c", {"description": "desk"}), Conversation)
    assert_type(await convs.update("c", ConversationUpdateBody(description="d")), Conversation)
    assert_type(await convs.delete("c"), None)

    _wrong_enum: ConversationCreateBodyJSON = {"type": "group"}  # type: ignore[typeddict-item]
    _no_type: ConversationCreateBodyJSON = {"displayName": "Team"}  # type: ignore[typeddict-item]
    _misspelled: ParticipantSubSchemaJSON = {"user_id": "u"}  # type: ignore[assignment]
    await convs.create()  # type: ignore[call-overload]
    await convs.create(type="group")  # type: ignore[call-overload]
    await convs.create(type="personal", participants=[{"user_id": "u"}])  # type: ignore[call-overload]
    # each shape of the untagged union is a model too
    shape = ParticipantWithUserExternalId(user_external_id="steve", subscribe_sdk_client=True)
    assert_type(await convs.create(type="personal", participants=[shape]), Conversation)
    ParticipantWithUserExternalId(user_id="u")  # type: ignore[call-arg]
    await convs.create(type="personal", participants=[{"userId": 5}])  # type: ignore[call-overload]
    await convs.create(type="personal", display_name=5)  # type: ignore[call-overload]
    await convs.create({"type": "group"})  # type: ignore[call-overload]
    await convs.create({"displayName": "no type"})  # type: ignore[call-overload]
    await convs.update("c", {"display_name": "Help"})  # type: ignore[arg-type]
    await convs.update(5, display_name="Help")  # type: ignore[arg-type]


async def conversation_actions(session: Session) -> None:
    conv = session.apps["a"].conversations["c"]
    author = Author(type="business", subtypes=["AI"], display_name="Bot")
    author_json: AuthorJSON = {"type": "user", "userId": "u"}

    assert_type(await conv.post_activity(author=author, type="typing:start"), None)
    assert_type(await conv.post_activity(author=author_json, type="conversation:read"), None)
    assert_type(
        await conv.post_activity(author={"type": "user", "userId": "u"}, type="typing:stop"), None
    )
    activity: ActivityPostJSON = {"author": {"type": "business"}, "type": "typing:start"}
    assert_type(await conv.post_activity(activity), None)
    assert_type(await conv.post_activity(ActivityPost(author=author, type="typing:stop")), None)

    assert_type(await conv.pass_control(switchboard_integration="next", metadata={"k": 1}), None)
    assert_type(await conv.pass_control({"switchboardIntegration": "next"}), None)
    assert_type(await conv.pass_control(PassControlBody(switchboard_integration="bot")), None)
    assert_type(await conv.release_control(), None)
    assert_type(await conv.release_control(metadata={"reason": "done"}), None)
    assert_type(await conv.release_control({"metadata": None}), None)
    assert_type(await conv.release_control(ReleaseControlBody(metadata={"k": "v"})), None)
    assert_type(await conv.offer_control(switchboard_integration="agent"), None)
    assert_type(await conv.offer_control({"switchboardIntegration": "agent"}), None)
    assert_type(await conv.offer_control(OfferControlBody(switchboard_integration="agent")), None)
    assert_type(await conv.accept_control(metadata={"k": True}), None)
    assert_type(await conv.accept_control({}), None)

    ref: DownloadMessageRefBodyAppleInteractiveDataRefJSON = {
        "url": "https://x",
        "bid": "b",
        "key": "k",
        "signature": "s",
        "owner": "o",
    }
    assert_type(
        await conv.download_message_ref(user_id="u", apple={"interactiveDataRef": ref}), None
    )
    apple = DownloadMessageRefBodyApple(
        interactive_data_ref=DownloadMessageRefBodyAppleInteractiveDataRef(
            url="https://x", bid="b", key="k", signature="s", owner="o"
        )
    )
    assert_type(await conv.download_message_ref(user_id="u", apple=apple), None)
    assert_type(await conv.download_message_ref({"userId": "u"}), None)
    assert_type(await conv.download_message_ref(DownloadMessageRefBody(user_id="u")), None)

    event = MetaConversionEvent(payload=MetaConversionPayload(data=[{"event_name": "Purchase"}]))
    converted = await conv.post_conversion_events(messenger=event)
    assert_type(converted, ConversionEvents)
    assert_type(
        await conv.post_conversion_events(whatsapp={"payload": {"data": [{"value": 9.5}]}}),
        ConversionEvents,
    )
    assert_type(
        await conv.post_conversion_events({"instagram": {"payload": {"data": []}}}),
        ConversionEvents,
    )

    _wrong_enum: AuthorJSON = {"type": "bot"}  # type: ignore[typeddict-item]
    _misspelled: AuthorJSON = {"type": "user", "user_id": "u"}  # type: ignore[typeddict-unknown-key]
    _wrong_type: ActivityPostJSON = {"author": {"type": "user"}, "type": "typing"}  # type: ignore[typeddict-item]
    _incomplete: DownloadMessageRefBodyAppleJSON = {"interactiveDataRef": {"url": "u"}}  # type: ignore[typeddict-item]
    await conv.post_activity(author={"type": "bot"}, type="typing:start")  # type: ignore[call-overload]
    await conv.post_activity(author=author, type="typing")  # type: ignore[call-overload]
    await conv.post_activity(type="typing:start")  # type: ignore[call-overload]
    await conv.post_activity(author={"type": "user", "user_id": "u"}, type="typing:start")  # type: ignore[call-overload]
    await conv.post_activity({"author": {"type": "user"}, "type": "typing:begin"})  # type: ignore[call-overload]
    await conv.pass_control()  # type: ignore[call-overload]
    await conv.pass_control(switchboard_integration=5)  # type: ignore[call-overload]
    await conv.pass_control({"switchboard_integration": "next"})  # type: ignore[call-overload]
    await conv.offer_control(metadata={"k": "v"})  # type: ignore[call-overload]
    await conv.release_control(metadata={"nested": {"no": "objects"}})  # type: ignore[dict-item]
    await conv.accept_control({"meta_data": {}})  # type: ignore[arg-type]
    await conv.download_message_ref(apple={"interactiveDataRef": ref})  # type: ignore[call-overload]
    await conv.download_message_ref(user_id="u", apple={"interactiveDataRef": {"url": "u"}})  # type: ignore[call-overload]
    await conv.download_message_ref(user_id="u", apple={"interactive_data_ref": ref})  # type: ignore[call-overload]
    await conv.post_conversion_events(messenger={"payload": {"data": "Purchase"}})  # type: ignore[arg-type]
    await conv.post_conversion_events(messenger={"data": []})  # type: ignore[arg-type]


async def participants(session: Session) -> None:
    participants = session.apps["a"].conversations["c"].participants

    async for participant in participants.list(page_size=10):
        assert_type(participant, Participant)
        assert_type(participant.id, str)
    assert_type(participants.list(), ItemIterator[ParticipantListResponse, Participant])
    joined = await participants.join(user_id="u", subscribe_sdk_client=True)
    assert_type(joined, Participant)
    assert_type(joined.id, str)
    assert_type(await participants.join(user_external_id="steve"), Participant)
    assert_type(await participants.join({"userId": "u", "subscribeSDKClient": False}), Participant)
    assert_type(await participants.join({"userExternalId": "steve"}), Participant)
    assert_type(await participants.leave(user_id="u"), None)
    assert_type(await participants.leave(participant_id="p"), None)
    assert_type(await participants.leave({"userExternalId": "steve"}), None)

    _misspelled: ParticipantSubSchemaJSON = {"user_id": "u"}  # type: ignore[assignment]
    _leave_json: ParticipantLeaveBodyJSON = {"participant_id": "p"}  # type: ignore[assignment]
    await participants.join({"user_id": "u"})  # type: ignore[arg-type]
    await participants.join(subscribe_sdk_client="yes")  # type: ignore[arg-type]
    await participants.join(user_id=5)  # type: ignore[arg-type]
    await participants.leave({"participant_id": "p"})  # type: ignore[arg-type]
    await participants.leave(participant_id=5)  # type: ignore[arg-type]
    participants.list(page_size="10")  # type: ignore[arg-type]


async def messages(session: Session) -> None:
    messages = session.apps["a"].conversations["c"].messages
    business = Author(type="business")
    text = TextMessage(text="Hello", actions=[Buy(text="Buy", amount=100)])
    text_json: TextMessageJSON = {"type": "text", "text": "Hello"}

    posted = await messages.post(author=business, content=text)
    assert_type(posted, tuple[Message, ...])
    assert_type(posted[0].id, str)
    assert_type(
        await messages.post(author={"type": "user", "userId": "u"}, content=text_json),
        tuple[Message, ...],
    )
    assert_type(
        await messages.post(
            author=business,
            content={
                "type": "text",
                "text": "Pick one",
                "actions": [
                    {"type": "reply", "text": "Yes", "payload": "YES"},
                    {"type": "link", "text": "Docs", "uri": "https://example.com"},
                ],
            },
            destination={"integrationType": "whatsapp"},
            metadata={"k": "v"},
            override={"whatsapp": {"payload": {"type": "template"}}},
            schema="whatsapp",
        ),
        tuple[Message, ...],
    )
    assert_type(
        await messages.post(author=business, content=ImageMessage(media_url="https://x")),
        tuple[Message, ...],
    )
    carousel = CarouselMessage(items=[Item(title="One", actions=[Buy(text="Buy", amount=1)])])
    assert_type(await messages.post(author=business, content=carousel), tuple[Message, ...])
    assert_type(
        await messages.post(
            author=business,
            content={"type": "carousel", "items": [{"title": "One", "actions": []}]},
        ),
        tuple[Message, ...],
    )
    assert_type(
        await messages.post(author=business, content={"type": "image", "mediaUrl": "https://x"}),
        tuple[Message, ...],
    )
    body: MessagePostJSON = {
        "author": {"type": "business"},
        "content": {"type": "text", "text": "Hi"},
    }
    assert_type(await messages.post(body), tuple[Message, ...])
    assert_type(
        await messages.post({"author": {"type": "user", "userId": "u"}, "content": text_json}),
        tuple[Message, ...],
    )
    assert_type(
        await messages.post(MessagePost(author=business, content=text)), tuple[Message, ...]
    )

    async for message in messages.list(page_size=25, before="cursor"):
        assert_type(message, Message)
        assert_type(message.id, str)
    assert_type(messages.list(), ItemIterator[MessageListResponse, Message])
    assert_type(await messages.delete("m"), None)
    assert_type(await messages.delete_all(), None)
    assert_type(await messages.with_raw_response.post(body), RawResponse[tuple[Message, ...]])

    _wrong_type: TextMessageJSON = {"type": "text", "text": 5}  # type: ignore[typeddict-item]
    _wrong_enum: ContentJSON = {"type": "txt", "text": "Hi"}  # type: ignore[typeddict-item]
    _no_media: ImageMessageJSON = {"type": "image"}  # type: ignore[typeddict-item]
    _misspelled: DestinationJSON = {"integration_id": "i"}  # type: ignore[assignment]
    _bot: AuthorJSON = {"type": "bot"}  # type: ignore[typeddict-item]
    await messages.post(author=business)  # type: ignore[call-overload]
    await messages.post(content=text)  # type: ignore[call-overload]
    await messages.post(author={"type": "bot"}, content=text)  # type: ignore[call-overload]
    await messages.post(author={"type": "user", "user_id": "u"}, content=text)  # type: ignore[call-overload]
    await messages.post(author=business, content={"type": "text", "text": 5})  # type: ignore[call-overload]
    await messages.post(author=business, content={"type": "txt", "text": "Hi"})  # type: ignore[call-overload]
    await messages.post(author=business, content={"type": "image"})  # type: ignore[call-overload]
    await messages.post(author=business, content="Hello")  # type: ignore[call-overload]
    await messages.post(author=business, content=text, destination={"integration_id": "i"})  # type: ignore[call-overload]
    await messages.post({"author": {"type": "bot"}, "content": text_json})  # type: ignore[call-overload]
    await messages.post({"author": {"type": "user"}})  # type: ignore[call-overload]
    await messages.delete(5)  # type: ignore[arg-type]


async def attachments(session: Session, file: BinaryIO) -> None:
    attachments = session.apps["a"].attachments

    uploaded = await attachments.upload(b"\x89PNG", for_="message", conversation_id="c")
    assert_type(uploaded, AttachmentSchema)
    assert_type(uploaded.media_url, str)
    png = await attachments.upload(file, filename="logo.png", content_type="image/png")
    assert_type(png, AttachmentSchema)
    assert_type(await attachments.delete(media_url="https://x/a.png"), None)
    assert_type(await attachments.delete({"mediaUrl": "https://x/a.png"}), None)
    assert_type(await attachments.delete(AttachmentDeleteBody(media_url="https://x")), None)

    await attachments.upload("not bytes")  # type: ignore[arg-type]
    await attachments.upload(b"x", access=None)  # type: ignore[arg-type]
    _misspelled: AttachmentDeleteBodyJSON = {"media_url": "https://x"}  # type: ignore[typeddict-item]
    await attachments.delete()  # type: ignore[call-overload]
    await attachments.delete({"media_url": "https://x/a.png"})  # type: ignore[call-overload]
    await attachments.delete(media_url=5)  # type: ignore[call-overload]


async def integrations(session: Session) -> None:
    integrations = session.apps["a"].integrations
    hook = Webhook(target="https://example.com/hook", triggers=["conversation:message"])
    hook_json: WebhookJSON = {"target": "https://example.com/hook", "triggers": ["*"]}

    created = await integrations.create(type="custom", display_name="Bot", webhooks=[hook])
    # each type its own fields, its required ones required
    await integrations.create(type="twilio", account_sid="AC1", auth_token="t")
    await integrations.create(type="twilio")  # type: ignore[call-overload]
    await integrations.create(type="custom")  # type: ignore[call-overload]
    await integrations.create(type="web", page_access_token="x")  # type: ignore[call-overload]
    assert_type(created, Integration)
    assert_type(created.id, str)
    assert_type(await integrations.create(type="custom", webhooks=[hook_json]), Integration)
    assert_type(
        await integrations.create(
            type="web",
            brand_color="00ff00",
            origin_whitelist=["https://example.com"],
            prechat_capture={
                "enabled": True,
                "fields": [{"type": "email", "name": "e", "label": "E"}],
            },
        ),
        Integration,
    )
    assert_type(
        await integrations.create(type="web", prechat_capture=PrechatCapture(enabled=True)),
        Integration,
    )
    custom_json: CustomJSON = {"type": "custom", "webhooks": [{"target": "t", "triggers": ["*"]}]}
    assert_type(await integrations.create(custom_json), Integration)
    web_json: WebJSON = {"type": "web", "prechatCapture": {"enabled": False}}
    assert_type(await integrations.create(web_json), Integration)
    assert_type(
        await integrations.create({"type": "telegram", "token": "t", "displayName": "TG"}),
        Integration,
    )
    assert_type(await integrations.create(Custom(webhooks=[hook])), Integration)
    assert_type(await integrations.create(Web(brand_color="00ff00")), Integration)

    async for integration in integrations.list(types=["web", "ios"], page_size=10):
        assert_type(integration, Integration)
        assert_type(integration.id, str)
    assert_type(integrations.list(), ItemIterator[IntegrationListResponse, Integration])
    assert_type(await integrations.get("i"), Integration)
    assert_type(
        await integrations.update("i", display_name="Web", brand_color="ff0000"), Integration
    )
    assert_type(await integrations.update("i", {"displayName": "Web"}), Integration)
    assert_type(await integrations.update("i", {"prechatCapture": {"enabled": True}}), Integration)
    assert_type(await integrations.delete("i"), None)

    _no_hooks: CustomJSON = {"type": "custom"}  # type: ignore[typeddict-item]
    _wrong_enum: IntegrationJSON = {"type": "slack", "webhooks": []}  # type: ignore[typeddict-item]
    _misspelled: PrechatCaptureJSON = {"enable_email_linking": True}  # type: ignore[typeddict-unknown-key]
    _no_triggers: WebhookJSON = {"target": "t"}  # type: ignore[typeddict-item]
    await integrations.create()  # type: ignore[call-overload]
    await integrations.create(type="slack")  # type: ignore[call-overload]
    await integrations.create({"type": "custom"})  # type: ignore[call-overload]
    await integrations.create({"type": "slack", "displayName": "S"})  # type: ignore[call-overload]
    await integrations.create(type="custom", webhooks=[{"target": "t"}])  # type: ignore[call-overload]
    await integrations.create(
        type="custom", webhooks=[{"target": "t", "triggers": ["*"], "include_full_user": True}]
    )  # type: ignore[call-overload]
    await integrations.create(type="web", prechat_capture={"enable_email_linking": True})  # type: ignore[call-overload]
    await integrations.create(
        type="web", prechat_capture={"fields": [{"type": "number", "name": "n", "label": "N"}]}
    )  # type: ignore[call-overload]
    await integrations.create(type="web", can_user_see_conversation_list="yes")  # type: ignore[call-overload]
    await integrations.update("i", {"display_name": "Web"})  # type: ignore[arg-type]
    await integrations.update("i", prechat_capture={"enabled": "yes"})  # type: ignore[arg-type]


async def integration_keys(session: Session) -> None:
    keys = session.apps["a"].integrations["i"].keys

    created = await keys.create(display_name="bot")
    assert_type(created, ApiKey)
    assert_type(created.id, str)
    assert_type(await keys.create({"displayName": "bot"}), ApiKey)
    async for key in keys.list():
        assert_type(key, ApiKey)
        assert_type(key.id, str)
    assert_type(keys.list(), ItemIterator[tuple[ApiKey, ...], ApiKey])
    assert_type(await keys.get("k"), ApiKey)
    assert_type(await keys.delete("k"), None)

    _key_json: IntegrationApiKeyJSON = {"display_name": "bot"}  # type: ignore[typeddict-item]
    await keys.create()  # type: ignore[call-overload]
    await keys.create({"display_name": "bot"})  # type: ignore[call-overload]
    await keys.create(display_name=None)  # type: ignore[call-overload]
    await keys.delete(5)  # type: ignore[arg-type]


async def webhooks(session: Session) -> None:
    webhooks = session.apps["a"].integrations["i"].webhooks

    created = await webhooks.create(
        target="https://example.com/hook",
        triggers=["conversation:message", "conversation:read"],
        include_full_user=True,
        include_full_source=False,
    )
    assert_type(created, Webhook)
    assert_type(created.id, str)
    body: WebhookCreateBodyJSON = {"target": "https://example.com/hook", "triggers": ["*"]}
    assert_type(await webhooks.create(body), Webhook)
    assert_type(
        await webhooks.create({"target": "t", "triggers": [], "includeFullUser": True}), Webhook
    )
    assert_type(await webhooks.create(WebhookCreateBody(target="t", triggers=["*"])), Webhook)

    async for webhook in webhooks.list():
        assert_type(webhook, Webhook)
        assert_type(webhook.id, str)
    assert_type(webhooks.list(), ItemIterator[tuple[Webhook, ...], Webhook])
    assert_type(await webhooks.get("w"), Webhook)
    assert_type(await webhooks.update("w", triggers=["conversation:message"]), Webhook)
    assert_type(await webhooks.update("w", {"includeFullSource": True}), Webhook)
    assert_type(await webhooks.update("w", WebhookBody(target="t")), Webhook)
    assert_type(await webhooks.delete("w"), None)

    _no_triggers: WebhookCreateBodyJSON = {"target": "t"}  # type: ignore[typeddict-item]
    _misspelled: WebhookBodyJSON = {"include_full_user": True}  # type: ignore[typeddict-unknown-key]
    await webhooks.create(target="https://example.com/hook")  # type: ignore[call-overload]
    await webhooks.create(triggers=["*"])  # type: ignore[call-overload]
    await webhooks.create({"target": "https://example.com/hook"})  # type: ignore[call-overload]
    await webhooks.create({"target": "t", "triggers": ["*"], "include_full_user": True})  # type: ignore[call-overload]
    await webhooks.create(target="t", triggers=[1, 2])  # type: ignore[list-item]
    await webhooks.update("w", {"include_full_user": True})  # type: ignore[arg-type]
    await webhooks.update("w", include_full_user="yes")  # type: ignore[arg-type]


async def switchboards(session: Session) -> None:
    switchboards = session.apps["a"].switchboards

    created = await switchboards.create()
    assert_type(created, Switchboard)
    assert_type(created.id, str)
    async for switchboard in switchboards.list():
        assert_type(switchboard, Switchboard)
        assert_type(switchboard.id, str)
    assert_type(switchboards.list(), ItemIterator[tuple[Switchboard, ...], Switchboard])
    assert_type(await switchboards.update("s", enabled=True), Switchboard)
    assert_type(
        await switchboards.update("s", default_switchboard_integration_id="si"), Switchboard
    )
    assert_type(await switchboards.update("s", {"enabled": False}), Switchboard)
    assert_type(await switchboards.update("s", SwitchboardUpdateBody(enabled=True)), Switchboard)
    assert_type(await switchboards.delete("s"), None)

    _wrong_type: SwitchboardUpdateBodyJSON = {"enabled": "yes"}  # type: ignore[typeddict-item]
    await switchboards.create(enabled=True)  # type: ignore[call-arg]
    await switchboards.update("s", enabled="yes")  # type: ignore[arg-type]
    await switchboards.update("s", {"default_switchboard_integration_id": "si"})  # type: ignore[arg-type]
    await switchboards.update("s", {"enabled": "yes"})  # type: ignore[arg-type]
    await switchboards.delete(5)  # type: ignore[arg-type]


async def switchboard_integrations(session: Session) -> None:
    integrations = session.apps["a"].switchboards["s"].integrations

    created = await integrations.create(
        name="bot",
        integration_id="i",
        deliver_standby_events=False,
        next_switchboard_integration_id=None,
        message_history_count=5,
    )
    assert_type(created, SwitchboardIntegration)
    assert_type(created.id, str)
    assert_type(
        await integrations.create(name="agent", integration_type="zd:agentWorkspace"),
        SwitchboardIntegration,
    )
    body: SwitchboardIntegrationCreateBodyJSON = {"name": "bot", "integrationId": "i"}
    assert_type(await integrations.create(body), SwitchboardIntegration)
    model = SwitchboardIntegrationCreateBody(name="bot", integration_id="i")
    assert_type(await integrations.create(model), SwitchboardIntegration)

    async for integration in integrations.list():
        assert_type(integration, SwitchboardIntegration)
        assert_type(integration.id, str)
    assert_type(
        integrations.list(),
        ItemIterator[tuple[SwitchboardIntegration, ...], SwitchboardIntegration],
    )
    assert_type(await integrations.update("si", message_history_count=None), SwitchboardIntegration)
    assert_type(await integrations.update("si", {"name": "bot2"}), SwitchboardIntegration)
    update = SwitchboardIntegrationUpdateBody(deliver_standby_events=True)
    assert_type(await integrations.update("si", update), SwitchboardIntegration)
    assert_type(await integrations.delete("si"), None)

    _no_name: SwitchboardIntegrationCreateBodyJSON = {"integrationId": "i"}  # type: ignore[typeddict-item]
    await integrations.create(integration_id="i")  # type: ignore[call-overload]
    await integrations.create({"integrationId": "i"})  # type: ignore[call-overload]
    await integrations.create(name="bot", message_history_count="5")  # type: ignore[call-overload]
    await integrations.create({"name": "bot", "integration_id": "i"})  # type: ignore[call-overload]
    await integrations.update("si", {"messageHistoryCount": "5"})  # type: ignore[arg-type]
    await integrations.update("si", deliver_standby_events="no")  # type: ignore[arg-type]


async def token_info(session: Session) -> None:
    app = await session.token_info()
    assert_type(app, App)
    assert_type(app.id, str)
    assert_type(await session.token_info(options=OPTIONS), App)
    assert_type(await session.with_options(max_retries=0).token_info(), App)

    await session.token_info(timeout=1.0)  # type: ignore[call-arg]
    await session.token_info(options={"timeout": 1.0})  # type: ignore[arg-type]


async def clients(session: Session) -> None:
    import sunshine_async as sa
    from sunshine_async import ClientIterator, ClientPageIterator
    from sunshine_async.types import ClientCreateJSON, MatchCriteriaWhatsappJSON

    clients = session.apps["a"].users["u"].clients
    whatsapp = sa.MatchCriteriaWhatsapp(integration_id="i", phone_number="+15145555555")
    # valid: keywords as models, as JSON, and the whole body as one model or its JSON
    made = await clients.create(
        match_criteria=whatsapp,
        confirmation=sa.Confirmation(type="immediate"),
        target=sa.Target(conversation_id="c"),
    )
    assert_type(made, sa.Client)
    assert_type(made.id, str)
    as_json: MatchCriteriaWhatsappJSON = {
        "type": "whatsapp",
        "integrationId": "i",
        "phoneNumber": "+1 212-555-2368",
    }
    await clients.create(
        match_criteria=as_json, confirmation={"type": "prompt"}, target={"conversationId": "c"}
    )
    whole: ClientCreateJSON = {
        "matchCriteria": as_json,
        "confirmation": {"type": "userActivity"},
        "target": {"conversationId": "c"},
    }
    await clients.create(whole)
    await clients.create(
        sa.ClientCreate(
            match_criteria=whatsapp,
            confirmation=sa.Confirmation(type="prompt"),
            target=sa.Target(conversation_id="c"),
        )
    )
    # a missing required field
    await clients.create(match_criteria=whatsapp, confirmation={"type": "prompt"})  # type: ignore[call-overload]
    # a misspelled nested key
    await clients.create(  # type: ignore[call-overload]
        match_criteria=whatsapp, confirmation={"type": "prompt"}, target={"conversation_id": "c"}
    )
    # a wrong enum value
    await clients.create(  # type: ignore[call-overload]
        match_criteria=whatsapp, confirmation={"type": "instant"}, target={"conversationId": "c"}
    )
    # a wrong nested type
    await clients.create(  # type: ignore[call-overload]
        match_criteria={"type": "whatsapp", "integrationId": "i", "phoneNumber": 15145555555},
        confirmation={"type": "prompt"},
        target={"conversationId": "c"},
    )
    # a required field of a model
    sa.Target()  # type: ignore[call-arg]
    assert_type(clients.list(), ClientIterator)
    assert_type(clients.pages(page_size=10), ClientPageIterator)
    async for page in clients.pages():
        assert_type(page.meta.has_more, bool | None)
        assert_type(page.clients, Sequence[sa.Client])
    assert_type(await clients.remove(made), None)
    raw = await clients.with_raw_response.list()
    assert_type(raw.parse(), sa.ClientListResponse)
