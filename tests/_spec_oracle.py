"""An oracle read straight from the vendored OpenAPI document, never from generated code.

Everything here comes from ``sunshine_async/testing/openapi-facts.json`` itself: the
operations with their parameters, bodies and examples, JSON Schemas for checking what
the SDK puts on the wire, minimal valid bodies for operations the spec gives no
request example for, and the field names of every branch of a body's schema. None of
it imports ``sunshine_async._generated`` or reads codegen's output, so a mistake of
the generator cannot hide behind its own table.

The spec is OpenAPI 3.0; JSON Schema validators do not know its dialect, so the
schemas are translated (`json_schema`):

- ``nullable: true`` adds ``null`` to the allowed types (or wraps a ``$ref``/``allOf``);
  ``nullable: false`` beside an ``allOf`` without ``type`` forbids ``null``, as meant;
- a ``oneOf`` with a ``discriminator`` becomes a dispatch on the tag property (its
  ``mapping``, or the branch schema names when there is none), because the spec gives
  many branches' tag only a ``default``, so a valid body matches several branches;
- a ``oneOf`` without a discriminator becomes an ``anyOf``: its branches (e.g. leave a
  conversation by ``userId``, ``userExternalId`` or ``participantId``) do not exclude
  one another, so even the spec's own examples would match more than one;
- a base schema carrying a ``discriminator.mapping`` (``integration``, whose branches are
  ``allOf: [integration, ...]``) dispatches to the mapped branch; the branches refer to
  the base without its dispatch (``<name>__base``) so the check does not loop;
- ``required: true`` written on a property (not valid JSON Schema) is dropped.
"""

from __future__ import annotations

import copy
import functools
import json
import keyword
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

__all__ = [
    "OAUTH_OPERATIONS",
    "SPEC",
    "SPEC_PATH",
    "Param",
    "SpecOperation",
    "SpecResponse",
    "body_branches",
    "body_field_names",
    "documents_body",
    "json_schema",
    "merged_properties",
    "minimal_instance",
    "operations",
    "resolve",
    "snake",
    "validator",
]

SPEC_PATH = (
    Path(__file__).resolve().parents[1] / "sunshine_async" / "testing" / "openapi-facts.json"
)
SPEC: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))

#: Not under /v2 and not part of the SDK's surface: the OAuth dance of a partner app.
OAUTH_OPERATIONS = frozenset({"Authorize", "GetToken", "RevokeAccess"})

_METHODS = ("get", "put", "post", "patch", "delete")
_SCHEMA_REF = "#/components/schemas/"


def snake(name: str) -> str:
    """The SDK's keyword for a JSON key: words in lower case joined by ``_``.

    A capital starts a word; a run of capitals is one word (an acronym), whose last
    capital starts the next word when a lower-case letter follows it; a Python keyword
    gets a trailing underscore.

    >>> snake("userExternalId"), snake("for"), snake("showAIDisclaimer")
    ('user_external_id', 'for_', 'show_ai_disclaimer')
    >>> snake("subscribeSDKClient"), snake("messenger_extensions")
    ('subscribe_sdk_client', 'messenger_extensions')
    """
    words: list[str] = []
    for index, char in enumerate(name):
        before = name[index - 1] if index else ""
        after = name[index + 1] if index + 1 < len(name) else ""
        starts = char.isupper() and (
            before.islower() or before.isdigit() or (before.isupper() and after.islower())
        )
        if starts or not words:
            words.append(char)
        else:
            words[-1] += char
    out = "_".join(words).lower()
    return out + "_" if keyword.iskeyword(out) else out


