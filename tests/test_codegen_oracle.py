"""What the generator must get right, judged from the spec and the public methods alone.

Reads the vendored spec (`tests._spec_oracle`) and introspects the methods the
hand-written table of `tests.test_conformance` reaches (``inspect``/``typing``), never
the generated operation table:

- an operation whose 2xx response documents a JSON body has no method annotated
  ``-> None``;
- every field of every shape of a request body (``allOf``, ``oneOf``/``anyOf``,
  discriminator mappings) is a keyword of the method, and a mapping body holding all
  of one shape's fields (with its tag) is accepted and sent as given;
- every operation of the spec has a method, and the table's call binds to it.
"""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import sunshine_async
from sunshine_async import InvalidArgumentError, Session

from . import _spec_oracle as oracle
from .test_conformance import CALLS, IDS, OPERATIONS, exchange, first_answer, return_shape


def _session() -> Session:
    """A Session that is never opened: enough to navigate to a method."""
    return sunshine_async.Session(key_id="app_x", secret="s", max_retries=0)


@pytest.fixture
async def session() -> AsyncIterator[Session]:
    async with _session() as opened:
        yield opened


def _json_body_ops() -> list[oracle.SpecOperation]:
    return [op for op in OPERATIONS.values() if op.body_type == "application/json"]


def _writable(properties: dict[str, Any]) -> dict[str, Any]:
    """The properties a client may send (the spec marks the others readOnly)."""
    return {
        name: sub for name, sub in properties.items() if not oracle.resolve(sub).get("readOnly")
    }


def _shape_body(
    op: oracle.SpecOperation, properties: dict[str, Any], tag: str | None
) -> dict[str, Any]:
    """A body with every writable field of one shape, each a small valid value."""
    body = {name: oracle.minimal_instance(sub) for name, sub in _writable(properties).items()}
    if tag is not None:
        assert op.body_schema is not None
        discriminated = oracle.resolve(op.body_schema).get("discriminator", {})
        body[discriminated.get("propertyName", "type")] = tag
    return body


def _shape_cases() -> Iterator[Any]:
    for op in _json_body_ops():
        assert op.body_schema is not None
        for label, _, _ in oracle.body_branches(op.body_schema):
            yield pytest.param(op.id, label, id=f"{op.id}-{label}")


SHAPE_CASES = list(_shape_cases())


def _shape(op_id: str, label: str) -> dict[str, Any]:
    op = OPERATIONS[op_id]
    assert op.body_schema is not None
    for found, properties, tag in oracle.body_branches(op.body_schema):
        if found == label:
            return _shape_body(op, properties, tag)
    raise LookupError(label)


# --- return types ---------------------------------------------------------------------


DOCUMENTED = [
    op.id
    for op in OPERATIONS.values()
    if any(oracle.documents_body(response.schema) for response in op.responses)
]


def test_the_documented_responses_are_counted() -> None:
    # 45 operations answer with a documented body; the other 20 answer {"type": "object"}
    assert len(DOCUMENTED) == 45
    assert {"GetIntegration", "CreateIntegration", "UpdateIntegration"} <= set(DOCUMENTED)
    assert {"DeleteUserPersonalInformation", "GetTokenInfo"} <= set(DOCUMENTED)


@pytest.mark.parametrize("op_id", DOCUMENTED)
def test_no_documented_response_is_annotated_none(op_id: str) -> None:
    method = CALLS[op_id].method(_session(), IDS)
    hint = typing.get_type_hints(method).get("return")
    kind, _ = return_shape(hint)
    assert kind != "none", f"{op_id} answers a documented JSON body, but returns None"


# --- request bodies -------------------------------------------------------------------


@pytest.mark.parametrize("op_id", [op.id for op in _json_body_ops()])
def test_every_body_field_is_a_keyword(op_id: str) -> None:
    op = OPERATIONS[op_id]
    assert op.body_schema is not None
    names = _writable(oracle.merged_properties(op.body_schema, branches=True))
    parameters = inspect.signature(CALLS[op_id].method(_session(), IDS)).parameters
    keywords = {
        name
        for name, parameter in parameters.items()
        if parameter.kind in (parameter.KEYWORD_ONLY, parameter.POSITIONAL_OR_KEYWORD)
    }
    missing = sorted(
        f"{oracle.snake(name)} ({name})" for name in names if oracle.snake(name) not in keywords
    )
    assert missing == [], f"{op_id} takes no keyword for {', '.join(missing)}"


@pytest.mark.parametrize(("op_id", "label"), [c.values for c in SHAPE_CASES])
def test_each_shape_body_is_valid_against_the_spec(op_id: str, label: str) -> None:
    """The bodies below are valid, so a refusal is the SDK's mistake."""
    schema = OPERATIONS[op_id].body_schema
    assert schema is not None
    assert oracle.problems(schema, _shape(op_id, label)) == []


@pytest.mark.anyio
@pytest.mark.parametrize(("op_id", "label"), [c.values for c in SHAPE_CASES])
async def test_every_shape_is_accepted_as_a_mapping(
    session: Session, op_id: str, label: str
) -> None:
    body = _shape(op_id, label)
    op = OPERATIONS[op_id]
    try:
        _, requests = await exchange(session, op_id, body, "mapping", first_answer(op))
    except InvalidArgumentError as error:
        pytest.fail(f"{op_id} refused a valid {label} body: {error}")
    assert requests, "nothing was sent"
    assert json.loads(requests[0].content) == body


# --- reachability ---------------------------------------------------------------------


def test_the_table_holds_every_operation() -> None:
    assert len(OPERATIONS) == 65
    assert set(CALLS) == set(OPERATIONS)


@pytest.mark.parametrize("op_id", sorted(OPERATIONS))
def test_every_operation_has_a_method(op_id: str) -> None:
    call = CALLS[op_id]
    try:
        method = call.method(_session(), IDS)
    except AttributeError as error:
        pytest.fail(f"no method for {op_id}: {error}")
    assert callable(method)
    op = OPERATIONS[op_id]
    args: list[Any] = [IDS[name] for name in call.ids]
    args.extend(call.args)
    if op.body_type == "application/json":
        args.append({})
    try:
        inspect.signature(method).bind(*args, **call.options)
    except TypeError as error:
        pytest.fail(f"{op_id}: the call does not fit {method.__qualname__}: {error}")
