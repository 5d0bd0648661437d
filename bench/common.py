"""Shared set-up for benchmarks: a throwaway database on the configured server."""

import os
import time
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("Run benchmarks through `make bench` (it provides DATABASE_URL).")
    return url


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@contextmanager
def bench_database(name: str):
    """A fresh database `name` with Django pointed at it and migrated, dropped afterwards."""
    admin_url = _with_database(_server_url(), "postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(_server_url(), name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    # Throwaway people: a fast password hasher keeps set-up out of the timings.
    os.environ["PORTAL_TESTING"] = "1"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    try:
        yield url
    finally:
        drop_database(name)


def drop_database(name: str) -> None:
    from django.db import connections

    connections.close_all()
    admin_url = _with_database(_server_url(), "postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def timed(label: str, results: dict):
    start = time.perf_counter()
    yield
    results[label] = time.perf_counter() - start
