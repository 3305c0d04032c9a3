"""Request bodies checked against the spec's rules: `body_problems` and `check_body`.

The rules are plain values generated from the official spec (``_generated/rules.py``,
written by ``codegen/request_rules.py``, whose docstring gives the format); this module
only interprets them, so it imports no generated code: the caller hands it the rule of a
body and the table of named rules. It checks the wire JSON (camelCase keys, plain
dict/list/str/int/float/bool/None) at every depth and returns every problem, each as
``path: what is wrong`` (``body.matchCriteria.phoneNumber: ...``).

A rule, in short: a schema name, or a dict of ``type``, ``null``, ``enum``, the spec's
bounds (``minLength`` ... ``maximum``), ``uri``, ``email``, ``pattern``,
``flat_max_bytes``, ``props``/``required``/``read_only`` (an object; without ``props``
it is free-form), ``items`` (an array), ``tag``/``tags`` (a union chosen by its ``type``),
``any`` (a union whose value matches one rule), ``ref`` (also follow that named rule).

No message quotes a string the caller sent, but for a value that must be one of a few
(an enum, a union's ``type``): a credential in a field of the wrong type, or too long,
never reaches an exception or a log.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from ._config import MAX_PROBLEMS_SHOWN
from ._exceptions import InvalidArgumentError
from ._text import short_repr
from ._urls import is_absolute_url

__all__ = ["MAX_DEPTH", "ModelJSON", "body_problems", "check_body", "json_type", "sendable"]

#: A body nested deeper than this is refused: no real request comes close.
MAX_DEPTH = 64
#: Known fields listed when an unknown one resembles none of them.
_KNOWN_SHOWN = 12

_TYPES: dict[type, str] = {
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    dict: "object",
    list: "array",
    tuple: "array",
    type(None): "null",
}
_SUBCLASSES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),
    (str, "string"),
    (int, "integer"),
    (float, "number"),
    (Mapping, "object"),
    (list, "array"),
    (tuple, "array"),
)
_A = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "array": "an array",
    "object": "an object",
}


def json_type(value: object) -> str:
    """The JSON type of a value (``integer`` for an int, ``boolean`` for a bool), or the
    Python type's name for what is not JSON.

    >>> json_type(True), json_type(1), json_type(1.5), json_type({}), json_type(b"")
    ('boolean', 'integer', 'number', 'object', 'bytes')
    """
    name = _TYPES.get(type(value))
    if name is not None:
        return name
    for kind, found in _SUBCLASSES:
        if isinstance(value, kind):
            return found
    return type(value).__name__


def body_problems(
    value: object, rule: object, rules: Mapping[str, object], *, path: str = "body"
) -> list[str]:
    """Every way ``value`` breaks ``rule`` (a rule or the name of one in ``rules``).

    >>> rules = {"p": {"type": "object", "props": {"givenName": {"type": "string"}}}}
    >>> body_problems({"given_name": "Steve"}, "p", rules)
    ["body.given_name: unknown field (did you mean 'givenName'?)"]
    """
    found: list[str] = []
    _check(value, rule, rules, path, 0, found)
    return found


def check_body(value: object, rule: object, rules: Mapping[str, object], *, what: str) -> None:
    """Raise `InvalidArgumentError` listing what is wrong with a body, if anything.

    ``what`` names the body in the message (an operationId: ``invalid CreateClient
    body: ...``); at most ``MAX_PROBLEMS_SHOWN`` problems are listed.
    """
    problems = body_problems(value, rule, rules)
    if not problems:
        return
    shown = "; ".join(problems[:MAX_PROBLEMS_SHOWN])
    if len(problems) > MAX_PROBLEMS_SHOWN:
        shown += f"; and {len(problems) - MAX_PROBLEMS_SHOWN} more"
    raise InvalidArgumentError(f"invalid {what} body: {shown}")


def _child(path: str, key: object) -> str:
    if isinstance(key, str) and key.isidentifier():
        return f"{path}.{key}"
    return f"{path}[{short_repr(key, 40)}]"


def _is(value: object, wanted: str, got: str) -> bool:
    if got == wanted:
        return True
    if wanted == "number":
        return got == "integer"
    # JSON has one kind of number: 2.0 is an integer
    return wanted == "integer" and isinstance(value, float) and value.is_integer()


def _check(value: Any, rule: Any, rules: Any, path: str, depth: int, out: list[str]) -> None:
    if depth > MAX_DEPTH:
        out.append(f"{path}: nested more than {MAX_DEPTH} levels deep")
        return
    rule = _rule(rule, rules)
    if value is None:
        if not rule.get("null"):
            out.append(f"{path}: must not be null")
        return
    if "tags" in rule:
        _check_tagged(value, rule, rules, path, depth, out)
        return
    if "any" in rule:
        _check_any(value, rule["any"], rules, path, depth, out)
        return
    got = json_type(value)
    wanted = rule.get("type")
    if wanted is not None and not _is(value, wanted, got):
        out.append(f"{path}: must be {_A.get(wanted, wanted)}, got {got}")
        return
    if got == "string":
        _check_string(value, rule, path, out)
    elif got == "object":
        _check_object(value, rule, rules, path, depth, out)
    elif got == "array":
        _check_array(value, rule, rules, path, depth, out)
    elif got == "integer" or got == "number":
        _check_number(value, rule, path, out)
    enum = rule.get("enum")
    if enum is not None and value not in enum:
        allowed = ", ".join(map(repr, enum))
        out.append(f"{path}: must be one of {allowed}, got {short_repr(value)}")
    ref = rule.get("ref")
    if ref is not None:
        _check(value, ref, rules, path, depth + 1, out)


def _check_string(value: str, rule: Any, path: str, out: list[str]) -> None:
    low = rule.get("minLength")
    if low is not None and len(value) < low:
        out.append(
            f"{path}: must not be empty"
            if low == 1
            else f"{path}: must be at least {low} characters, got {len(value)}"
        )
    high = rule.get("maxLength")
    if high is not None and len(value) > high:
        out.append(f"{path}: must be at most {high} characters, got {len(value)}")
    if rule.get("uri") and not is_absolute_url(value):
        out.append(f"{path}: must be an absolute URL (e.g. 'https://example.com/a.png')")
    if rule.get("email") and "@" not in value.strip("@"):
        out.append(f"{path}: must be an email address")
    pattern = rule.get("pattern")
    if pattern is not None and re.fullmatch(pattern, value) is None:
        out.append(f"{path}: must be {rule.get('pattern_says') or f'like {pattern}'}")


def _check_number(value: float, rule: Any, path: str, out: list[str]) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        out.append(f"{path}: must be a finite number")
        return
    low = rule.get("minimum")
    if low is not None and value < low:
        out.append(f"{path}: must be at least {low}, got {value}")
    high = rule.get("maximum")
    if high is not None and value > high:
        out.append(f"{path}: must be at most {high}, got {value}")


def _check_array(value: Any, rule: Any, rules: Any, path: str, depth: int, out: list[str]) -> None:
    low = rule.get("minItems")
    if low is not None and len(value) < low:
        out.append(f"{path}: must have at least {low} items, got {len(value)}")
    high = rule.get("maxItems")
    if high is not None and len(value) > high:
        out.append(f"{path}: must have at most {high} items, got {len(value)}")
    items = rule.get("items")
    if items is not None:
        for index, item in enumerate(value):
            _check(item, items, rules, f"{path}[{index}]", depth + 1, out)


def _check_object(value: Any, rule: Any, rules: Any, path: str, depth: int, out: list[str]) -> None:
    props = rule.get("props")
    if props is not None:
        for key, item in value.items():
            sub = props.get(key) if isinstance(key, str) else None
            if sub is None:
                out.append(_unknown_key(key, rule, path))
            else:
                _check(item, sub, rules, _child(path, key), depth + 1, out)
        for key in rule.get("required", ()):
            if key not in value:
                out.append(f"{path}: needs the field {key!r}")
    limit = rule.get("flat_max_bytes")
    if limit is not None:
        _check_flat(value, limit, path, out)


def _unknown_key(key: object, rule: Any, path: str) -> str:
    if not isinstance(key, str):
        return f"{path}: keys must be strings, got {json_type(key)} {short_repr(key, 40)}"
    where = _child(path, key)
    if key in rule.get("read_only", ()):
        return f"{where}: is read-only (the server sets it): leave it out"
    known = list(rule["props"])
    hint = _suggest(key, known)
    if hint is not None:
        return f"{where}: unknown field (did you mean {hint!r}?)"
    if not known:
        return f"{where}: unknown field (this object has none)"
    listed = ", ".join(known[:_KNOWN_SHOWN]) + (", ..." if len(known) > _KNOWN_SHOWN else "")
    return f"{where}: unknown field (known: {listed})"


def _suggest(key: str, known: list[str]) -> str | None:
    """The known field ``key`` was likely meant as: ``given_name`` -> ``givenName``."""
    folded = key.replace("_", "").replace("-", "").lower()
    for name in known:
        if name.lower() == folded:
            return name
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.7)
    return close[0] if close else None


def _check_tagged(value: Any, rule: Any, rules: Any, path: str, depth: int, out: list[str]) -> None:
    """A union chosen by its tag (``type``): the branch that tag names."""
    if not isinstance(value, Mapping):
        out.append(f"{path}: must be an object, got {json_type(value)}")
        return
    key, tags = rule["tag"], rule["tags"]
    tag = value.get(key)
    branch = tags.get(tag) if isinstance(tag, str) else None
    if branch is not None:
        _check(value, branch, rules, path, depth + 1, out)
        return
    known = ", ".join(map(repr, tags))
    if key not in value:
        out.append(f"{path}: needs the field {key!r} (one of {known})")
    elif tag is None:
        out.append(f"{_child(path, key)}: must not be null (one of {known})")
    else:
        out.append(f"{_child(path, key)}: unknown {key} {short_repr(tag)} (known: {known})")


def _check_any(
    value: Any, branches: Any, rules: Any, path: str, depth: int, out: list[str]
) -> None:
    """A union told apart by no tag: the value must follow one branch; when it follows
    none, the problems of the closest are reported: the branch that knows the most of
    its keys, then the one with the fewest problems."""
    closest: list[str] = []
    best = (0, 0)
    for branch in branches:
        found: list[str] = []
        _check(value, branch, rules, path, depth + 1, found)
        if not found:
            return
        score = (sum(": unknown field" in problem for problem in found), len(found))
        if not closest or score < best:
            closest, best = found, score
    out.extend(closest)


def _check_flat(value: Any, limit: int, path: str, out: list[str]) -> None:
    """A flat object (str keys; string, number, boolean or null values) of at most
    ``limit`` bytes of compact JSON."""
    flat = True
    for key, item in value.items():
        if not isinstance(key, str):
            out.append(f"{path}: keys must be strings, got {json_type(key)}")
            flat = False
        elif not (item is None or isinstance(item, str | int | float)):
            out.append(
                f"{_child(path, key)}: must be a string, number, boolean or null"
                f" ({path} is flat), got {json_type(item)}"
            )
            flat = False
    if not flat:
        return
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:
        out.append(f"{path}: must hold finite numbers only")
        return
    size = len(text.encode())
    if size > limit:
        out.append(f"{path}: must be at most {limit} bytes of JSON, got {size}")


class ModelJSON(dict[str, object]):
    """The JSON of a model, as the caller handed it over (``webhooks=[hook]``): unlike a
    dict the caller wrote, it may hold fields the server set, which `sendable` drops."""

    __slots__ = ()


def sendable(value: object, rule: object, rules: Mapping[str, object]) -> object:
    """``value`` with what a request does not send left out of every `ModelJSON` in it,
    at any depth (the fields the rules mark read-only, nulls where the rules allow none,
    fields the rules do not know): a model the API returned can be sent back where the
    API takes that shape. A dict the caller wrote keeps them all, and `check_body`
    refuses what is wrong in it."""
    return _sendable(value, rule, rules, 0, inside_model=False)


def _sendable(value: Any, rule: Any, rules: Any, depth: int, *, inside_model: bool) -> Any:
    if depth > MAX_DEPTH or rule is None:
        return value
    rule = _rule(rule, rules)
    inside_model = inside_model or isinstance(value, ModelJSON)
    if isinstance(value, list | tuple):
        items = rule.get("items")
        return [_sendable(v, items, rules, depth + 1, inside_model=inside_model) for v in value]
    if not isinstance(value, Mapping):
        return value
    if "tags" in rule:  # the branch its tag names
        tag = value.get(rule["tag"])
        branch = rule["tags"].get(tag) if isinstance(tag, str) else None
        return _sendable(value, branch, rules, depth + 1, inside_model=inside_model)
    props = rule.get("props")
    if props is None:  # free-form, or a union of untagged shapes: as it is
        return value
    if not inside_model:
        return {
            key: _sendable(item, props.get(key), rules, depth + 1, inside_model=False)
            for key, item in value.items()
        }
    # what a model read from a response holds besides what a request sends: the fields
    # the server set, the nulls it sent where a request may send none, the fields this
    # version does not know
    read_only = rule.get("read_only", ())
    return {
        key: _sendable(item, props[key], rules, depth + 1, inside_model=True)
        for key, item in value.items()
        if key in props
        and key not in read_only
        and (item is not None or _nullable(props[key], rules))
    }


def _nullable(rule: Any, rules: Any) -> bool:
    return bool(_rule(rule, rules).get("null"))


def _rule(rule: Any, rules: Any) -> Any:
    """A rule as a dict: a schema's name is looked up in the table (whose entries are
    all dicts: a name leads to its rule in one step)."""
    return rules[rule] if isinstance(rule, str) else rule
