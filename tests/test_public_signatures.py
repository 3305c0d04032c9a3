"""A typed surface: no public signature holds ``Any``, ``object`` or ``Mapping[str, object]``.

The walk starts at the ``__all__`` of `sunshine_async`, `sunshine_async.types`,
`sunshine_async.webhooks` and `sunshine_async.testing`, plus every class of
``_resources`` and ``_generated.resources``, and follows every class of this package that
a public signature names (``session.apps[a].users`` ... ``with_raw_response``). It reads
each public method (each ``@overload`` variant, not the implementation behind them),
property, ``__init__`` (the fields of an attrs model), each key of a TypedDict and each
public type alias, resolves the annotations with `typing.get_type_hints`, and walks the
types: ``Any``, bare ``object`` (so ``Mapping[str, object]``, ``Sequence[object]``) and
``Callable[..., Any]`` are flagged wherever they sit.

An offender is printed as ``qualified.name(param): the type``. `ALLOWED` holds the few
that are honest, each with its reason; `TO_FIX` (empty now) would hold groups of known
offenders by exact name while they are being fixed. Anything else fails
`test_no_untyped_public_signature`.
"""

from __future__ import annotations

import ast
import collections.abc
import enum
import fnmatch
import importlib
import inspect
import sys
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ForwardRef, Literal, TypeVar

import attrs
import pytest

if sys.version_info >= (3, 11):
    from typing import get_overloads
else:  # pragma: no cover - Python 3.10
    from typing_extensions import get_overloads

# The SDK declares its overloads with typing.overload, which registers them for
# typing.get_overloads on 3.11+ only: on 3.10 the walk would read the implementations.
pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 11), reason="typing.get_overloads sees typing.overload from 3.11"
)

PUBLIC_MODULES = (
    "sunshine_async",
    "sunshine_async.types",
    "sunshine_async.webhooks",
    "sunshine_async.testing",
)
# every class here is reachable by navigation, whether or not a signature names it
NAVIGATION_MODULES = ("sunshine_async._resources", "sunshine_async._generated.resources")
# dunders users call (directly or through syntax); other dunders are the runtime's
PUBLIC_DUNDERS = frozenset(
    {"__init__", "__aenter__", "__aexit__", "__call__", "__getitem__", "__aiter__", "__anext__"}
)

_CALLBACK = "a callback whose result is ignored: Awaitable[object] takes any coroutine"

# Offenders that are honest, by fnmatch pattern on "qualified.name(param)", each with why.
ALLOWED: dict[str, str] = {
    "*.from_dict(data)": "Model.from_dict reads any JSON object; the model is what checks it",
    "sunshine_async.RequestEvent.__init__(state)": "a hook's own scratch space: any value",
    "sunshine_async.problems_in(value)": "inspects any value: a model, a tuple of them, or else",
    "sunshine_async.testing.*.json(return)": "like httpx.Response.json(): test code indexes it",
    "sunshine_async.testing.FakeSunshine.__call__(*)": "the ASGI interface, typed as ASGI is",
    "sunshine_async.testing.FakeSunshine.deliver_to(receiver)": "an ASGI app or a callback",
    "sunshine_async.testing.FakeSunshine.__init__(sleep)": _CALLBACK,
    "sunshine_async.testing.FakeSunshine.session(retry_sleep)": _CALLBACK,
    "sunshine_async.ClientsResource.wait_for_link(sleep)": _CALLBACK,
    "sunshine_async.Hooks.__init__(on_error)": _CALLBACK,
    "sunshine_async.Hooks.__init__(on_request)": _CALLBACK,
    "sunshine_async.Hooks.__init__(on_response)": _CALLBACK,
    "sunshine_async.Hooks.__init__(on_retry)": _CALLBACK,
    "sunshine_async.RetryPolicy.__init__(sleep)": _CALLBACK,
}

# Known offenders the SDK must fix, by exact "qualified.name(param)": one strict xfail per
# group (it flips to a failure once the group is fixed; then delete the group). A new
# offender is in no group, so it fails test_no_untyped_public_signature.
TO_FIX: dict[str, tuple[tuple[str, ...], str]] = {}


@dataclass(frozen=True)
class Offender:
    where: str  # qualified.name(param)
    kind: str  # what was flagged: Any, object, Mapping[str, object], Callable[..., Any]
    annotation: str  # the whole resolved type

    def __str__(self) -> str:
        return f"{self.where}: {self.annotation}"


# ---------------------------------------------------------------- walking one type

