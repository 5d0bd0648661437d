"""Fixtures for capture tests live in tests/conftest.py (erasure tests share them)."""
