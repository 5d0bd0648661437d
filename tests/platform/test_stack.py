"""`python -m portal.stack exec`: the embedded servers live exactly as long as the command."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil
import pytest

from portal.stack import BASE_DIR, local_secret_key

CONNECTS_THEN_EXITS_7 = """
import os, sys, psycopg, redis
with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
    conn.execute("SELECT 1")
redis.Redis.from_url(os.environ["REDIS_URL"]).ping()
print("connected to both")
sys.exit(7)
"""


def stack_exec(*command: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return subprocess.run(
        [sys.executable, "-m", "portal.stack", "exec", "--", *command],
        cwd=BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def processes_mentioning(text: str) -> list[str]:
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if text in cmdline and proc.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(cmdline)
    return found


@pytest.fixture
def data_dir():
    # Short, so that the unix sockets fit; removed with everything the servers wrote.
    path = Path(tempfile.mkdtemp(prefix="portal-stack-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_exec_starts_embedded_servers_for_the_command_and_stops_them(data_dir):
    result = stack_exec(sys.executable, "-c", CONNECTS_THEN_EXITS_7, PORTAL_DATA_DIR=str(data_dir))

    if "embedded servers ready" not in result.stderr:
        pytest.skip(f"embedded PostgreSQL/Redis cannot start here:\n{result.stderr[-3000:]}")
    assert "connected to both" in result.stdout, result.stderr
    assert result.returncode == 7
    assert not (data_dir / "stack.env").exists()
    assert not (data_dir / "postgres" / "postmaster.pid").exists()
    assert processes_mentioning(str(data_dir)) == []


def test_exec_with_both_urls_set_starts_nothing_and_passes_them_on(data_dir):
    urls = {"DATABASE_URL": "postgresql://someone@db.invalid/x", "REDIS_URL": "redis://r.invalid/0"}
    script = "import os; print(os.environ['DATABASE_URL'], os.environ['REDIS_URL'])"

    result = stack_exec(sys.executable, "-c", script, PORTAL_DATA_DIR=str(data_dir), **urls)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [urls["DATABASE_URL"], urls["REDIS_URL"]]
    assert {p.name for p in data_dir.iterdir()} <= {"secret_key"}  # no server's files


def test_exec_reports_a_command_killed_by_a_signal_as_128_plus_signal(data_dir):
    urls = {"DATABASE_URL": "postgresql://someone@db.invalid/x", "REDIS_URL": "redis://r.invalid/0"}

    result = stack_exec("sh", "-c", "kill -TERM $$", PORTAL_DATA_DIR=str(data_dir), **urls)

    assert result.returncode == 128 + 15


def test_exec_passes_the_data_dirs_development_secret_key(data_dir):
    urls = {"DATABASE_URL": "postgresql://someone@db.invalid/x", "REDIS_URL": "redis://r.invalid/0"}
    script = "import os; print(os.environ['SECRET_KEY'])"

    first = stack_exec(
        sys.executable, "-c", script, PORTAL_DATA_DIR=str(data_dir), SECRET_KEY="", **urls
    )
    again = stack_exec(
        sys.executable, "-c", script, PORTAL_DATA_DIR=str(data_dir), SECRET_KEY="", **urls
    )

    key_file = data_dir / "secret_key"
    assert first.stdout.strip() == again.stdout.strip() == key_file.read_text().strip()
    assert len(first.stdout.strip()) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_exec_leaves_a_secret_key_from_the_environment_alone(data_dir):
    urls = {"DATABASE_URL": "postgresql://someone@db.invalid/x", "REDIS_URL": "redis://r.invalid/0"}
    script = "import os; print(os.environ['SECRET_KEY'])"

    result = stack_exec(
        sys.executable, "-c", script, PORTAL_DATA_DIR=str(data_dir), SECRET_KEY="from-env", **urls
    )

    assert result.stdout.strip() == "from-env"
    assert not (data_dir / "secret_key").exists()


def test_processes_starting_together_share_one_development_key(data_dir):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: local_secret_key(data_dir), range(32)))

    assert keys == {(data_dir / "secret_key").read_text().strip()}
    assert [p.name for p in data_dir.iterdir()] == ["secret_key"]  # no temporary files left