def resolve(node: Any) -> Any:
    """Follow ``$ref`` (to any section of ``components``) until a node without one."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"external $ref {ref!r}")
        target: Any = SPEC
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
        seen += 1
        if seen > 50:
            raise ValueError(f"$ref loop at {ref!r}")
    return node


def _schema_name(ref: str) -> str:
    if not ref.startswith(_SCHEMA_REF):
        raise ValueError(f"not a schema $ref: {ref!r}")
    return ref[len(_SCHEMA_REF) :]


# --- operations ----------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """One parameter of an operation, its ``$ref`` resolved."""

    name: str
    location: str
    required: bool
    schema: Mapping[str, Any]
    style: str | None


@dataclass(frozen=True)
class SpecResponse:
    """One 2xx response: its status, JSON schema (or None) and named examples."""

    status: int
    schema: Mapping[str, Any] | None
    examples: Mapping[str, Any]


@dataclass(frozen=True)
class SpecOperation:
    """One operation as the spec writes it."""

    id: str
    method: str
    path: str
    params: tuple[Param, ...]
    body_type: str | None = None
    body_schema: Mapping[str, Any] | None = None
    body_required: bool = False
    body_examples: Mapping[str, Any] = field(default_factory=dict)
    responses: tuple[SpecResponse, ...] = ()

    @property
    def path_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.location == "path")

    @property
    def query_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.location == "query")


def _examples(container: Mapping[str, Any]) -> dict[str, Any]:
    """The named examples of a media type object, each ``$ref`` resolved to its value."""
    found: dict[str, Any] = {}
    for name, example in container.get("examples", {}).items():
        example = resolve(example)
        if "value" in example:
            found[name] = example["value"]
    if not found and "example" in container:
        found["example"] = container["example"]
    return found


def _operation(path: str, method: str, item: Mapping[str, Any]) -> SpecOperation:
    raw = item[method]
    params: dict[tuple[str, str], Param] = {}
    for source in (item.get("parameters", []), raw.get("parameters", [])):
        for entry in source:
            entry = resolve(entry)
            params[(entry["in"], entry["name"])] = Param(
                name=entry["name"],
                location=entry["in"],
                required=bool(entry.get("required", False)),
                schema=entry.get("schema", {}),
                style=entry.get("style"),
            )
    body_type = body_schema = None
    body_required = False
    body_examples: dict[str, Any] = {}
    if "requestBody" in raw:
        request = resolve(raw["requestBody"])
        body_required = bool(request.get("required", False))
        body_type, media = next(iter(request["content"].items()))
        body_schema = media.get("schema")
        body_examples = _examples(media)
    responses = []
    for status, response in raw.get("responses", {}).items():
        if not status.startswith("2"):
            continue
        response = resolve(response)
        media = response.get("content", {}).get("application/json")
        responses.append(
            SpecResponse(
                status=int(status),
                schema=None if media is None else media.get("schema"),
                examples={} if media is None else _examples(media),
            )
        )
    return SpecOperation(
        id=raw["operationId"],
        method=method.upper(),
        path=path,
        params=tuple(params.values()),
        body_type=body_type,
        body_schema=body_schema,
        body_required=body_required,
        body_examples=body_examples,
        responses=tuple(responses),
    )


@functools.cache
def operations() -> dict[str, SpecOperation]:
    """Every operation of the spec but the OAuth ones, by operationId, in spec order."""
    found: dict[str, SpecOperation] = {}
    for path, item in SPEC["paths"].items():
        for method in _METHODS:
            if method in item:
                op = _operation(path, method, item)
                if op.id not in OAUTH_OPERATIONS:
                    found[op.id] = op
    return found


# --- OpenAPI 3.0 -> JSON Schema 2020-12 -----------------------------------------------


def _implicit_mapping(node: Mapping[str, Any]) -> dict[str, str]:
    """A discriminator's mapping: the declared one, else each branch's schema name."""
    declared = node["discriminator"].get("mapping")
    if declared:
        return dict(declared)
    branches = node.get("oneOf") or node.get("anyOf") or []
    return {_schema_name(b["$ref"]): b["$ref"] for b in branches}


def _dispatch(prop: str, mapping: Mapping[str, str]) -> dict[str, Any]:
    """A schema that sends an object to the branch its tag names."""
    return {
        "type": "object",
        "required": [prop],
        "properties": {prop: {"enum": list(mapping)}},
        "allOf": [
            {
                "if": {"properties": {prop: {"const": tag}}, "required": [prop]},
                "then": {"$ref": "#/$defs/" + _schema_name(ref)},
            }
            for tag, ref in mapping.items()
        ],
    }


#: OpenAPI-only keywords (and annotations) left out of the JSON Schema.
_DROPPED = frozenset({"nullable", "discriminator", "example", "examples", "x-resourceId"})


def _convert(node: Any, base_refs: Mapping[str, str] | None = None) -> Any:
    """One OpenAPI schema node as JSON Schema 2020-12 (see the module's docstring).

    ``base_refs`` renames refs (a branch's ref to its discriminating base).
    """
    if isinstance(node, list):
        return [_convert(item, base_refs) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref":
            if base_refs and value in base_refs:
                out[key] = base_refs[value]
            elif value.startswith(_SCHEMA_REF):
                out[key] = "#/$defs/" + _schema_name(value)
            else:
                return _convert(resolve(node), base_refs)
        elif key in ("properties", "patternProperties", "$defs"):
            out[key] = {name: _convert(sub, None) for name, sub in value.items()}
        elif key in _DROPPED or (key == "required" and not isinstance(value, list)):
            continue
        elif key == "allOf":
            out[key] = [_convert(sub, base_refs) for sub in value]
        else:
            out[key] = _convert(value, None)
    if "discriminator" in node and ("oneOf" in node or "anyOf" in node):
        branches = "oneOf" if "oneOf" in node else "anyOf"
        del out[branches]
        out = {**out, **_dispatch(node["discriminator"]["propertyName"], _implicit_mapping(node))}
    elif "oneOf" in out:
        out["anyOf"] = out.pop("oneOf")
    if node.get("nullable") is False and "type" not in node:
        # beside allOf/$ref the spec means "never null" (api-surface.md, known defects)
        out = {**out, "not": {"type": "null"}}
    if node.get("nullable") is True:
        if "type" in out:
            kinds = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = [*kinds, "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


@functools.cache
def _defs() -> dict[str, Any]:
    schemas: Mapping[str, Any] = SPEC["components"]["schemas"]
    # bases whose discriminator maps to branches that are allOf [base, ...]
    bases = {
        name: node["discriminator"]["mapping"]
        for name, node in schemas.items()
        if "discriminator" in node
        and "mapping" in node["discriminator"]
        and "oneOf" not in node
        and "anyOf" not in node
    }
    renames: dict[str, dict[str, str]] = {}
    for base, mapping in bases.items():
        for ref in mapping.values():
            renames.setdefault(_schema_name(ref), {})[_SCHEMA_REF + base] = f"#/$defs/{base}__base"
    defs: dict[str, Any] = {}
    for name, node in schemas.items():
        defs[name] = _convert(node, renames.get(name))
    for base, mapping in bases.items():
        defs[f"{base}__base"] = defs[base]
        prop = schemas[base]["discriminator"]["propertyName"]
        defs[base] = {"allOf": [{"$ref": f"#/$defs/{base}__base"}, _dispatch(prop, mapping)]}
    return defs


def json_schema(node: Mapping[str, Any]) -> dict[str, Any]:
    """A self-contained JSON Schema 2020-12 for an OpenAPI schema node of the spec."""
    return {**_convert(copy.deepcopy(dict(node))), "$defs": _defs()}


@functools.cache
def _validator_for(key: str) -> jsonschema.Draft202012Validator:
    # check_schema is slow on 223 definitions: `check_definitions` does it once
    return jsonschema.Draft202012Validator(json_schema(json.loads(key)))


def validator(node: Mapping[str, Any]) -> jsonschema.Draft202012Validator:
    """A (cached) validator for an OpenAPI schema node of the spec."""
    return _validator_for(json.dumps(node, sort_keys=True))


def check_definitions() -> None:
    """Raise unless every translated schema is valid JSON Schema 2020-12."""
    jsonschema.Draft202012Validator.check_schema({"$defs": _defs()})


def problems(node: Mapping[str, Any], instance: object) -> list[str]:
    """Every way ``instance`` breaks the schema, as short lines (empty when valid)."""
    found = []
    for error in validator(node).iter_errors(instance):
        where = "/".join(str(p) for p in error.absolute_path) or "$"
        found.append(f"{where}: {error.message[:200]}")
    return found


# --- reading schemas ------------------------------------------------------------------


def merged_properties(node: Any, *, branches: bool = False) -> dict[str, Any]:
    """The properties an object schema declares, through ``$ref`` and ``allOf``.

    With ``branches``, also those of every ``oneOf``/``anyOf`` branch and discriminator
    mapping target (a base's own mapping is followed once).
    """
    found: dict[str, Any] = {}
    _collect(node, found, branches=branches, seen=set())
    return found


def _collect(node: Any, found: dict[str, Any], *, branches: bool, seen: set[str]) -> None:
    if isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if ref in seen:
            return
        seen = seen | {ref}
        node = resolve(node)
    if not isinstance(node, dict):
        return
    for part in node.get("allOf", []):
        _collect(part, found, branches=branches, seen=seen)
    for name, sub in node.get("properties", {}).items():
        found.setdefault(name, sub)
    if branches:
        for key in ("oneOf", "anyOf"):
            for part in node.get(key, []):
                _collect(part, found, branches=branches, seen=seen)
        mapping = node.get("discriminator", {}).get("mapping", {})
        for ref in mapping.values():
            _collect({"$ref": ref}, found, branches=branches, seen=seen)


def _required(node: Any, seen: frozenset[str] = frozenset()) -> list[str]:
    """Required property names through ``$ref`` and ``allOf``, in order, no repeats."""
    if isinstance(node, dict) and "$ref" in node:
        if node["$ref"] in seen:
            return []
        seen = seen | {node["$ref"]}
        node = resolve(node)
    names: list[str] = []
    for part in node.get("allOf", []):
        names += [n for n in _required(part, seen) if n not in names]
    own = node.get("required", [])
    if isinstance(own, list):
        names += [n for n in own if n not in names]
    return names


def documents_body(schema: Mapping[str, Any] | None) -> bool:
    """Whether a response schema says what the body holds (declares any property)."""
    return schema is not None and bool(merged_properties(schema, branches=True))


def body_branches(node: Mapping[str, Any]) -> list[tuple[str, dict[str, Any], str | None]]:
    """The shapes a body may take: (label, properties, tag value or None) for each.

    A union (``oneOf``/``anyOf``, possibly under ``allOf``) gives one shape per branch;
    a base with a ``discriminator.mapping`` gives one per mapped schema, with its tag;
    anything else is one shape.
    """
    node = resolve(node)
    shared: dict[str, Any] = {}
    for part in node.get("allOf", []):
        part_node = resolve(part)
        if "oneOf" in part_node or "anyOf" in part_node:
            return body_branches(part_node)
        _collect(part, shared, branches=False, seen=set())
    discriminator = node.get("discriminator")
    unions = node.get("oneOf") or node.get("anyOf")
    if unions:
        mapping = _implicit_mapping(node) if discriminator else {}
        tag_of = {ref: tag for tag, ref in mapping.items()}
        found = []
        for index, branch in enumerate(unions):
            ref = branch.get("$ref")
            label = _schema_name(ref) if ref else branch.get("title", f"branch{index}")
            found.append((label, merged_properties(branch), tag_of.get(ref or "")))
        return found
    if discriminator and discriminator.get("mapping"):
        return [
            (_schema_name(ref), merged_properties({"$ref": ref}), tag)
            for tag, ref in discriminator["mapping"].items()
        ]
    return [("body", merged_properties(node), None)]


def body_field_names(node: Mapping[str, Any]) -> set[str]:
    """Every property name any shape of a body may carry at its top level."""
    return set(merged_properties(node, branches=True))


# --- building valid values -------------------------------------------------------------


def minimal_instance(node: Any, *, at_least_one: bool = False) -> Any:
    """A small value valid against an OpenAPI schema node of the spec.

    Objects get their required properties only (``at_least_one``: the first property
    too when none is required, so that a body is never empty); a union its first
    branch, with the tag its discriminator maps to it; strings their ``enum``'s first
    value, ``default`` or ``example`` when those fit, else text that meets the bounds
    and format.
    """
    value = _build(node, skip=frozenset())
    if at_least_one and value == {}:
        for name, sub in _first_branch_properties(node).items():
            if not resolve(sub).get("readOnly"):
                return {name: _build(sub, skip=frozenset())}
    return value


def _first_branch_properties(node: Any) -> dict[str, Any]:
    node = resolve(node)
    found = merged_properties(node)
    for part in [node, *(resolve(p) for p in node.get("allOf", []))]:
        union = part.get("oneOf") or part.get("anyOf")
        if union:
            found.update(merged_properties(union[0]))
    return found


def _tagged(node: Mapping[str, Any], skip: frozenset[str]) -> Any:
    """Build the first mapped branch of a discriminated schema, tagged."""
    prop = node["discriminator"]["propertyName"]
    tag, ref = next(iter(_implicit_mapping(node).items()))
    value = _build({"$ref": ref}, skip=skip)
    value[prop] = tag
    return value


def _build(node: Any, *, skip: frozenset[str]) -> Any:
    name = None
    if isinstance(node, dict) and "$ref" in node:
        if node["$ref"].startswith(_SCHEMA_REF):
            name = _schema_name(node["$ref"])
        node = resolve(node)
    if "enum" in node:
        return node["enum"][0]
    discriminator = node.get("discriminator")
    if discriminator and ("oneOf" in node or "anyOf" in node):
        return _tagged(node, skip)
    if discriminator and discriminator.get("mapping") and name and name not in skip:
        return _tagged(node, skip | {name})
    if "oneOf" in node or "anyOf" in node:
        return _build((node.get("oneOf") or node["anyOf"])[0], skip=skip)
    if "allOf" in node:
        parts = [_build(part, skip=skip) for part in node["allOf"]]
        objects = [part for part in parts if isinstance(part, dict)]
        required = _required(node)
        if not objects and not required:
            return parts[0] if parts else {}
        value: dict[str, Any] = {}
        for part in objects:
            value.update(part)
        properties = merged_properties(node)
        for key in required:
            if key not in value and key in properties:
                value[key] = _build(properties[key], skip=skip)
        return value
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        properties = node.get("properties", {})
        return {
            key: _build(properties[key], skip=skip)
            for key in _required(node)
            if key in properties and not resolve(properties[key]).get("readOnly")
        }
    if kind == "array":
        if isinstance(node.get("example"), list) and not problems(node, node["example"]):
            return copy.deepcopy(node["example"])
        count = max(int(node.get("minItems", 0)), 0)
        return [_build(node.get("items", {}), skip=skip) for _ in range(count)]
    if kind == "string":
        return _string(node)
    if kind == "integer":
        return _number(node, int)
    if kind == "number":
        return _number(node, float)
    if kind == "boolean":
        for key in ("default", "example"):
            if isinstance(node.get(key), bool):
                return node[key]
        return True
    return {}


def _string(node: Mapping[str, Any]) -> str:
    low = int(node.get("minLength", 0))
    high = int(node.get("maxLength", 10_000))
    fmt = node.get("format")
    for key in ("default", "example"):
        candidate = node.get(key)
        if isinstance(candidate, str) and low <= len(candidate) <= high:
            return candidate
    if fmt == "uri":
        text = "https://example.com/h"
    elif fmt == "email":
        text = "user@example.com"
    else:
        text = "x"
    if len(text) < low:
        text += "x" * (low - len(text))
    return text[:high]


def _number(node: Mapping[str, Any], kind: type) -> Any:
    for key in ("default", "example"):
        candidate = node.get(key)
        if isinstance(candidate, int | float) and not isinstance(candidate, bool):
            low, high = node.get("minimum"), node.get("maximum")
            if (low is None or candidate >= low) and (high is None or candidate <= high):
                return kind(candidate)
    return kind(node.get("minimum", 1))


def walk_keys(value: Any) -> Iterator[str]:
    """Every object key anywhere in a JSON value (for tests that look for one)."""
    if isinstance(value, dict):
        for key, sub in value.items():
            yield key
            yield from walk_keys(sub)
    elif isinstance(value, list):
        for sub in value:
            yield from walk_keys(sub)
