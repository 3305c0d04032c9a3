"""Every /v2 operation of the table goes out as the spec says: method, encoded path,
query and body. Table-driven over the generated operation table, on both backends."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

import sunshine_async as sa
from sunshine_async import Session
from sunshine_async._generated.operations import OPERATIONS
from sunshine_async._invoke import invoke, operation_query
from sunshine_async._operation import Operation
from sunshine_async._urls import operation_path

from .conftest import BASE_URL, KEY_ID, SECRET

pytestmark = pytest.mark.anyio

JSON_OPERATIONS = [
    op for op in OPERATIONS.values() if op.path.startswith("/v2/") and op.body_kind != "multipart"
]
# ids a path must keep in one segment each; the value is what it becomes on the wire
HOSTILE = {"plain": "plain", "a/b?c": "a%2Fb%3Fc", "é x": "%C3%A9%20x"}


def filled(op: Operation) -> tuple[dict[str, str], str]:
    """Values for every placeholder, and the raw path they must give."""
    ids = list(HOSTILE.items())
    values: dict[str, str] = {}
    raw = op.path
    for index, name in enumerate(op.path_params):
        given, encoded = ids[index % len(ids)]
        values[name] = f"{given}{index}"
        raw = raw.replace("{" + name + "}", f"{encoded}{index}", 1)
    return values, raw


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE_URL, assert_all_mocked=True) as mock:
        yield mock


def test_table_has_every_v2_json_operation() -> None:
    assert len(JSON_OPERATIONS) == 64  # 65 under /v2, less the multipart upload


@pytest.mark.parametrize("op", JSON_OPERATIONS, ids=lambda op: op.id)
async def test_wire(router: respx.MockRouter, op: Operation) -> None:
    values, raw_path = filled(op)
    route = router.route(method=op.method, url__regex=r".*").respond(op.status, json={})
    body = {"probe": True} if op.body_kind == "json" else None
    paged = any(param.name == "page" for param in op.query)
    query: dict[str, object] = {"page": {"size": 10}} if paged else {}
    expected = [("page[size]", "10")] if paged else []
    for param in op.query:  # required filters get a value, as a caller must give them
        if param.required:
            query[param.name] = {param.keys[0]: "x"} if param.keys else "x"
            key = f"{param.name}[{param.keys[0]}]" if param.keys else param.name
            expected.append((key, "x"))
    async with Session(key_id=KEY_ID, secret=SECRET, max_retries=0) as session:
        response = await invoke(session, op, path=values, query=query, body=body)
    assert response.status_code == op.status
    sent = route.calls.last.request
    assert sent.method == op.method
    assert sent.url.raw_path.split(b"?")[0] == raw_path.encode()
    assert sent.url.host == "api.smooch.io"
    assert sorted(httpx.QueryParams(sent.url.query.decode()).multi_items()) == sorted(expected)
    if body is None:
        assert sent.content == b""
    else:
        assert json.loads(sent.content) == body


def test_query_forms() -> None:
    op = OPERATIONS["ListIntegrations"]
    assert operation_query(op, {"filter": {"types": ["whatsapp", "twilio"]}}) == [
        ("filter[types]", "whatsapp,twilio")
    ]
    users = OPERATIONS["ListUsers"]
    assert operation_query(users, {"filter": {"identities.email": "e@x"}}) == [
        ("filter[identities.email]", "e@x")
    ]
    conversations = OPERATIONS["ListConversations"]
    pairs = operation_query(
        conversations, {"page": {"after": "a" * 24, "size": 5}, "filter": {"userId": "u1"}}
    )
    assert pairs == [("page[after]", "a" * 24), ("page[size]", "5"), ("filter[userId]", "u1")]


@pytest.mark.parametrize(
    ("op_id", "path", "query", "words"),
    [
        ("GetUser", {"appId": "a"}, {}, "needs the path parameter 'userIdOrExternalId'"),
        ("GetUser", {"appId": "a", "userIdOrExternalId": "u", "x": "y"}, {}, "no path parameter"),
        ("GetUser", {"appId": "a", "userIdOrExternalId": ".."}, {}, "dots only"),
        ("GetUser", {"appId": "a", "userIdOrExternalId": ""}, {}, "must not be empty"),
        ("ListUsers", {"appId": "a"}, {"sort": "x"}, "no query parameter 'sort'"),
        ("ListUsers", {"appId": "a"}, {}, "needs the query parameter 'filter'"),
        ("ListConversations", {"appId": "a"}, {"page": {"next": 1}}, "has no key 'next'"),
        ("ListConversations", {"appId": "a"}, {"page": 5}, "takes a mapping"),
        ("ListIntegrations", {"appId": "a"}, {"filter": {"types": [1]}}, "cannot be list"),
    ],
)
def test_refused_before_sending(
    op_id: str, path: dict[str, str], query: dict[str, object], words: str
) -> None:
    op = OPERATIONS[op_id]

    def build() -> None:
        operation_path(op, path)
        operation_query(op, query)

    with pytest.raises(sa.InvalidArgumentError, match=re.escape(words)):
        build()


async def test_body_rules(router: respx.MockRouter) -> None:
    async with Session(key_id=KEY_ID, secret=SECRET) as session:
        with pytest.raises(sa.InvalidArgumentError, match="needs a request body"):
            await invoke(session, OPERATIONS["CreateUser"], path={"appId": "a"})
        with pytest.raises(sa.InvalidArgumentError, match="takes no request body"):
            await invoke(
                session,
                OPERATIONS["GetApp"],
                path={"appId": "a"},
                body={"x": 1},
            )
        with pytest.raises(sa.InvalidArgumentError, match="uploads a file"):
            await invoke(session, OPERATIONS["UploadAttachment"], path={"appId": "a"})
    assert not router.calls


async def test_delete_of_a_gone_target_after_a_lost_answer(router: respx.MockRouter) -> None:
    """The table's gone code makes a retried DELETE that finds nothing a success."""
    op = OPERATIONS["DeleteUser"]
    assert op.gone_code == "user_not_found"
    gone = {"errors": [{"code": "user_not_found", "title": "User not found"}]}
    route = router.delete(url__regex=r".*").mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(404, json=gone)]
    )
    retry = sa.RetryPolicy(sleep=_no_wait)
    async with Session(key_id=KEY_ID, secret=SECRET, retry=retry) as session:
        await invoke(session, op, path={"appId": "a", "userIdOrExternalId": "u"})
    assert route.call_count == 2


