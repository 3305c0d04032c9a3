"""The official OpenAPI spec, read by the fake: request and response schemas, examples.

The fake checks what it receives against the spec itself, through ``jsonschema``, and
never through the SDK's models: a mistake in a model must not be shared by the server
that tests it. OpenAPI 3.0 schemas are close to JSON Schema draft 4; the differences
are bridged here once, when a schema is first used:

- ``nullable: true`` becomes a ``"null"`` type (or an ``anyOf`` beside ``allOf``);
- ``oneOf`` with a ``discriminator`` that maps every branch becomes a dispatch on the
  tag (a keyword of our own, ``x-tagged``): the spec gives many branches' ``type`` only a
  default, so by ``oneOf`` a valid body matches several branches (a defect listed in
  api-surface.md §1); a ``oneOf`` of objects told apart only by their one property
  requires that property in each branch (`_union_keys`); the other ``oneOf`` become
  ``anyOf``;
- ``format: uri`` is checked (jsonschema skips it without an optional package);
- rules the spec states only in prose (a phone number starts with ``+``) are added.

The same schemas shape what goes in and out: a request body loses what only the server
sets (``readOnly``, `received`), and an answer holds only what its schema names and
nothing ``writeOnly`` (`rendered`).

Problems are described the way the API words them (it validates with ajv): ``should
have required property 'displayName'``, with the field's path in front.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any, Final
from urllib.parse import urlsplit

__all__ = [
    "INSTALL_HINT",
    "SPEC",
    "example_response",
    "received",
    "rendered",
    "request_problems",
    "request_schema",
    "require_jsonschema",
    "response_problems",
    "response_schema",
    "schema_problems",
]

_SPEC_FILE: Final = "openapi-facts.json"
#: our own keyword: a union dispatched on a tag field (see `_tagged`)
_TAGGED: Final = "x-tagged"
_REF_PREFIX: Final = "#/components/schemas/"
_MAX_PROBLEMS: Final = 5
# prose-only rules of the spec, as schema fragments merged into the named schemas
PROSE_RULES: Final[dict[str, dict[str, Any]]] = {
    name: {"properties": {"phoneNumber": {"pattern": r"^\+"}}}
    for name in ("matchCriteriaMessagebird", "matchCriteriaTwilio", "matchCriteriaWhatsapp")
}


def _load() -> dict[str, Any]:
    text = resources.files(__package__).joinpath(_SPEC_FILE).read_text("utf-8")
    spec: dict[str, Any] = json.loads(text)
    return spec


#: The spec, parsed once (the fake only reads it).
SPEC: Final = _load()
_SCHEMAS: Final[dict[str, Any]] = SPEC["components"]["schemas"]
_EXAMPLES: Final[dict[str, Any]] = SPEC["components"]["examples"]


# --- OpenAPI 3.0 -> JSON Schema draft 4 ---------------------------------------------------


def _convert(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$ref":
            out[key] = "#/definitions/" + value.removeprefix(_REF_PREFIX)
        elif key == "properties":
            out[key] = {name: _convert(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = _convert(value)
        elif key in ("allOf", "anyOf"):
            out[key] = [_convert(sub) for sub in value]
        elif key == "oneOf":
            out.update(_branches(value, schema.get("discriminator")))
        elif key in (
            "nullable",
            "discriminator",
            "example",
            "readOnly",
            "writeOnly",
        ) or key.startswith("x-"):
            continue
        else:
            out[key] = value
    if schema.get("nullable") is True:
        out = _nullable(out)
    return out


def _branches(branches: list[Any], discriminator: Mapping[str, Any] | None) -> dict[str, Any]:
    """A ``oneOf``: dispatched on its tag when a discriminator maps every branch."""
    mapping = (discriminator or {}).get("mapping") or {}
    refs = [b.get("$ref") for b in branches if isinstance(b, dict)]
    if discriminator and mapping and set(refs) <= set(mapping.values()) and None not in refs:
        return {_TAGGED: _tag_table(discriminator["propertyName"], mapping)}
    keys = _union_keys(branches)
    if keys is not None:
        return {
            "oneOf": [
                {**_convert(sub), "required": [key]}
                for sub, key in zip(branches, keys, strict=True)
            ]
        }
    return {"anyOf": [_convert(sub) for sub in branches]}


def _union_keys(branches: list[Any]) -> list[str] | None:
    """The one property of each branch, when that is all that tells them apart.

    ``conversionEventsBody`` is ``oneOf`` three objects of one optional property each
    (``messenger``, ``instagram``, ``whatsapp``): taken literally any object matches
    two of them, so no body is valid by ``oneOf`` and every body is by ``anyOf``. The
    meaning is plain: exactly one of the keys, holding its schema.
    """
    keys = []
    for branch in branches:
        if not isinstance(branch, dict) or "$ref" in branch or branch.get("required"):
            return None
        names = list(branch.get("properties") or {})
        if branch.get("type") != "object" or len(names) != 1:
            return None
        keys.append(names[0])
    return keys if len(set(keys)) == len(keys) > 1 else None


def _tag_table(field: str, mapping: Mapping[str, str]) -> dict[str, Any]:
    targets = {
        tag: "#/definitions/" + ref.removeprefix(_REF_PREFIX) for tag, ref in mapping.items()
    }
    return {"field": field, "mapping": targets}


def _tagged(validator: Any, table: dict[str, Any], instance: Any, schema: Any) -> Iterator[Any]:
    """The ``x-tagged`` keyword: check ``instance`` against the schema its tag names.

    Only that branch's problems are reported, and a branch is never checked in vain.
    """
    if not validator.is_type(instance, "object"):
        yield from validator.descend(instance, {"type": "object"})
        return
    field = table["field"]
    tag = instance.get(field)
    target = table["mapping"].get(tag) if isinstance(tag, str) else None
    if target is not None:
        yield from validator.descend(instance, {"$ref": target})
    elif field not in instance:
        yield from validator.descend(instance, {"required": [field]})
    else:
        yield from validator.descend(tag, {"enum": sorted(table["mapping"])}, path=field)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        schema = {**schema, "type": [*kinds, "null"]}
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
        return schema
    return {"anyOf": [{"type": "null"}, schema]}


def _merge(target: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def _retarget(schema: Any, old: str, new: str) -> Any:
    """``schema`` with its references to ``old`` pointing at ``new``."""
    if isinstance(schema, list):
        return [_retarget(item, old, new) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if schema.get("$ref") == old:
        return {**schema, "$ref": new}
    return {key: _retarget(value, old, new) for key, value in schema.items()}


@functools.cache
def _definitions() -> dict[str, Any]:
    definitions = {name: _convert(schema) for name, schema in _SCHEMAS.items()}
    for name, rule in PROSE_RULES.items():
        _merge(definitions[name], _convert(rule))
    # a base schema whose discriminator maps tags to schemas built on it (integration):
    # a value must be one of those, so the name stands for their union from now on, and
    # the branches extend the base under a new name
    for name, schema in _SCHEMAS.items():
        mapping = (schema.get("discriminator") or {}).get("mapping")
        if not mapping or "oneOf" in schema or "anyOf" in schema:
            continue
        base = f"{name}__base"
        definitions[base] = definitions[name]
        for ref in mapping.values():
            target = ref.removeprefix(_REF_PREFIX)
            definitions[target] = _retarget(
                definitions[target], f"#/definitions/{name}", f"#/definitions/{base}"
            )
        definitions[name] = {_TAGGED: _tag_table(schema["discriminator"]["propertyName"], mapping)}
    return definitions


def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


INSTALL_HINT: Final = "pip install 'sunshine-async[testing]'"


def require_jsonschema() -> None:
    """Fail early, and say what to install, when ``jsonschema`` is missing."""
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        raise ImportError(
            f"FakeSunshine checks requests against the spec with jsonschema: {INSTALL_HINT}"
        ) from None


@functools.cache
def _validator(key: str) -> Any:
    """A draft-4 validator for a named schema, or for an inline one given as JSON text."""
    import jsonschema

    schema = {"$ref": "#/definitions/" + key} if key in _SCHEMAS else _convert(json.loads(key))
    root = {**schema, "definitions": _definitions()}
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("uri")(_is_uri)
    # the stubs leave extend() untyped
    validator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        jsonschema.Draft4Validator, {_TAGGED: _tagged}
    )
    return validator(root, format_checker=checker)


# --- problems, worded like the API ---------------------------------------------------------


def _where(path: Iterator[Any] | Any) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


def _describe(error: Any) -> str:
    keyword, value = error.validator, error.validator_value
    if keyword == "required":
        missing = next((name for name in value if name not in error.instance), value[0])
        message = f"should have required property '{missing}'"
    elif keyword == "type":
        kinds = value if isinstance(value, list) else [value]
        message = f"should be {','.join(kinds)}"
    elif keyword == "enum":
        message = "should be equal to one of the allowed values"
    elif keyword == "maxLength":
        message = f"should NOT be longer than {value} characters"
    elif keyword == "minLength":
        message = f"should NOT be shorter than {value} characters"
    elif keyword == "maxItems":
        message = f"should NOT have more than {value} items"
    elif keyword == "minItems":
        message = f"should NOT have fewer than {value} items"
    elif keyword in ("maximum", "minimum"):
        message = f"should be {'<=' if keyword == 'maximum' else '>='} {value}"
    elif keyword == "pattern":
        message = f'should match pattern "{value}"'
    elif keyword == "format":
        message = f'should match format "{value}"'
    elif keyword == "uniqueItems":
        message = "should NOT have duplicate items"
    elif keyword == "additionalProperties":
        message = "should NOT have additional properties"
    elif keyword in ("anyOf", "oneOf"):
        message = "should match exactly one schema in oneOf"
    else:
        message = f"is invalid ({keyword})"
    where = _where(error.absolute_path)
    return f"{where} {message}" if where else message


def _leaves(error: Any) -> Iterator[Any]:
    """The errors worth reporting under one: inside ``anyOf``, the branch that was meant.

    A nullable value is ``anyOf: [null, X]``; when it is not null, X's problems are the
    ones to tell. In a ``oneOf`` of keyed branches (`_union_keys`), a branch whose key is
    absent was not meant either. A union with several live branches is reported as
    itself.
    """
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        yield error
        return
    by_branch: dict[int, list[Any]] = {}
    for sub in error.context:
        by_branch.setdefault(sub.schema_path[0], []).append(sub)
    live = [subs for subs in by_branch.values() if not _unmeant(error.validator, subs)]
    if len(live) == 1:
        for sub in live[0]:
            yield from _leaves(sub)
    else:
        yield error


def _unmeant(union: str, problems: list[Any]) -> bool:
    """Whether a union's branch failed only in a way that says it was not the one meant."""
    if len(problems) != 1:
        return False
    (problem,) = problems
    if problem.validator == "type" and problem.validator_value == "null":
        return True
    return union == "oneOf" and problem.validator == "required" and not problem.path


