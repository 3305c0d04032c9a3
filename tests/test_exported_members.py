"""The public surface: `__all__` lists exactly the public names, with public paths."""

from __future__ import annotations

import sunshine_async

# The names the reference (section 6) fixes; code outside this repo uses them.
CONTRACT_NAMES = {
    "Session",
    "ClientCreate",
    "MatchCriteriaMailgun",
    "MatchCriteriaMessagebird",
    "MatchCriteriaTwilio",
    "MatchCriteriaWhatsapp",
    "Confirmation",
    "Target",
    "Client",
    "ClientType",
    "ClientStatus",
    "Meta",
    "Links",
    "SunshineError",
    "ApiError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "RateLimitError",
    "ServerError",
    "ApiConnectionError",
    "ApiTimeoutError",
}


def test_all_is_every_public_name() -> None:
    """__all__ equals the module's public names, with no duplicates."""
    # under pytest the package is assertion-rewritten (its distribution has a pytest11
    # entry point), which adds globals such as "@py_builtins": not names, not exports
    public = {
        name
        for name in vars(sunshine_async)
        if name.isidentifier()
        and not name.startswith("_")
        # the optional-extra submodules, present once something has imported them
        and name not in {"annotations", "testing", "otel"}
    }
    assert set(sunshine_async.__all__) == public
    assert len(sunshine_async.__all__) == len(set(sunshine_async.__all__))


def test_contract_names_exported() -> None:
    """Every name fixed by the reference is exported."""
    assert set(sunshine_async.__all__) >= CONTRACT_NAMES


def test_public_module_path() -> None:
    """Classes show the public module in reprs and tracebacks."""
    for name in sunshine_async.__all__:
        obj = getattr(sunshine_async, name)
        if isinstance(obj, type):
            assert obj.__module__ == "sunshine_async", name


def test_bad_arguments_are_value_errors() -> None:
    """The argument error is a SunshineError and a ValueError."""
    assert issubclass(sunshine_async.InvalidArgumentError, ValueError)
    assert issubclass(sunshine_async.InvalidArgumentError, sunshine_async.SunshineError)
    assert issubclass(sunshine_async.ApiTimeoutError, sunshine_async.ApiConnectionError)


def test_version() -> None:
    """The version is a non-empty string matching the package metadata when installed."""
    assert sunshine_async.__version__.count(".") == 2


def test_one_name_is_one_class_across_the_public_modules() -> None:
    """No two public classes share a name: a name exported by several public modules is
    the same object in each (`sunshine_async.Author is sunshine_async.types.Author`)."""
    import sunshine_async.testing
    import sunshine_async.types
    import sunshine_async.webhooks

    seen: dict[str, object] = {}
    modules = [
        sunshine_async,
        sunshine_async.types,
        sunshine_async.webhooks,
        sunshine_async.testing,
    ]
    for module in modules:
        for name in module.__all__:
            value = getattr(module, name)
            if isinstance(value, type):
                assert seen.setdefault(name, value) is value, f"two classes named {name}"
    assert len(seen) > 300
