"""Developer sessions: `nox -l` lists them. The README's test command needs none of this."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.error_on_missing_interpreters = False

# Pinned so that a new release of a checker cannot turn CI red on its own.
RUFF = "ruff==0.17.6"
MYPY = "mypy==2.4.1"
# The documentation site: mkdocs-material for the pages, mkdocstrings (griffe) for the
# API pages read from the docstrings without importing the package. Pinned together,
# since a new mkdocs-material or griffe can add a warning that --strict turns into a
# failure.
DOCS = (
    "mkdocs==1.6.1",
    "mkdocs-material==9.8.2",
    "mkdocstrings[python]==1.0.8",
    "mkdocstrings-python==2.0.11",
    "griffelib==2.4.1",
)


@nox.session(python=["3.10", "3.11", "3.12", "3.13"])
def tests(session: nox.Session) -> None:
    """Run the whole suite; every async test runs on asyncio and on trio."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff."""
    session.install(RUFF)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Type-check the package with mypy --strict (and the tests and examples)."""
    session.install("-e", ".[test]", MYPY)
    session.run("mypy", "--strict", "sunshine_async")
    session.run("mypy", "tests", "examples", "benchmarks", "codegen")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site into site/ (reference pages first), with --strict."""
    session.install("-e", ".", *DOCS, RUFF)  # ruff formats the API pages' signatures
    session.run("python", "codegen/docs.py")
    session.run("mkdocs", "build", "--strict", env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against the official SDK and bare clients: prints medians, ratios, goals.

    Pass options after ``--``: ``nox -s bench -- --rounds 3``, ``-- --quick``.
    """
    session.install("-e", ".[speed]", "-r", "benchmarks/requirements.txt")
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session
def codegen(session: nox.Session) -> None:
    """Regenerate sunshine_async/_generated/ from the vendored official spec."""
    session.install("-e", ".", RUFF)  # the generator lays out what it writes with ruff
    session.run("python", "codegen/generate.py", *session.posargs)