def schema_problems(key: str, data: object) -> list[str]:
    """At most five problems of ``data`` against a named (or inline JSON) schema."""
    errors = sorted(_validator(key).iter_errors(data), key=lambda e: list(map(str, e.path)))
    problems: list[str] = []
    for error in errors:
        for leaf in _leaves(error):
            text = _describe(leaf)
            if text not in problems:
                problems.append(text)
    return problems[:_MAX_PROBLEMS]


def request_schema(operation_id: str) -> str | None:
    """The key of an operation's JSON request body schema (for `schema_problems`)."""
    _, operation = _operation(operation_id)
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None or "schema" not in content:
        return None
    return _schema_key(content["schema"])


def request_problems(operation_id: str, body: object) -> list[str]:
    """What is wrong with an operation's JSON request body, by the spec's schema."""
    key = request_schema(operation_id)
    return [] if key is None else schema_problems(key, body)


# --- what goes in, what comes out ----------------------------------------------------------


def rendered(key: str, data: Any) -> Any:
    """``data`` as the API answers it by a schema: only what the schema names, and no
    ``writeOnly`` property.

    ``key`` names the schema as `response_schema` gives it. The spec marks as write-only
    what a client sends and must never read back: an author's ``userExternalId`` and
    ``brandId``, a channel's credentials, ``markdownText``. A property no schema there
    names is left out too (an unknown key a client sent, ``subdomain`` where the schema
    has none): an answer that echoes it would let a client's misspelt field look
    accepted. Objects that name no property (``metadata``) or allow more keep theirs.
    ``data`` is left as it is; the parts that change are new.
    """
    return _render(data, _keyed(key), frozenset(), "writeOnly", closed=True)


