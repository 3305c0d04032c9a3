"""Tests for `sunshine_async.testing.pytest_plugin`: the ``sunshine_fake`` fixture and marker.

Each test writes a small test suite and runs pytest on it in a subprocess (`pytester`),
as a user's suite would run: the plugin is loaded through its ``pytest11`` entry point,
not named anywhere.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest_plugins = ["pytester"]

#: A conftest as a user would write it: both anyio backends, named.
CONFTEST = """
import pytest


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    return request.param
"""
#: Strict, as this project runs (and the plugin must not need anything else).
ARGS = ("-p", "anyio", "-p", "no:cacheprovider", "--strict-markers", "-W", "error")


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_user=textwrap.dedent(source))
    return pytester.runpytest_subprocess(*ARGS, *args)


class TestFixture:
    def test_fresh_fake_per_test_on_both_backends(self, pytester: pytest.Pytester) -> None:
        """Each test gets a new FakeSunshine, and its session works on asyncio and trio."""
        result = run(
            pytester,
            """
            import pytest
            from sunshine_async.testing import FakeSunshine

            @pytest.mark.anyio
            async def test_uses_the_session(sunshine_fake, anyio_backend):
                assert type(sunshine_fake) is FakeSunshine
                app = sunshine_fake.add_app()
                user = sunshine_fake.add_user(app, user_id="user-1")
                sunshine_fake.add_clients(app, user, 3)
                async with sunshine_fake.session() as session:
                    found = [c async for c in session.apps[app].users[user].clients.list()]
                assert len(found) == 3

            def test_starts_empty(sunshine_fake):
                assert sunshine_fake.apps() == []
                assert sunshine_fake.requests == []
            """,
        )
        result.assert_outcomes(passed=3)

    def test_fixture_is_documented(self, pytester: pytest.Pytester) -> None:
        """``pytest --fixtures`` lists sunshine_fake with its docstring (the marker is
        registered: the other runs pass ``--strict-markers``)."""
        pytester.makepyfile(test_user="def test_nothing(): pass")
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--fixtures")
        result.stdout.fnmatch_lines(["sunshine_fake*", "*A fresh `FakeSunshine` for this test*"])

    def test_missing_jsonschema_fails_only_its_users(self, pytester: pytest.Pytester) -> None:
        """Without the testing extra, the suite loads; a test using the fixture fails
        with what to install, the others pass."""
        # as if the testing extra were missing
        pytester.makeconftest("import sys\nsys.modules['jsonschema'] = None\n")
        pytester.makepyfile(
            test_user="""
            def test_without_fake():
                pass

            def test_with_fake(sunshine_fake):
                pass
            """
        )
        result = pytester.runpytest_subprocess(*ARGS)
        result.assert_outcomes(passed=1, errors=1)
        result.stdout.fnmatch_lines(
            ["*sunshine_fake fixture needs the testing extra*pip install*sunshine-async?testing?*"]
        )

    def test_plugin_import_is_light(self) -> None:
        """Loading the plugin loads neither the fake nor jsonschema nor uvicorn."""
        code = (
            "import sys, sunshine_async.testing.pytest_plugin\n"
            "loaded = {'sunshine_async.testing._app', 'jsonschema', 'uvicorn'} & set(sys.modules)\n"
            "assert not loaded, loaded\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


class TestMarker:
    def test_seeds_apps_users_clients_and_integrations(self, pytester: pytest.Pytester) -> None:
        """The marker creates what it names, in the first app, before the test."""
        result = run(
            pytester,
            """
            import pytest

            APP = "5e3b1c2a5f4a1f0010a1b2c3"

            @pytest.mark.sunshine_fake(
                apps=[APP, "6e3b1c2a5f4a1f0010a1b2c3"],
                users={"user-1": {"external_id": "steveb@example.com"}, "user-2": {}},
                clients={"user-1": 150, "user-2": {"n": 2, "status": "blocked"}},
                integrations=["whatsapp", {"type": "custom", "display_name": "hooks"}],
            )
            @pytest.mark.anyio
            async def test_seeded(sunshine_fake):
                assert [a.id for a in sunshine_fake.apps()] == [APP, "6e3b1c2a5f4a1f0010a1b2c3"]
                assert [u.id for u in sunshine_fake.users(APP)] == ["user-1", "user-2"]
                assert len(sunshine_fake.clients(APP, "steveb@example.com")) == 150
                assert {c.status for c in sunshine_fake.clients(APP, "user-2")} == {"blocked"}
                kinds = [i.type for i in sunshine_fake.integrations(APP)]
                assert kinds == ["whatsapp", "custom"]
                async with sunshine_fake.session() as session:
                    listed = [c async for c in session.apps[APP].users["user-1"].clients.list()]
                assert len(listed) == 150

            @pytest.mark.sunshine_fake(users=["user-1"])
            def test_default_app(sunshine_fake):
                from sunshine_async.testing.pytest_plugin import DEFAULT_APP_ID
                assert [u.id for u in sunshine_fake.users(DEFAULT_APP_ID)] == ["user-1"]
            """,
        )
        result.assert_outcomes(passed=3)

    def test_options_and_closest_marker_wins(self, pytester: pytest.Pytester) -> None:
        """A class's marker applies to its tests; the test's own overrides it by keyword."""
        result = run(
            pytester,
            """
            import pytest

            @pytest.mark.sunshine_fake(key_id="app_key_1", secret="one", users=["user-1"])
            class TestSome:
                def test_class_marker(self, sunshine_fake):
                    assert (sunshine_fake.key_id, sunshine_fake.secret) == ("app_key_1", "one")
                    assert len(sunshine_fake.users("5d8cff3cd55b040010928b5b")) == 1

                @pytest.mark.sunshine_fake(secret="two")
                def test_own_marker(self, sunshine_fake):
                    assert (sunshine_fake.key_id, sunshine_fake.secret) == ("app_key_1", "two")
            """,
        )
        result.assert_outcomes(passed=2)

    def test_mistakes_are_explained(self, pytester: pytest.Pytester) -> None:
        """A marker the plugin cannot read fails its test, and says what is wrong."""
        result = run(
            pytester,
            """
            import pytest

            @pytest.mark.sunshine_fake(usres=["u"])
            def test_misspelt(sunshine_fake):
                pass

            @pytest.mark.sunshine_fake("app")
            def test_positional(sunshine_fake):
                pass

            @pytest.mark.sunshine_fake(clients={"nobody": 1})
            def test_unknown_user(sunshine_fake):
                pass

            @pytest.mark.sunshine_fake(users=5)
            def test_not_a_list(sunshine_fake):
                pass
            """,
        )
        result.assert_outcomes(errors=4)
        result.stdout.fnmatch_lines(
            [
                "*does not take usres (it takes apps, *",
                "*takes keywords only*",
                "*cannot seed the fake*nobody*",
                "*cannot seed the fake: users must be a list*",
            ],
            consecutive=False,
        )
