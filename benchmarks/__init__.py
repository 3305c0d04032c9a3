"""Benchmarks of sunshine-async against the official SDK and bare HTTP clients.

Run ``python benchmarks/run.py --help``; see ``benchmarks/README.md``.
"""