def received(key: str, data: Any) -> Any:
    """A checked request body as the API takes it: without its ``readOnly`` properties.

    A client may send what only the server sets (an integration's ``id`` or ``status``);
    the API does not let it set them, and neither does the fake.
    """
    return _render(data, _keyed(key), frozenset(), "readOnly", closed=False)


def _keyed(key: str) -> dict[str, Any]:
    if key in _SCHEMAS:
        return {"$ref": _REF_PREFIX + key}
    schema: dict[str, Any] = json.loads(key)
    return schema


def _resolved(
    schema: Mapping[str, Any], seen: frozenset[str]
) -> tuple[Mapping[str, Any], frozenset[str]]:
    """A schema with its ``$ref`` followed, and the names already applied to the value."""
    ref = schema.get("$ref")
    while isinstance(ref, str):
        name = ref.removeprefix(_REF_PREFIX)
        if name in seen:
            return {}, seen
        seen |= {name}
        schema = _SCHEMAS[name]
        ref = schema.get("$ref")
    return schema, seen


def _one_way(schema: Mapping[str, Any], marker: str) -> bool:
    """Whether a property's schema is marked ``marker`` (itself, or what it names)."""
    target, _ = _resolved(schema, frozenset())
    if schema.get(marker) is True or target.get(marker) is True:
        return True
    return any(_one_way(sub, marker) for sub in target.get("allOf", ()) if isinstance(sub, dict))