_MAPPINGS = {dict, collections.abc.Mapping, collections.abc.MutableMapping}
_SEQUENCES = {
    list,
    tuple,
    set,
    frozenset,
    collections.abc.Sequence,
    collections.abc.MutableSequence,
    collections.abc.Iterable,
    collections.abc.Collection,
    collections.abc.Set,
}


def _name(tp: object) -> str:
    if tp is Any:
        return "Any"
    if isinstance(tp, type) and not typing.get_args(tp):
        return (
            tp.__qualname__ if tp.__module__ == "builtins" else f"{tp.__module__}.{tp.__qualname__}"
        )
    return repr(tp).replace("typing.", "").replace("collections.abc.", "")


def flagged(tp: object, found: set[type] | None = None, _seen: set[int] | None = None) -> list[str]:
    """What in ``tp`` is untyped ("Any", "object", "Mapping[str, object]", ...), outermost first.

    Classes of this package met on the way are added to ``found`` (to be walked in turn).
    """
    seen = set() if _seen is None else _seen
    if id(tp) in seen:
        return []
    seen.add(id(tp))
    if tp is Any:
        return ["Any"]
    if tp is object:
        return ["object"]
    if isinstance(tp, (ForwardRef, str)):
        return []  # a recursive alias's self-reference (JSONValue), already expanded once
    if isinstance(tp, TypeVar):
        out = []
        for bound in (tp.__bound__, *tp.__constraints__):
            if bound is not None:
                out += flagged(bound, found, seen)
        return out
    if isinstance(tp, (typing.ParamSpecArgs, typing.ParamSpecKwargs, typing.ParamSpec)):
        return []
    if tp is None or tp is type(None) or tp is Ellipsis:
        return []
    alias_value = getattr(tp, "__value__", None)  # a 3.12 `type X = ...` alias
    if alias_value is not None and type(tp).__name__ == "TypeAliasType":
        return flagged(alias_value, found, seen)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return flagged(args[0], found, seen)
    if origin is Literal:
        return []
    if origin in _MAPPINGS and len(args) == 2 and args[1] in (object, Any):
        return [f"Mapping[str, {_name(args[1])}]"]
    if origin in _SEQUENCES and origin is not tuple and len(args) == 1 and args[0] in (object, Any):
        return [f"Sequence[{_name(args[0])}]"]
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis and args[0] in (object, Any):
        return [f"tuple[{_name(args[0])}, ...]"]
    if origin is collections.abc.Callable and args and args[0] is Ellipsis and args[-1] is Any:
        return ["Callable[..., Any]"]
    if origin is not None:
        out = []
        if isinstance(origin, type) and found is not None:
            _note(origin, found)
        for arg in args:
            if isinstance(arg, list):  # Callable's parameter list
                for item in arg:
                    out += flagged(item, found, seen)
            else:
                out += flagged(arg, found, seen)
        return out
    if isinstance(tp, type):
        if found is not None:
            _note(tp, found)
        return []
    return []


def _note(cls: type, found: set[type]) -> None:
    if _is_ours(cls):
        found.add(cls)


def _is_ours(obj: object) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module == "sunshine_async" or module.startswith("sunshine_async.")


# ---------------------------------------------------------------- resolving annotations


def _our_modules() -> list[types.ModuleType]:
    return [m for n, m in list(sys.modules.items()) if n.startswith("sunshine_async") and m]


def _home(cls: type) -> dict[str, Any]:
    """The globals of the module that defines ``cls`` (its __module__ is the public path)."""
    for value in vars(cls).values():
        func = inspect.unwrap(
            value.__func__ if isinstance(value, (classmethod, staticmethod)) else value
        )
        if isinstance(func, types.FunctionType) and func.__qualname__.startswith(
            cls.__qualname__ + "."
        ):
            return func.__globals__
    homes = [
        m
        for m in _our_modules()
        if vars(m).get(cls.__name__) is cls and m.__name__ not in PUBLIC_MODULES
    ]
    merged: dict[str, Any] = {}
    for module in homes:
        merged.update(vars(module))
    return merged or vars(sys.modules[cls.__module__])


_EVERYTHING: dict[str, Any] = {}


def _everything() -> dict[str, Any]:
    """Every name of every module of the package: for names imported under TYPE_CHECKING."""
    if not _EVERYTHING:
        for module in sorted(_our_modules(), key=lambda m: m.__name__.count("._"), reverse=True):
            for key, value in vars(module).items():
                _EVERYTHING.setdefault(key, value)
    return _EVERYTHING


_CHECKING_ONLY: dict[str, dict[str, Any]] = {}