async def _no_wait(seconds: float) -> None:
    """Retries without backoff."""


class TestOptionsAndOperation:
    def test_every_generated_method_takes_options(self) -> None:
        """Each generated method has a keyword-only options=None, and no method has a
        default of its own for the timeout or the retries."""
        import inspect

        from sunshine_async._generated import resources

        checked = 0
        for name in resources.__all__:
            cls = getattr(resources, name)
            if name.endswith("WithRawResponse"):
                continue
            for method_name, method in vars(cls).items():
                if method_name.startswith("_") or not inspect.isfunction(method):
                    continue
                parameters = inspect.signature(method).parameters
                assert "options" in parameters, f"{name}.{method_name}"
                options = parameters["options"]
                assert options.kind is inspect.Parameter.KEYWORD_ONLY
                assert options.default is None
                assert not {"timeout", "max_retries"} & set(parameters), f"{name}.{method_name}"
                checked += 1
        config = json.loads(
            (Path(__file__).resolve().parents[1] / "codegen" / "resources.json").read_text()
        )
        assert checked == sum(len(c["methods"]) for k, c in config.items() if k != "_")

    async def test_invoke_hands_the_options_and_the_operation_over(self) -> None:
        """invoke() passes the call's options and the operation's table entry through."""
        seen: list[dict[str, object]] = []

        class Requester:
            async def request(self, method: str, path: str, **kwargs: object) -> sa.ApiResponse:
                seen.append(kwargs)
                info = sa.RequestInfo(method=method, url=f"{BASE_URL}{path}")
                return sa.ApiResponse(200, httpx.Headers(), {}, info)

        options = sa.RequestOptions(timeout=1.5)
        op = OPERATIONS["GetApp"]
        await invoke(Requester(), op, path={"appId": "a"}, options=options)
        assert seen[0]["options"] is options
        assert seen[0]["operation"] is op
