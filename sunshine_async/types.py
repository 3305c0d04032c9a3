"""Every model of the API, by the name of the spec's schema it is read into.

The common ones are in `sunshine_async` too. Where a hand-written class stands for a
schema (`Client`, the Clients request models, `Author`, `MessagePost`, `Meta`,
`Links`), that class is the one exported here, so that one name is one class:

>>> import sunshine_async
>>> from sunshine_async import types
>>> types.Client is sunshine_async.Client
True
>>> issubclass(types.Custom, types.Integration)
True

Beside each model of a request's object, its JSON in the API's own camelCase keys is a
TypedDict named after it (`ProfileJSON`, `MatchCriteriaWhatsappJSON`, ...); a method
takes either for each nested object. A union of models and their JSON is an alias
ending in ``Input`` (`ContentInput`).

An integration is read as the class of its ``type`` (`Custom`, `Twilio`,
`Whatsapp`, ...), each a subclass of `Integration`; a type newer than this version
reads as `Integration` itself.
"""

from __future__ import annotations

from ._generated.types import *  # noqa: F403 - the generated list is the whole point
from ._generated.types import __all__ as _generated
from ._generated.wire import *  # noqa: F403 - the JSON of the requests, as TypedDicts
from ._generated.wire import __all__ as _wire
from ._models import Author as Author
from ._models import Client as Client
from ._models import ClientCreate as ClientCreate
from ._models import ClientListResponse as ClientListResponse
from ._models import Links as Links
from ._models import MatchCriteriaMailgun as MatchCriteriaMailgun
from ._models import MatchCriteriaMessagebird as MatchCriteriaMessagebird
from ._models import MatchCriteriaTwilio as MatchCriteriaTwilio
from ._models import MatchCriteriaWhatsapp as MatchCriteriaWhatsapp
from ._models import MessagePost as MessagePost
from ._models import Meta as Meta

__all__ = [
    *_generated,
    *_wire,
    "Author",
    "Client",
    "ClientCreate",
    "ClientListResponse",
    "Links",
    "MatchCriteriaMailgun",
    "MatchCriteriaMessagebird",
    "MatchCriteriaTwilio",
    "MatchCriteriaWhatsapp",
    "MessagePost",
    "Meta",
]
