"""List every public method of the official SDK's ``*Api`` classes, as JSON.

    python3 -m venv /tmp/official
    /tmp/official/bin/pip install sunshine-conversations-client==17.0.1
    /tmp/official/bin/python codegen/official_methods.py > docs/migration-official-methods.json

Run it with the official SDK installed (never in the test venv: this project does not
depend on it). For each method it records the class, the name, and the HTTP method and
path the method sends, read from the request its ``_<name>_serialize`` helper builds.
The ``<name>_with_http_info`` and ``<name>_without_preload_content`` twins send the
same request as ``<name>`` and are listed under it, not as methods of their own.

``tests/test_docs.py`` checks that the migration guide's table has a row for every
method in that file, and that each row's call here sends the same request.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import sys
from typing import Any

TWIN_SUFFIXES = ("_with_http_info", "_without_preload_content")


def methods(package: Any) -> list[dict[str, object]]:
    """Every public method of every ``*Api`` class of ``package``, sorted."""
    found: list[dict[str, object]] = []
    for api in sorted(name for name in dir(package) if name.endswith("Api")):
        cls = getattr(package, api)
        names = [
            name
            for name, value in vars(cls).items()
            if not name.startswith("_") and inspect.isfunction(value)
        ]
        for name in sorted(n for n in names if not n.endswith(TWIN_SUFFIXES)):
            source = inspect.getsource(getattr(cls, f"_{name}_serialize"))
            method = re.search(r"method='([A-Z]+)'", source)
            path = re.search(r"resource_path='([^']+)'", source)
            found.append(
                {
                    "api": api,
                    "method": name,
                    "http_method": method.group(1) if method else None,
                    "path": path.group(1) if path else None,
                    "twins": [name + end for end in TWIN_SUFFIXES if name + end in names],
                }
            )
    return found


def main() -> int:
    package = importlib.import_module("sunshine_conversations_client")
    data = {
        "package": "sunshine-conversations-client",
        "version": package.__version__,
        "generated_by": "codegen/official_methods.py",
        "skipped_twins": list(TWIN_SUFFIXES),
        "methods": methods(package),
    }
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
