"""sunshine-async: an async SDK for the Sunshine Conversations v2 API (asyncio and trio).

>>> import sunshine_async
>>> sunshine_async.ClientType.WHATSAPP == "whatsapp"
True

Start with `Session`; every resource hangs off ``session.apps``. Webhook deliveries
are read by `sunshine_async.webhooks`.
"""

from __future__ import annotations

# the public submodule, imported here so that it is always an attribute of the package
from . import types as types
from . import webhooks as webhooks
from ._auth import BasicCredentials as BasicCredentials
from ._auth import JwtCredentials as JwtCredentials
from ._auth import MintedJwtCredentials as MintedJwtCredentials
from ._config import DEFAULT_BASE_URL as DEFAULT_BASE_URL
from ._converter import CONVERTER as CONVERTER
from ._converter import make_converter as make_converter
from ._converter import problems_in as problems_in
from ._exceptions import ApiConnectionError as ApiConnectionError
from ._exceptions import ApiError as ApiError
from ._exceptions import ApiTimeoutError as ApiTimeoutError
from ._exceptions import AuthenticationError as AuthenticationError
from ._exceptions import BadRequestError as BadRequestError
from ._exceptions import ConflictError as ConflictError
from ._exceptions import ErrorDetail as ErrorDetail
from ._exceptions import InvalidArgumentError as InvalidArgumentError
from ._exceptions import LinkFailedError as LinkFailedError
from ._exceptions import LinkTimeoutError as LinkTimeoutError
from ._exceptions import NotFoundError as NotFoundError
from ._exceptions import PaginationError as PaginationError
from ._exceptions import PermissionDeniedError as PermissionDeniedError
from ._exceptions import PoolTimeoutError as PoolTimeoutError
from ._exceptions import RateLimitError as RateLimitError
from ._exceptions import RequestInfo as RequestInfo
from ._exceptions import ResponseTooLargeError as ResponseTooLargeError
from ._exceptions import ResponseValidationError as ResponseValidationError
from ._exceptions import ServerError as ServerError
from ._exceptions import SessionClosedError as SessionClosedError
from ._exceptions import SunshineError as SunshineError
from ._exceptions import WebhookParseError as WebhookParseError
from ._exceptions import WebhookVerificationError as WebhookVerificationError
from ._exceptions import WrongEventLoopError as WrongEventLoopError
from ._generated.models import App as App
from ._generated.models import Author as Author
from ._generated.models import ClientCreate as ClientCreate
from ._generated.models import ClientListResponse as ClientListResponse
from ._generated.models import Confirmation as Confirmation
from ._generated.models import Content as Content
from ._generated.models import Conversation as Conversation
from ._generated.models import Custom as Custom
from ._generated.models import ImageMessage as ImageMessage
from ._generated.models import Integration as Integration
from ._generated.models import Link as Link
from ._generated.models import Links as Links
from ._generated.models import MatchCriteria as MatchCriteria
from ._generated.models import MatchCriteriaMailgun as MatchCriteriaMailgun
from ._generated.models import MatchCriteriaMessagebird as MatchCriteriaMessagebird
from ._generated.models import MatchCriteriaTwilio as MatchCriteriaTwilio
from ._generated.models import MatchCriteriaWhatsapp as MatchCriteriaWhatsapp
from ._generated.models import Message as Message
from ._generated.models import MessagePost as MessagePost
from ._generated.models import Meta as Meta
from ._generated.models import Participant as Participant
from ._generated.models import Profile as Profile
from ._generated.models import Switchboard as Switchboard
from ._generated.models import SwitchboardIntegration as SwitchboardIntegration
from ._generated.models import Target as Target
from ._generated.models import TextMessage as TextMessage
from ._generated.models import User as User
from ._generated.models import Webhook as Webhook
from ._hooks import Hooks as Hooks
from ._hooks import RequestEvent as RequestEvent
from ._models import UNSET as UNSET
from ._models import Client as Client
from ._models import ClientStatus as ClientStatus
from ._models import ClientType as ClientType
from ._models import Unset as Unset
from ._options import RequestOptions as RequestOptions
from ._pagination import ItemIterator as ItemIterator
from ._pagination import PageIterator as PageIterator
from ._raw import RawResponse as RawResponse
from ._resources import AppKeysResource as AppKeysResource
from ._resources import AppResource as AppResource
from ._resources import AppsResource as AppsResource
from ._resources import AttachmentsResource as AttachmentsResource
from ._resources import ClientIterator as ClientIterator
from ._resources import ClientPageIterator as ClientPageIterator
from ._resources import ClientsResource as ClientsResource
from ._resources import ConversationResource as ConversationResource
from ._resources import ConversationsResource as ConversationsResource
from ._resources import DevicesResource as DevicesResource
from ._resources import IntegrationKeysResource as IntegrationKeysResource
from ._resources import IntegrationResource as IntegrationResource
from ._resources import IntegrationsResource as IntegrationsResource
from ._resources import MessagesResource as MessagesResource
from ._resources import ParticipantsResource as ParticipantsResource
from ._resources import SwitchboardIntegrationsResource as SwitchboardIntegrationsResource
from ._resources import SwitchboardResource as SwitchboardResource
from ._resources import SwitchboardsResource as SwitchboardsResource
from ._resources import UserResource as UserResource
from ._resources import UsersResource as UsersResource
from ._resources import WebhooksResource as WebhooksResource
from ._responses import ApiResponse as ApiResponse
from ._retry import RetryPolicy as RetryPolicy
from ._session import Session as Session
from ._session import SessionWithOptions as SessionWithOptions
from ._transport import PoolStats as PoolStats
from ._version import __version__ as __version__

