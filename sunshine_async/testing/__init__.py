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

or over a real socket, with `serve_in_thread` or from the command line
(``python -m sunshine_async.testing --port 0 --clients 150``). Everything it needs comes
with the ``testing`` extra: ``pip install 'sunshine-async[testing]'``.
"""

from __future__ import annotations

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

# Reprs and tracebacks show the public path (sunshine_async.testing.Latency).
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and _obj.__module__.startswith(__name__ + "."):
        _obj.__module__ = __name__
del _name, _obj
