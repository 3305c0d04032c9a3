"""Every model of the API, by the name of the spec's schema it is read into.

The common ones are in `sunshine_async` too. One name is one class: `Client`, written
by hand for its open enums, is the class of the ``client`` schema everywhere.

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

Every model turns back into the API's JSON with ``model.to_dict()``, and is read from
it with ``Model.from_dict(data)``.
"""

from __future__ import annotations

from ._generated.types import *  # noqa: F403 - the generated list is the whole point
from ._generated.types import __all__ as _generated
from ._generated.wire import *  # noqa: F403 - the JSON of the requests, as TypedDicts
from ._generated.wire import __all__ as _wire
from ._models import Client as Client

__all__ = [*_generated, *_wire, "Client"]
