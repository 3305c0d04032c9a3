"""Count how typed the generated surface is, from its source (ast only, nothing imported).

    python codegen/census.py [PACKAGE_DIR]

Reads ``sunshine_async/_generated/resources.py`` and ``models.py`` (of this checkout, or
of PACKAGE_DIR, e.g. an older release unpacked elsewhere) and prints:

- body fields: the keyword arguments of the methods that send a JSON body, and how many
  of them are untyped (``Mapping[str, object]``, ``Sequence[object]``, ``object``,
  ``Any``), counted once per method (the implementation, or else its overloads);
- required fields: body fields the spec requires, and how many a caller may leave out
  (typed with a default in every signature of the method);
- ids: the ``id`` attributes of the models, and how many may be None.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPEC = HERE.parent / "sunshine_async" / "testing" / "openapi-facts.json"
UNTYPED = ("Mapping[str, object]", "Sequence[object]", "object", "Any")
# what every method has beside its body's fields
NOT_BODY = {"self", "body", "options", "page_size", "after", "before", "source"}


def body_methods(resources: ast.Module) -> dict[str, list[ast.AsyncFunctionDef]]:
    """Each method that takes ``body`` (``Class.name``), with its overloads."""
    found: dict[str, list[ast.AsyncFunctionDef]] = {}
    for cls in resources.body:
        if not isinstance(cls, ast.ClassDef) or cls.name.endswith("WithRawResponse"):
            continue
        for node in cls.body:
            if isinstance(node, ast.AsyncFunctionDef):
                found.setdefault(f"{cls.name}.{node.name}", []).append(node)
    return {
        name: methods
        for name, methods in found.items()
        if any(a.arg == "body" for m in methods for a in [*m.args.posonlyargs, *m.args.args])
    }


def keywords(method: ast.AsyncFunctionDef) -> dict[str, tuple[str, bool]]:
    """Keyword -> (annotation, has a default)."""
    args = method.args
    defaults = dict(zip([a.arg for a in args.kwonlyargs], args.kw_defaults, strict=True))
    return {
        a.arg: (ast.unparse(a.annotation) if a.annotation else "", defaults[a.arg] is not None)
        for a in args.kwonlyargs
        if a.arg not in NOT_BODY
    }


def is_untyped(annotation: str) -> bool:
    parts = [part.strip() for part in annotation.split("|")]
    return any(part in UNTYPED or part.startswith("Sequence[object") for part in parts)


def body_census(resources: ast.Module) -> tuple[int, int, list[str]]:
    """(body fields, untyped ones, their names)."""
    total, untyped = 0, []
    for name, overloads in body_methods(resources).items():
        implementation = overloads[-1]  # after its overloads, as Python requires
        for keyword, (annotation, _) in keywords(implementation).items():
            total += 1
            if is_untyped(annotation):
                untyped.append(f"{name}({keyword})")
    return total, len(untyped), untyped


def required_census(resources: ast.Module, spec: dict[str, object]) -> tuple[int, int]:
    """(required body fields, those every signature lets a caller leave out)."""
    required = spec_required(spec)
    total = optional = 0
    for overloads in body_methods(resources).values():
        op_id = operation_of(overloads[-1])
        for keyword in required.get(op_id, ()):
            forms = [keywords(method).get(keyword) for method in overloads]
            present = [form for form in forms if form is not None]
            if not present:
                continue
            total += 1
            if all(has_default for _, has_default in present):
                optional += 1
    return total, optional


def operation_of(method: ast.AsyncFunctionDef) -> str:
    """The operationId a method sends (``OPERATIONS["CreateApp"]`` in its body)."""
    for node in ast.walk(method):
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "OPERATIONS":
            return str(ast.literal_eval(node.slice))
    return ""


def spec_required(spec: dict[str, object]) -> dict[str, list[str]]:
    """operationId -> the snake_case keywords its JSON body requires (top level)."""
    schemas: dict[str, dict[str, object]] = spec["components"]["schemas"]  # type: ignore[index]
    found: dict[str, list[str]] = {}
    for item in spec["paths"].values():  # type: ignore[attr-defined]
        for op in item.values():
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            media = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            node = media.get("schema", {})
            ref = node.get("$ref", "")
            node = schemas.get(ref.rsplit("/", 1)[-1], node) if ref else node
            names = list(node.get("required", []))
            for part in node.get("allOf", []):
                part = schemas.get(part.get("$ref", "").rsplit("/", 1)[-1], part)
                names += part.get("required", [])
            found[op["operationId"]] = [snake(name) for name in names]
    return found


def snake(name: str) -> str:
    out = "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
    return out.replace("s_d_k", "sdk").replace("a_i_", "ai_")


def id_census(models: ast.Module) -> tuple[int, int]:
    """(models with an id, those whose id may be None)."""
    total = optional = 0
    for cls in models.body:
        if not isinstance(cls, ast.ClassDef):
            continue
        for node in cls.body:
            if isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == "id":
                total += 1
                if "None" in ast.unparse(node.annotation):
                    optional += 1
                    print(f"  Optional id: {cls.name}")
    return total, optional


def main(argv: list[str]) -> int:
    package = Path(argv[1]) if len(argv) > 1 else HERE.parent / "sunshine_async"
    generated = package / "_generated"
    resources = ast.parse((generated / "resources.py").read_text(encoding="utf-8"))
    models = ast.parse((generated / "models.py").read_text(encoding="utf-8"))
    hand_written = ast.parse((package / "_models.py").read_text(encoding="utf-8"))
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    total, untyped, names = body_census(resources)
    print(f"body fields: {total}, untyped: {untyped}")
    for name in names:
        print(f"  {name}")
    required, optional = required_census(resources, spec)
    print(f"required body fields: {required}, a caller may leave out: {optional}")
    ids, optional_ids = id_census(models)
    hand_ids, hand_optional = id_census(hand_written)
    print(f"model ids: {ids + hand_ids}, Optional: {optional_ids + hand_optional}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
