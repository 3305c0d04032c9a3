"""`Hooks`: callables a Session calls around every attempt, for logs, metrics and traces.

Each hook gets one `RequestEvent` per attempt. Hooks run in the request's own task,
one after another; a hook that raises is logged and skipped, so no hook can fail a
request or leave the pool short of a slot.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeAlias, final

import attrs

from ._exceptions import InvalidArgumentError

if TYPE_CHECKING:
    from ._exceptions import SunshineError

__all__ = ["Hook", "HookRunner", "Hooks", "RequestEvent"]

logger = logging.getLogger("sunshine_async")


def _type_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


@final
@attrs.define(kw_only=True, eq=False)
class RequestEvent:
    """One attempt of one request, as the hooks see it: never a secret, never an id.

    The same object goes to every hook of one attempt (``on_request``, then
    ``on_response`` or ``on_error``, then ``on_retry`` if it is retried), so a hook
    may keep what it needs between them in `state` (a tracing span, a start time).

    .. versionadded:: 0.2
    """

    #: ``"GET"``, ``"POST"``, ...
    method: str
    #: The operation's id in the API reference (``"GetUser"``, ``"CreateClient"``),
    #: or None for `Session.request` called directly.
    operation_id: str | None
    #: The path with its placeholders, never the ids (``/v2/apps/{appId}/users``);
    #: None for `Session.request` called directly.
    path_template: str | None
    #: The API's host name (``api.smooch.io``) and port.
    server_address: str
    server_port: int
    #: 1 for the first attempt, 2 for the first retry, ...
    attempt: int
    #: The HTTP status, once a response came; None before, or when none came.
    status_code: int | None = None
    #: Seconds the attempt took (a free connection slot, sending, reading the whole
    #: body), once it has ended.
    duration: float | None = None
    #: What the attempt ended with, if not a success: an `ApiError` for an error
    #: status, an `ApiConnectionError` when no response came, ... (its message names
    #: the URL, ids included: the event's repr shows only its type)
    error: SunshineError | None = attrs.field(default=None, repr=_type_name)
    #: For ``on_retry``: the seconds the Session will wait before the next attempt.
    retry_delay: float | None = None
    #: The hooks' own: anything they want to keep for this attempt.
    state: dict[str, object] = attrs.field(factory=dict)


#: A hook: a plain function or a coroutine function taking the `RequestEvent`.
Hook: TypeAlias = Callable[[RequestEvent], "Awaitable[object] | object"]


def _hook(instance: object, attribute: attrs.Attribute[Hook | None], value: object) -> None:
    if value is not None and not callable(value):
        raise InvalidArgumentError(f"Hooks.{attribute.name} must be callable, got {value!r}")


@final
@attrs.frozen(kw_only=True)
class Hooks:
    """What a `Session` calls around each attempt; each is optional.

    Every hook is a plain function or a coroutine function taking a `RequestEvent`,
    and is called once per attempt, retries included:

    - ``on_request``: before the attempt (before it waits for a connection slot);
    - ``on_response``: the attempt succeeded (``status_code`` and ``duration`` set);
    - ``on_error``: the attempt failed: an error status (``status_code`` set) or no
      response at all; ``error`` says which;
    - ``on_retry``: after ``on_error``, when the Session will try again, with
      ``retry_delay``.

    A hook that raises does not fail the request: the exception is logged (as a
    warning of the ``sunshine_async`` logger, with its traceback) and the request goes
    on. Hooks run inside the request, so a slow one slows it; cancellation of the
    request passes through them.

    Example::

        def log(event: RequestEvent) -> None:
            print(event.method, event.path_template, event.status_code, event.duration)

        session = Session(hooks=Hooks(on_response=log, on_error=log))

    .. versionadded:: 0.2
    """

    on_request: Hook | None = attrs.field(default=None, validator=_hook)
    on_response: Hook | None = attrs.field(default=None, validator=_hook)
    on_error: Hook | None = attrs.field(default=None, validator=_hook)
    on_retry: Hook | None = attrs.field(default=None, validator=_hook)


@final
class HookRunner:
    """Every hook a Session was given, gathered by kind, and the safe way to call them."""

    __slots__ = ("on_error", "on_request", "on_response", "on_retry")

    def __init__(self, hooks: Sequence[Hooks]) -> None:
        for hooks_object in hooks:
            if not isinstance(hooks_object, Hooks):
                raise InvalidArgumentError(
                    f"hooks must be Hooks objects, got {type(hooks_object).__name__}"
                )
        self.on_request = tuple(h.on_request for h in hooks if h.on_request is not None)
        self.on_response = tuple(h.on_response for h in hooks if h.on_response is not None)
        self.on_error = tuple(h.on_error for h in hooks if h.on_error is not None)
        self.on_retry = tuple(h.on_retry for h in hooks if h.on_retry is not None)

    @staticmethod
    def gather(hooks: Hooks | Sequence[Hooks] | None) -> tuple[Hooks, ...]:
        """The ``hooks=`` a Session was given, as a tuple (checked by the runner)."""
        if hooks is None:
            return ()
        return (hooks,) if isinstance(hooks, Hooks) else tuple(hooks)

    @staticmethod
    async def call(kind: str, hooks: tuple[Hook, ...], event: RequestEvent) -> None:
        """Call each hook with ``event``; one that raises is logged, then skipped."""
        for hook in hooks:
            try:
                result = hook(event)
                if inspect.isawaitable(result):
                    await result
            except Exception as exc:
                # the event holds no secret and no id, and neither does this line
                logger.warning(
                    "the %s hook %s raised %s; the request goes on without it",
                    kind,
                    getattr(hook, "__qualname__", type(hook).__name__),
                    type(exc).__name__,
                    exc_info=exc,
                )