def _branches_of(schema: Mapping[str, Any], data: Any) -> list[Any]:
    """The branches of a union (or of a base schema's discriminator) that apply to ``data``.

    A discriminator names the branch by the tag. Where nothing names it, every branch
    applies: a property any of them marks one-way is dropped (answering a credential is
    worse than leaving out a field), and one any of them names is kept.
    """
    discriminator = schema.get("discriminator") or {}
    mapping = discriminator.get("mapping") or {}
    tag = data.get(discriminator.get("propertyName", "")) if isinstance(data, dict) else None
    if isinstance(tag, str) and tag in mapping:
        return [{"$ref": mapping[tag]}]
    return [*schema.get("oneOf", ()), *schema.get("anyOf", ())]


def _parts(schema: Mapping[str, Any], data: Any, seen: frozenset[str]) -> list[Mapping[str, Any]]:
    """Every schema that applies to ``data``: ``schema``, its ``allOf`` parts, its branches.

    ``seen`` holds the named schemas already applied to this value, so that a base and
    its discriminator, which name each other, are each applied once.
    """
    schema, seen = _resolved(schema, seen)
    found = [schema]
    for sub in (*schema.get("allOf", ()), *_branches_of(schema, data)):
        if isinstance(sub, dict):
            found += _parts(sub, data, seen)
    return found


def _render(
    data: Any, schema: Mapping[str, Any], seen: frozenset[str], marker: str, *, closed: bool
) -> Any:
    """``data`` without the properties marked ``marker`` and, ``closed``, undeclared ones.

    Each step goes one level into ``data``, which is finite.
    """
    parts = _parts(schema, data, seen)
    if isinstance(data, list):
        items = [part["items"] for part in parts if isinstance(part.get("items"), dict)]
        if not items:
            return data
        whole = {"allOf": items}
        return [_render(item, whole, frozenset(), marker, closed=closed) for item in data]
    if not isinstance(data, dict):
        return data
    declared: dict[str, list[Any]] = {}
    extra: list[Any] = []
    open_ = not closed
    for part in parts:
        for name, sub in (part.get("properties") or {}).items():
            declared.setdefault(name, []).append(sub)
        more = part.get("additionalProperties")
        if isinstance(more, dict):
            extra.append(more)
        if more not in (None, False):
            open_ = True
    if not declared and not extra:
        return data  # free-form (metadata): whatever it holds is its own
    out: dict[str, Any] = {}
    for name, value in data.items():
        subs = declared.get(name)
        if subs is None:
            if open_:
                out[name] = _render(value, {"allOf": extra}, frozenset(), marker, closed=closed)
            continue
        if any(_one_way(sub, marker) for sub in subs):
            continue
        out[name] = _render(value, {"allOf": subs}, frozenset(), marker, closed=closed)
    return out