def _checking_only(module_name: str) -> dict[str, Any]:
    """The names a module imports under ``if TYPE_CHECKING:``, imported for real."""
    if module_name not in _CHECKING_ONLY:
        names: dict[str, Any] = {"__name__": module_name, "__package__": module_name}
        module = sys.modules.get(module_name)
        if module is not None and getattr(module, "__path__", None) is None:
            names["__package__"] = module_name.rpartition(".")[0]
        try:
            tree = ast.parse(inspect.getsource(module)) if module else ast.Module([], [])
        except (OSError, TypeError):
            tree = ast.Module([], [])
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                for stmt in node.body:
                    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                        code = compile(ast.Module([stmt], []), module_name, "exec")
                        exec(code, names)  # noqa: S102 - the module's own import line
        _CHECKING_ONLY[module_name] = names
    return _CHECKING_ONLY[module_name]


def hints(obj: object, home: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`typing.get_type_hints`, falling back to wider namespaces for TYPE_CHECKING names."""
    try:
        return typing.get_type_hints(
            obj, globalns=dict(home) if home else None, include_extras=True
        )
    except NameError:
        own = getattr(obj, "__globals__", None) or {}
        module = own.get("__name__") or (home or {}).get("__name__") or ""
        wide = {**_everything(), **_checking_only(module), **(home or {}), **own}
        return typing.get_type_hints(obj, globalns=wide, include_extras=True)


# ---------------------------------------------------------------- walking the surface


@dataclass
class Surface:
    offenders: list[Offender]
    checked: set[str]  # every qualified signature read
    unresolved: list[str]
    done: set[int] = field(default_factory=set)  # functions read (inherited ones: once)


def _check(where: str, tp: object, surface: Surface, found: set[type]) -> None:
    kinds = flagged(tp, found)
    if kinds:
        surface.offenders.append(Offender(where, kinds[0], _name(tp)))


def _check_function(
    qual: str,
    func: Callable[..., object],
    surface: Surface,
    found: set[type],
    home: Mapping[str, Any] | None,
) -> None:
    if id(func) in surface.done:
        return  # inherited: read once, under the class that defines it
    surface.done.add(id(func))
    variants = list(get_overloads(func)) or [func]
    for number, variant in enumerate(variants, 1):
        label = qual if len(variants) == 1 else f"{qual}[overload {number}]"
        surface.checked.add(label)
        try:
            resolved = hints(variant, home)
        except Exception as exc:  # noqa: BLE001 - reported, not hidden
            surface.unresolved.append(f"{label}: {exc!r}")
            continue
        try:
            params = inspect.signature(variant).parameters
        except (TypeError, ValueError):
            params = types.MappingProxyType({})
        for name in params:
            if name in ("self", "cls") or name not in resolved:
                continue
            _check(f"{label}({name})", resolved[name], surface, found)
        if "return" in resolved:
            _check(f"{label}(return)", resolved["return"], surface, found)


def _public_member(name: str) -> bool:
    return not name.startswith("_") or name in PUBLIC_DUNDERS


def _check_class(cls: type, surface: Surface, found: set[type]) -> None:
    qual = f"{cls.__module__}.{cls.__qualname__}"
    home = _home(cls)
    if typing.is_typeddict(cls):
        surface.checked.add(qual)
        for key, tp in hints(cls, home).items():
            _check(f"{qual}({key})", tp, surface, found)
        return
    if attrs.has(cls):
        init = f"{qual}.__init__"
        surface.checked.add(init)
        resolved = hints(cls, home)
        for attribute in attrs.fields(cls):
            if attribute.init:
                _check(
                    f"{init}({attribute.alias})",
                    resolved.get(attribute.name, attribute.type),
                    surface,
                    found,
                )
    seen: set[str] = set()
    for klass in cls.__mro__:
        if not _is_ours(klass):
            continue  # object, Exception, Enum, str, Generic: not this package's signatures
        for name, raw in vars(klass).items():
            if name in seen or not _public_member(name):
                continue
            seen.add(name)
            if attrs.has(cls) and name == "__init__":
                continue  # the fields, above
            where = f"{klass.__module__}.{klass.__qualname__}.{name}"
            if isinstance(raw, property):
                if raw.fget is not None:
                    _check_function(where, raw.fget, surface, found, _home(klass))
                continue
            if isinstance(raw, (classmethod, staticmethod)):
                raw = raw.__func__
            if isinstance(raw, types.FunctionType):
                _check_function(where, raw, surface, found, _home(klass))


def _roots() -> Iterator[tuple[str, object]]:
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            yield f"{module_name}.{name}", getattr(module, name)
    for module_name in NAVIGATION_MODULES:
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ in (module_name, *PUBLIC_MODULES):
                yield f"{module_name}.{value.__qualname__}", value


def walk() -> Surface:
    surface = Surface([], set(), [])
    found: set[type] = set()
    done: set[type] = set()
    for qual, obj in _roots():
        if isinstance(obj, types.ModuleType):
            continue
        if isinstance(obj, type):
            if _is_ours(obj):
                found.add(obj)
        elif isinstance(obj, types.FunctionType):
            _check_function(qual, obj, surface, found, None)
        elif typing.get_origin(obj) is not None or type(obj).__name__ == "TypeAliasType":
            surface.checked.add(qual)  # a public alias (ContentInput, HeadersLike)
            _check(qual, obj, surface, found)
    while found - done:
        cls = min(found - done, key=lambda c: (c.__module__, c.__qualname__))
        done.add(cls)
        if issubclass(cls, enum.Enum) and not any(
            _public_member(n) and isinstance(v, types.FunctionType) for n, v in vars(cls).items()
        ):
            continue
        _check_class(cls, surface, found)
    surface.offenders.sort(key=lambda o: o.where)
    return surface


_SURFACE: Surface | None = None


def surface() -> Surface:
    global _SURFACE  # one walk for the module's tests
    if _SURFACE is None:
        _SURFACE = walk()
    return _SURFACE


def _allowed(offender: Offender) -> str | None:
    for pattern, reason in ALLOWED.items():
        if fnmatch.fnmatchcase(offender.where, pattern):
            return reason
    return None


def _group(offender: Offender) -> str | None:
    for group, (names, _reason) in TO_FIX.items():
        if offender.where in names:
            return group
    return None


# ---------------------------------------------------------------- the tests


def test_no_untyped_public_signature() -> None:
    """Every offender is on the allow list (with a reason) or in a known group to fix."""
    found = surface()
    for offender in found.offenders:
        tag = "allowed" if _allowed(offender) else (_group(offender) or "OFFENDER")
        print(f"[{tag}] {offender}")
    assert not found.unresolved, "\n".join(found.unresolved)
    unexplained = [o for o in found.offenders if not _allowed(o) and not _group(o)]
    assert not unexplained, "untyped public signatures:\n" + "\n".join(map(str, unexplained))


def test_every_allowance_and_group_is_used() -> None:
    """No stale entry: each allow pattern and each group to fix still matches something."""
    wheres = [o.where for o in surface().offenders]
    for pattern in ALLOWED:
        assert any(fnmatch.fnmatchcase(w, pattern) for w in wheres), f"stale: {pattern}"
    listed = [name for names, _reason in TO_FIX.values() for name in names]
    assert len(listed) == len(set(listed)), "a name in two groups"
    # a fixed name stays listed only until its whole group is fixed (the xfail flips then)


def test_the_walk_reaches_the_surface() -> None:
    """Not vacuous: the walk reads the navigated resources, their overloads, models, TypedDicts."""
    checked = surface().checked
    assert len(checked) > 300
    for expected in (
        "sunshine_async._engine.Engine.__init__",  # Session(...)
        "sunshine_async.AppsResource.__getitem__",
        "sunshine_async.ItemIterator.__anext__",
        "sunshine_async.App.__init__",
        "sunshine_async._generated.wire.ProfileJSON",
        "sunshine_async.webhooks.unwrap",
    ):
        assert expected in checked, expected
    assert any("[overload 2]" in c for c in checked)
    assert any("WithRawResponse" in c for c in checked)


def _loose(data: Mapping[str, object], hook: Callable[..., Any], items: Sequence[object]) -> object:
    return data


def _tight(data: Mapping[str, int], names: Sequence[str] | None) -> Literal["a", "b"]:
    return "a"


def test_the_walker_flags_loose_types() -> None:
    """Self-test: a fake function with Mapping[str, object] etc. is flagged, a typed one is not."""
    surface_ = Surface([], set(), [])
    _check_function("fake._loose", _loose, surface_, set(), None)
    assert {(o.where, o.kind) for o in surface_.offenders} == {
        ("fake._loose(data)", "Mapping[str, object]"),
        ("fake._loose(hook)", "Callable[..., Any]"),
        ("fake._loose(items)", "Sequence[object]"),
        ("fake._loose(return)", "object"),
    }
    surface_ = Surface([], set(), [])
    _check_function("fake._tight", _tight, surface_, set(), None)
    assert surface_.offenders == []
    assert flagged(dict[str, list[Any]]) == ["Sequence[Any]"]
    assert flagged(dict[str, tuple[int, Any]]) == ["Any"]
    assert flagged(int | object | None) == ["object"]
