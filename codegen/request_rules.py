"""The rules a request body must follow, derived from the official spec: ``rules.py``.

``render_rules(spec, operations, header)`` returns the source of
``sunshine_async/_generated/rules.py``: one rule per schema that a JSON request body
reaches (through ``$ref``, ``allOf``, ``oneOf``/``anyOf`` branches, array items and
discriminator mappings), the rule of each operation's body, and the rules the spec
states only in prose (``codegen/prose_rules.json``). ``sunshine_async._validate``
interprets them; the format is described in ``RULES_DOC`` below, which becomes the
generated module's docstring.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OVERRIDES = HERE / "overrides.json"
PROSE_RULES = HERE / "prose_rules.json"

JSON = dict[str, Any]

#: keys of a schema node that say nothing a request is checked against
ANNOTATIONS = frozenset(
    {"example", "examples", "description", "title", "default", "deprecated", "writeOnly"}
    | {"x-resourceId", "readOnly"}
)
#: the spec's bounds, copied into a rule under the same names
BOUNDS = ("minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum")

RULES_DOC = '''"""The rules of every JSON request body, from the official spec (and its prose).

``RULES`` maps a schema name to its rule; ``BODIES`` maps an operationId to the rule of
its JSON body. ``sunshine_async._validate`` applies them to the wire JSON (camelCase)
just before a request is sent. A rule is a schema name (a key of ``RULES``) or a dict:

- ``type``: the JSON type (string, integer, number, boolean, array, object); absent: any;
- ``null``: True when null is allowed (null is refused otherwise);
- ``enum``: the allowed values; ``minLength``/``maxLength``, ``minItems``/``maxItems``,
  ``minimum``/``maximum``: the spec's bounds; ``uri``: an absolute URL;
  ``email``: an email address; ``pattern`` (matched whole) with ``pattern_says``;
  ``flat_max_bytes``: a flat object (string, number, boolean, null values) of at most
  that many bytes of JSON;
- ``props``: the known keys of an object and each one's rule (other keys are refused;
  an object rule without ``props`` is free-form), ``required``: the keys it must have,
  ``read_only``: keys the server sets, refused in a request;
- ``items``: the rule of each element of an array;
- ``tag`` and ``tags``: a union chosen by the value of the key ``tag`` (``type``), the
  rule of each known value; ``any``: a union whose value must match one of the rules;
- ``ref``: the value must also follow that named rule (a schema used with changes, such
  as ``nullable: false`` beside an ``allOf``).