__all__ = [
    "CONVERTER",
    "DEFAULT_BASE_URL",
    "UNSET",
    "ApiConnectionError",
    "ApiError",
    "ApiResponse",
    "ApiTimeoutError",
    "App",
    "AppKeysResource",
    "AppResource",
    "AppsResource",
    "AttachmentsResource",
    "AuthenticationError",
    "Author",
    "BadRequestError",
    "BasicCredentials",
    "Client",
    "ClientCreate",
    "ClientIterator",
    "ClientListResponse",
    "ClientPageIterator",
    "ClientStatus",
    "ClientType",
    "ClientsResource",
    "Confirmation",
    "ConflictError",
    "Content",
    "Conversation",
    "ConversationResource",
    "ConversationsResource",
    "Custom",
    "DevicesResource",
    "ErrorDetail",
    "Hooks",
    "ImageMessage",
    "Integration",
    "IntegrationKeysResource",
    "IntegrationResource",
    "IntegrationsResource",
    "InvalidArgumentError",
    "ItemIterator",
    "JwtCredentials",
    "Link",
    "LinkFailedError",
    "LinkTimeoutError",
    "Links",
    "MatchCriteria",
    "MatchCriteriaMailgun",
    "MatchCriteriaMessagebird",
    "MatchCriteriaTwilio",
    "MatchCriteriaWhatsapp",
    "Message",
    "MessagePost",
    "MessagesResource",
    "Meta",
    "MintedJwtCredentials",
    "NotFoundError",
    "PageIterator",
    "PaginationError",
    "Participant",
    "ParticipantsResource",
    "PermissionDeniedError",
    "PoolStats",
    "PoolTimeoutError",
    "Profile",
    "RateLimitError",
    "RawResponse",
    "RequestEvent",
    "RequestInfo",
    "RequestOptions",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "RetryPolicy",
    "ServerError",
    "Session",
    "SessionClosedError",
    "SessionWithOptions",
    "SunshineError",
    "Switchboard",
    "SwitchboardIntegration",
    "SwitchboardIntegrationsResource",
    "SwitchboardResource",
    "SwitchboardsResource",
    "Target",
    "TextMessage",
    "Unset",
    "User",
    "UserResource",
    "UsersResource",
    "Webhook",
    "WebhookParseError",
    "WebhookVerificationError",
    "WebhooksResource",
    "WrongEventLoopError",
    "make_converter",
    "problems_in",
    "types",
    "webhooks",
]

# Tracebacks and reprs show the public path (sunshine_async.Client), not the private module.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and _obj.__module__.startswith("sunshine_async."):
        _obj.__module__ = __name__
del _name, _obj