# --- responses: the schemas and examples -------------------------------------------------------


@functools.cache
def _operation(operation_id: str) -> tuple[str, dict[str, Any]]:
    for path, item in SPEC["paths"].items():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return path, operation
    raise KeyError(operation_id)


def _json_content(operation_id: str, status: int) -> dict[str, Any] | None:
    _, operation = _operation(operation_id)
    response = operation["responses"].get(str(status), {})
    content: dict[str, Any] | None = response.get("content", {}).get("application/json")
    return content


def response_schema(operation_id: str, status: int) -> str | None:
    """The key of an operation's response schema for ``status`` (for `schema_problems`)."""
    content = _json_content(operation_id, status)
    if content is None or "schema" not in content:
        return None
    return _schema_key(content["schema"])


def _schema_key(schema: Mapping[str, Any]) -> str:
    """A schema's name when it is a reference, else the schema itself as JSON text."""
    ref = schema.get("$ref", "")
    if ref.startswith(_REF_PREFIX):
        return str(ref.removeprefix(_REF_PREFIX))
    return json.dumps(schema, sort_keys=True)


def response_problems(operation_id: str, status: int, body: object) -> list[str]:
    """What is wrong with a response body by the spec (status without a schema: none)."""
    key = response_schema(operation_id, status)
    return [] if key is None else schema_problems(key, body)


def example_response(operation_id: str, status: int) -> Any:
    """A deep copy of the spec's first example response for ``status``.

    Examples that break their own schema are corrected (`_EXAMPLE_NUMBERS_AS_TEXT`), so
    that the fake never answers what the spec forbids. Without an example, the answer
    is built from the examples the response schema gives its properties ({} when it has
    no schema): an empty object would drop the envelope the schema names.
    """
    content = _json_content(operation_id, status) or {}
    examples = content.get("examples") or {}
    for example in examples.values():
        ref = example.get("$ref", "")
        value = _EXAMPLES[ref.rsplit("/", 1)[-1]]["value"] if ref else example.get("value")
        value = copy.deepcopy(value)
        for *parents, field in _EXAMPLE_NUMBERS_AS_TEXT.get(operation_id, ()):
            holder = value
            for key in parents:
                holder = holder[key]
            holder[field] = str(holder[field])
        return value
    built = _built_example(content.get("schema", {}), frozenset())
    return {} if built is _ABSENT else built


#: a schema that gives no example value: its property is left out
_ABSENT: Final = object()


def _built_example(schema: Mapping[str, Any], seen: frozenset[str]) -> Any:
    """A value made of the ``example``s (or defaults) of a schema and its parts."""
    schema, seen = _resolved(schema, seen)
    for key in ("example", "default"):
        if key in schema:
            return copy.deepcopy(schema[key])
    if schema.get("enum"):
        return schema["enum"][0]
    branches = [*schema.get("oneOf", ()), *schema.get("anyOf", ())]
    if branches:
        return _built_example(branches[0], seen)
    if schema.get("type") == "array":
        item = _built_example(schema.get("items", {}), frozenset())
        return [] if item is _ABSENT else [item]
    out: dict[str, Any] = {}
    for member in schema.get("allOf", ()):
        value = _built_example(member, seen)
        if isinstance(value, dict):
            out.update(value)
    for name, sub in (schema.get("properties") or {}).items():
        value = _built_example(sub, frozenset())
        if value is not _ABSENT:
            out[name] = value
    return out if out or schema.get("type") == "object" else _ABSENT


# response examples whose numbers the schema types as strings: (operation, path)
_EXAMPLE_NUMBERS_AS_TEXT: Final = {
    "PostConversionEvents": [("conversionEvents", "datasetId")],
}
