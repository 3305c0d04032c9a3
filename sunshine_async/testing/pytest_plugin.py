"""The pytest plugin of `sunshine_async.testing`: a ``sunshine_fake`` fixture and marker.

pytest loads it by itself once ``sunshine-async`` is installed (the ``pytest11`` entry
point); there is nothing to add to a ``conftest.py``. It imports nothing but pytest
until a test asks for the fixture, so a suite that never uses it pays nothing more, and
a missing ``testing`` extra (jsonschema) fails only the tests that use it, saying what
to install.

The fixture gives each test a fresh `FakeSunshine`::

    @pytest.mark.anyio
    async def test_lists_clients(sunshine_fake: FakeSunshine) -> None:
        app = sunshine_fake.add_app()
        user = sunshine_fake.add_user(app)
        sunshine_fake.add_clients(app, user, 3)
        async with sunshine_fake.session() as session:
            assert len([c async for c in session.apps[app].users[user].clients.list()]) == 3

The marker seeds it before the test starts, and sets its options::

    @pytest.mark.sunshine_fake(
        apps="5d8cff3cd55b040010928b5b",
        users=["user-1", "user-2"],
        clients={"user-1": 150, "user-2": {"n": 3, "status": "blocked"}},
        integrations=["whatsapp", "custom"],
    )
    @pytest.mark.anyio
    async def test_removes_blocked(sunshine_fake: FakeSunshine) -> None: ...

Its keywords (all optional):

- ``apps``: an app id or a list of them, created in order. The first is the app that
  ``users``, ``clients`` and ``integrations`` seed; when they are given without
  ``apps``, it is `DEFAULT_APP_ID`.
- ``users``: user ids, or a mapping of user id to `FakeSunshine.add_user` keywords
  (``{"user-1": {"external_id": "steveb@example.com"}}``).
- ``integrations``: integration types, or mappings of `FakeSunshine.add_integration`
  keywords (``{"type": "custom", "integration_id": "..."}``).
- ``clients``: a mapping of user (id or external id) to a number of clients (WhatsApp,
  active), or to `FakeSunshine.add_clients` keywords (``{"n": 3, "type": "twilio",
  "status": "blocked"}``). Each is linked through the first integration of its type
  (one is made when there is none).
- ``key_id``, ``secret``, ``seed``, ``base_url``, ``delivery_retry_pause``: passed to
  `FakeSunshine`.

A marker on a class or module applies to each of its tests; on the test itself it
overrides those keyword by keyword. The async tests run on whichever backend anyio's
plugin gives them (``@pytest.mark.anyio``): the fake itself needs no event loop.

.. versionadded:: 0.4
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import pytest

if TYPE_CHECKING:
    from ._app import FakeSunshine

__all__ = ["DEFAULT_APP_ID", "MARKER", "sunshine_fake"]

#: The marker's name (also the fixture's).
MARKER: Final = "sunshine_fake"
#: The app the marker seeds when it names none.
DEFAULT_APP_ID: Final = "5d8cff3cd55b040010928b5b"
_INSTALL_HINT: Final = "pip install 'sunshine-async[testing]'"
_OPTIONS: Final = frozenset({"key_id", "secret", "seed", "base_url", "delivery_retry_pause"})
_SEEDS: Final = ("apps", "users", "clients", "integrations")


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker, so that ``--strict-markers`` accepts it."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(apps=, users=, clients=, integrations=, key_id=, secret=, seed=, ...):"
        " seed the sunshine_fake fixture's FakeSunshine and set its options",
    )


@pytest.fixture
def sunshine_fake(request: pytest.FixtureRequest) -> FakeSunshine:
    """A fresh `FakeSunshine` for this test, seeded by its ``sunshine_fake`` marker.

    ``sunshine_fake.session()`` gives a `Session` bound to it in process.
    """
    given = _marker_keywords(request.node)
    problem = None
    try:
        from ._app import FakeSunshine

        fake = FakeSunshine(**{k: v for k, v in given.items() if k in _OPTIONS})
    except ImportError as exc:  # jsonschema, the testing extra, is missing
        reason = str(exc) if _INSTALL_HINT in str(exc) else f"{exc}: {_INSTALL_HINT}"
        problem = f"the sunshine_fake fixture needs the testing extra: {reason}"
    except (TypeError, ValueError) as exc:
        problem = f"@pytest.mark.{MARKER}: cannot make the fake: {exc}"
    else:
        try:
            _seed(fake, given)
        except (KeyError, TypeError, ValueError) as exc:
            problem = f"@pytest.mark.{MARKER}: cannot seed the fake: {exc}"
    if problem is not None:
        # failed outside the except blocks: the report shows only what is wrong
        pytest.fail(problem, pytrace=False)
    return fake


def _marker_keywords(node: pytest.Item) -> dict[str, Any]:
    """The markers' keywords, those closest to the test winning."""
    merged: dict[str, Any] = {}
    for marker in reversed(list(node.iter_markers(MARKER))):
        if marker.args:
            pytest.fail(
                f"@pytest.mark.{MARKER} takes keywords only, got {marker.args!r}", pytrace=False
            )
        unknown = sorted(set(marker.kwargs) - _OPTIONS - set(_SEEDS))
        if unknown:
            known = ", ".join(sorted([*_SEEDS, *_OPTIONS]))
            pytest.fail(
                f"@pytest.mark.{MARKER} does not take {', '.join(unknown)} (it takes {known})",
                pytrace=False,
            )
        merged.update(marker.kwargs)
    return merged


def _seed(fake: FakeSunshine, given: Mapping[str, Any]) -> None:
    """Create what the marker names: apps, users, integrations, then clients."""
    apps = given.get("apps")
    app_ids: list[str] = [apps] if isinstance(apps, str) else list(apps or ())
    if not app_ids and any(given.get(name) for name in _SEEDS[1:]):
        app_ids = [DEFAULT_APP_ID]
    for app_id in app_ids:
        fake.add_app(app_id)
    if not app_ids:
        return
    app = app_ids[0]
    for user_id, options in _entries(given.get("users"), "users"):
        fake.add_user(app, user_id=user_id, **options)
    # integrations before clients: a client's channel is the first integration of its type
    for kind, options in _entries(given.get("integrations"), "integrations", key="type"):
        fake.add_integration(app, kind, **options)
    clients = given.get("clients") or {}
    if not isinstance(clients, Mapping):
        raise TypeError(f"clients must map a user to a count or to keywords, got {clients!r}")
    for user, how in clients.items():
        options = {"n": how} if isinstance(how, int) else dict(how)
        fake.add_clients(app, user, **options)


def _entries(
    value: object, name: str, *, key: str | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """``(name, keywords)`` pairs from a list of names, a mapping, or a list of mappings.

    With ``key``, a mapping in the list names its entry under that key.
    """
    if value is None:
        return []
    if isinstance(value, str):
        return [(value, {})]
    if isinstance(value, Mapping):
        return [(str(k), dict(v or {})) for k, v in value.items()]
    if not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a list or a mapping, got {value!r}")
    entries: list[tuple[str, dict[str, Any]]] = []
    for item in value:
        if isinstance(item, str):
            entries.append((item, {}))
        elif key is not None and isinstance(item, Mapping) and key in item:
            options = dict(item)
            entries.append((str(options.pop(key)), options))
        else:
            raise TypeError(f"cannot read {item!r} in {name}")
    return entries
