"""Every example of the official spec reads into its generated model and back, unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sunshine_async import CONVERTER
from sunshine_async._converter import problems_in
from sunshine_async._generated import models
from sunshine_async._generated.operations import OPERATIONS

SPEC = json.loads(
    (
        Path(__file__).resolve().parents[1] / "sunshine_async" / "testing" / "openapi-facts.json"
    ).read_text()
)


def _example_values(op_id: str) -> list[tuple[str, Any]]:
    """The success examples the spec gives for an operation, each as JSON."""
    op = OPERATIONS[op_id]
    raw = SPEC["paths"][op.path][op.method.lower()]
    response = raw["responses"].get(str(op.status), {})
    examples = response.get("content", {}).get("application/json", {}).get("examples", {})
    found = []
    for name, example in examples.items():
        if "$ref" in example:
            example = SPEC["components"]["examples"][example["$ref"].rsplit("/", 1)[1]]
        found.append((name, example.get("value")))
    return found


# the spec's examples that break its own schemas: (operation, example) -> what the
# models record of it (the value is kept as sent, in its object's `extra`)
SPEC_EXAMPLE_DEFECTS = {
    ("PostConversionEvents", "default"): [
        "expected str, got int 1234567890123456 @ $.conversionEvents.datasetId"
    ],
}

CASES = [
    pytest.param(op_id, name, value, id=f"{op_id}-{name}")
    for op_id, op in OPERATIONS.items()
    if op.response in models.MODELS or (op.response_key and op.response_key_schema)
    for name, value in _example_values(op_id)
]


def test_there_are_many_examples() -> None:
    assert len(CASES) > 40


@pytest.mark.parametrize(("op_id", "name", "value"), CASES)
def test_example_round_trips(op_id: str, name: str, value: dict[str, Any]) -> None:
    op = OPERATIONS[op_id]
    if op.response in models.MODELS:
        model = models.MODELS[op.response]
        data = value
    else:
        assert op.response_key is not None
        data = value[op.response_key]
        if not isinstance(data, dict) or op.response_key_schema not in models.MODELS:
            pytest.skip("the key holds a list or an inline value")
        model = models.MODELS[op.response_key_schema]
    structured: object = CONVERTER.structure(data, model)
    assert isinstance(structured, model)
    assert problems_in(structured) == SPEC_EXAMPLE_DEFECTS.get((op_id, name), [])
    assert CONVERTER.unstructure(structured) == data


def test_unions_read_by_type() -> None:
    message = CONVERTER.structure(
        {"id": "m1", "content": {"type": "text", "text": "Hi"}}, models.Message
    )
    assert isinstance(message.content, models.TextMessage)
    assert message.content.text == "Hi"
    # a content type this version does not know stays the JSON it is
    odd = CONVERTER.structure({"content": {"type": "hologram", "x": 1}}, models.Message)
    assert odd.content == {"type": "hologram", "x": 1}
    assert CONVERTER.unstructure(odd) == {"content": {"type": "hologram", "x": 1}}
