"""An in-memory fake Sunshine Conversations server for testing code that uses the SDK.

`FakeSunshine` serves every operation of the v2 API, routed by the official spec
itself (read at run time, never through the SDK's generated code). Apps, users,
clients, devices, conversations, participants, messages, integrations and webhooks are
kept in memory; the other operations answer with the spec's example. Requests are
checked against the spec's JSON Schemas (never against the SDK's own models), answers
hold only what the spec names, and errors come in the API's shape and wording, with its
pagination and auth, a request log and reproducible fault injection. Use it in
process::

    from sunshine_async.testing import FakeSunshine

    fake = FakeSunshine()
    fake.add_user("5d8cff3cd55b040010928b5b", user_id="user-1")
    fake.add_clients("5d8cff3cd55b040010928b5b", "user-1", 150)
    async with fake.session() as session:
        ...

with pytest, through the ``sunshine_fake`` fixture (`sunshine_async.testing.pytest_plugin`,
loaded by pytest itself), or over a real socket, with `serve_in_thread` or from the
command line (``python -m sunshine_async.testing --port 0 --clients 150``). Everything
it needs comes with the ``testing`` extra: ``pip install 'sunshine-async[testing]'``.

The names here are loaded when first used, so that pytest loading the plugin does not
load the fake (nor read the spec) for a suite that never uses it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from ._app import FakeSunshine as FakeSunshine
    from ._app import FakeTransport as FakeTransport
    from ._app import FakeWebhook as FakeWebhook
    from ._app import RecordedRequest as RecordedRequest
    from ._delivery import Delivery as Delivery
    from ._delivery import DeliveryAttempt as DeliveryAttempt
    from ._faults import DropConnection as DropConnection
    from ._faults import Fault as Fault
    from ._faults import Latency as Latency
    from ._faults import RefuseConnection as RefuseConnection
    from ._faults import Status as Status
    from ._server import serve_in_thread as serve_in_thread

#: public name -> the private module it is defined in
_HOMES: Final = {
    "Delivery": "_delivery",
    "DeliveryAttempt": "_delivery",
    "DropConnection": "_faults",
    "FakeSunshine": "_app",
    "FakeTransport": "_app",
    "FakeWebhook": "_app",
    "Fault": "_faults",
    "Latency": "_faults",
    "RecordedRequest": "_app",
    "RefuseConnection": "_faults",
    "Status": "_faults",
    "serve_in_thread": "_server",
}

__all__ = [
    "Delivery",
    "DeliveryAttempt",
    "DropConnection",
    "FakeSunshine",
    "FakeTransport",
    "FakeWebhook",
    "Fault",
    "Latency",
    "RecordedRequest",
    "RefuseConnection",
    "Status",
    "serve_in_thread",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    if isinstance(value, type) and value.__module__.startswith(__name__ + "."):
        # reprs and tracebacks show the public path (sunshine_async.testing.Latency)
        value.__module__ = __name__
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
