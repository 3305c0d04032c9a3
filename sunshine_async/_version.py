"""The package version: the one place it is written down (hatch reads it too)."""

from __future__ import annotations

__version__ = "0.1.0"