"""'''


# generate.py's helpers, imported when first called: generate.py imports this module,
# and run as a script it is ``__main__``, so a top-level import would be a cycle


def resolve(spec: JSON, node: JSON) -> JSON:
    from generate import resolve as follow

    return follow(spec, node)


def schema_name(node: JSON) -> str | None:
    from generate import schema_name as name_of

    return name_of(node)


def literal(value: object) -> str:
    from generate import literal as python_literal

    return python_literal(value)


def nullable(spec: JSON, node: JSON) -> bool:
    """Whether ``null`` is allowed: the node's own ``nullable``, else that of the one
    schema it stands for (a ``$ref``, or an ``allOf`` of one part without a type)."""
    if "nullable" in node:
        return bool(node["nullable"])
    if "$ref" in node:
        return nullable(spec, resolve(spec, node))
    parts = node.get("allOf", [])
    if len(parts) == 1 and "type" not in node and "properties" not in node:
        return nullable(spec, parts[0])
    return False


def read_only(spec: JSON, node: JSON) -> bool:
    return bool(node.get("readOnly") or resolve(spec, node).get("readOnly"))


class Compiler:
    """Turns schema nodes into rules, collecting every named schema it meets."""

    def __init__(self, spec: JSON, union_tags: dict[str, str]) -> None:
        self.spec = spec
        self.schemas: JSON = spec["components"]["schemas"]
        self.union_tags = union_tags
        self.rules: dict[str, JSON] = {}
        self.pending: list[str] = []

    def named(self, name: str) -> str:
        if name not in self.rules:
            self.pending.append(name)
        return name

    def drain(self) -> None:
        while self.pending:
            name = self.pending.pop()
            if name in self.rules:
                continue
            self.rules[name] = {}  # taken: a schema that reaches itself is not redone
            rule = self.rule(self.schemas[name])
            self.rules[name] = {"ref": rule} if isinstance(rule, str) else rule

    def rule(self, node: JSON) -> str | JSON:
        """The rule of a node: a schema name when the node is only a reference."""
        if "$ref" in node:
            name = schema_name(node)
            if not name:
                return self.rule(resolve(self.spec, node))
            if set(node) - ANNOTATIONS == {"$ref"}:
                return self.named(name)
            node = {**{k: v for k, v in node.items() if k != "$ref"}, "allOf": [{"$ref": name}]}
        if "discriminator" in node and "oneOf" not in node and "anyOf" not in node:
            return self.base_union(node)
        if node.get("oneOf") or node.get("anyOf"):
            return self.union(node)
        parts = node.get("allOf", [])
        if parts and not ({"type", "properties", "required"} & set(node)) and len(parts) == 1:
            return self.wrapper(node, parts[0])
        if parts or "properties" in node or node.get("type") == "object":
            return self.object(node)
        return self.leaf(node)

    def wrapper(self, node: JSON, part: JSON) -> str | JSON:
        """``allOf`` of one schema, maybe with changes (``nullable: false``, bounds)."""
        inner = self.rule(part)
        own = self.checks(node)
        null = nullable(self.spec, node)
        if isinstance(inner, dict):
            inner = {**inner, **own}
            inner.pop("null", None)
            return {**inner, "null": True} if null else inner
        if not own and null == nullable(self.spec, part):
            return inner
        rule: JSON = {"ref": inner, **own}
        return {**rule, "null": True} if null else rule

    def checks(self, node: JSON) -> JSON:
        """A node's own bounds, enum and format."""
        found: JSON = {key: node[key] for key in BOUNDS if key in node}
        if "enum" in node:
            found["enum"] = tuple(node["enum"])
        if node.get("format") == "uri":
            found["uri"] = True
        elif node.get("format") == "email":
            found["email"] = True
        return found

    def leaf(self, node: JSON) -> JSON:
        rule: JSON = {"type": node["type"]} if "type" in node else {}
        rule.update(self.checks(node))
        if node.get("type") == "array" and "items" in node:
            rule["items"] = self.rule(node["items"])
        if nullable(self.spec, node):
            rule["null"] = True
        return rule

    def collect(self, node: JSON, props: JSON, required: list[str]) -> None:
        """The properties and required keys of an object and its ``allOf`` parts."""
        node = resolve(self.spec, node)
        for part in node.get("allOf", []):
            self.collect(part, props, required)
        props.update(node.get("properties", {}))
        required += [key for key in node.get("required", []) if key not in required]

    def object(self, node: JSON) -> JSON:
        props: JSON = {}
        required: list[str] = []
        self.collect(node, props, required)
        rule: JSON = {"type": "object"}
        if props:
            rule["props"] = {
                key: self.rule(value)
                for key, value in props.items()
                if not read_only(self.spec, value)
            }
            ro = tuple(key for key, value in props.items() if read_only(self.spec, value))
            if ro:
                rule["read_only"] = ro
        if required:
            rule["required"] = tuple(required)
        if nullable(self.spec, node):
            rule["null"] = True
        return rule

    def tag_of(self, branch: JSON) -> str | None:
        """A branch's ``type``: its default or single enum value, else the overrides'."""
        props: JSON = {}
        self.collect(branch, props, [])
        kind = resolve(self.spec, props.get("type", {}))
        if isinstance(kind.get("default"), str):
            return str(kind["default"])
        if len(kind.get("enum", [])) == 1:
            return str(kind["enum"][0])
        return self.union_tags.get(schema_name(branch) or "")

    def union(self, node: JSON) -> JSON:
        branches: list[JSON] = node.get("oneOf") or node.get("anyOf") or []
        discriminator = node.get("discriminator") or {}
        mapping = discriminator.get("mapping")
        if mapping:
            tags = {tag: self.rule({"$ref": ref}) for tag, ref in mapping.items()}
        else:
            found = [self.tag_of(branch) for branch in branches]
            complete = all(found) and len(set(found)) == len(found)
            tags = (
                {str(t): self.rule(b) for t, b in zip(found, branches, strict=True)}
                if complete
                else {}
            )
        if tags:
            rule: JSON = {"tag": discriminator.get("propertyName", "type"), "tags": tags}
        else:
            rule = {"any": tuple(self.rule(branch) for branch in branches)}
        return {**rule, "null": True} if nullable(self.spec, node) else rule

    def base_union(self, node: JSON) -> JSON:
        """A base schema whose discriminator maps to its subtypes (``integration``)."""
        discriminator = node["discriminator"]
        tags = {tag: self.rule({"$ref": ref}) for tag, ref in discriminator["mapping"].items()}
        rule: JSON = {"tag": discriminator["propertyName"], "tags": tags}
        return {**rule, "null": True} if nullable(self.spec, node) else rule


def add_prose(rules: dict[str, JSON], prose: JSON) -> None:
    """Merge the prose rules into the table: a property's rule gains their keys."""
    for schema, fields in prose.items():
        for key, entry in fields.items():
            extra = {k: v for k, v in entry.items() if k != "why"}
            if key == "*":
                rules[schema].update(extra)
                continue
            props = rules[schema]["props"]
            current = props[key]
            if isinstance(current, str):
                null = {"null": True} if rules[current].get("null") else {}
                props[key] = {"ref": current, **extra, **null}
            else:
                props[key] = {**current, **extra}


def build(spec: JSON, operations: Sequence[JSON]) -> tuple[dict[str, JSON], dict[str, Any]]:
    """``RULES`` and ``BODIES`` as plain values."""
    overrides = json.loads(OVERRIDES.read_text(encoding="utf-8"))
    prose = json.loads(PROSE_RULES.read_text(encoding="utf-8"))["rules"]
    compiler = Compiler(spec, overrides.get("union_tags", {}))
    bodies = {
        op["id"]: compiler.rule(op["body_schema"])
        for op in operations
        if op["body_kind"] == "json" and op["body_schema"]
    }
    compiler.pending += list(prose)
    compiler.drain()
    add_prose(compiler.rules, prose)
    return {name: compiler.rules[name] for name in sorted(compiler.rules)}, bodies


def render_rules(spec: JSON, operations: list[JSON], header: str) -> str:
    """The source of ``sunshine_async/_generated/rules.py`` (ruff lays it out)."""
    rules, bodies = build(spec, operations)
    lines = [
        header,
        RULES_DOC,
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any, Final",
        "",
        '__all__ = ["BODIES", "RULES"]',
        "",
        "RULES: Final[dict[str, dict[str, Any]]] = {",
        *(f"    {literal(name)}: {literal(rule)}," for name, rule in rules.items()),
        "}",
        "",
        "BODIES: Final[dict[str, str | dict[str, Any]]] = {",
        *(f"    {literal(op_id)}: {literal(rule)}," for op_id, rule in bodies.items()),
        "}",
    ]
    return "\n".join(lines) + "\n"
