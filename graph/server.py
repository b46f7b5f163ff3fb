"""Control of the embedded ArcadeDB graph server (used when no NEO4J_URI is configured).

The server runs in its own process so that every web worker, CLI command and test shares one
graph through the Bolt protocol, exactly as they would share a Neo4j server. Its state (pid,
ports) and a generated root password live in `<data_dir>/graph/`.
"""
from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE = "matchmaker"
START_TIMEOUT_S = 90
HEAP = os.environ.get("MATCHMAKER_GRAPH_HEAP", "1g")


class GraphServerError(RuntimeError):
    pass


@dataclass(frozen=True)
class Connection:
    uri: str
    user: str
    password: str
    http_url: str
    pid: int


def _graph_dir(data_dir: Path) -> Path:
    path = Path(data_dir) / "graph"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _password(graph_dir: Path) -> str:
    path = graph_dir / "root-password"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(24))
    return path.read_text().strip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our own child that has exited: reap it
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


@contextmanager
def _lock(graph_dir: Path):
    with open(graph_dir / "control.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def status(data_dir: Path) -> Connection | None:
    """The running server's connection details, or None when it is not running."""
    graph_dir = _graph_dir(data_dir)
    state_file = graph_dir / "server.json"
    if not state_file.exists():
        return None
    state = json.loads(state_file.read_text())
    if not (_pid_alive(state["pid"]) and _port_open(state["bolt_port"])):
        return None
    return Connection(uri=f"bolt://127.0.0.1:{state['bolt_port']}", user="root",
                      password=_password(graph_dir),
                      http_url=f"http://127.0.0.1:{state['http_port']}", pid=state["pid"])


def ensure_running(data_dir: Path) -> Connection:
    """Reuse the server of this data dir if it runs, else start it and wait until it listens."""
    graph_dir = _graph_dir(data_dir)
    with _lock(graph_dir):
        conn = status(data_dir)
        if conn:
            return conn
        (graph_dir / "server.json").unlink(missing_ok=True)
        log = open(graph_dir / "server.log", "ab")
        proc = subprocess.Popen([sys.executable, "-m", "graph.server", str(data_dir)],
                                cwd=graph_dir, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True,
                                env={**os.environ, "PYTHONPATH": _project_root()})
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise GraphServerError(f"graph server exited with {proc.returncode}; "
                                       f"see {graph_dir / 'server.log'}")
            conn = status(data_dir)
            if conn:
                return conn
            time.sleep(0.2)
        proc.terminate()
        raise GraphServerError(f"graph server did not start within {START_TIMEOUT_S} s")


def stop(data_dir: Path, timeout: float = 30) -> bool:
    """Stop the server cleanly (it flushes and closes its databases). False if none ran."""
    conn = status(data_dir)
    if not conn:
        return False
    os.kill(conn.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _pid_alive(conn.pid):
        time.sleep(0.1)
    if _pid_alive(conn.pid):
        raise GraphServerError(f"graph server {conn.pid} did not stop within {timeout} s")
    return True


def _project_root() -> str:
    return str(Path(__file__).resolve().parent.parent)


def _http(conn: Connection, path: str, body: dict, timeout: float = 60) -> dict:
    token = base64.b64encode(f"{conn.user}:{conn.password}".encode()).decode()
    req = urllib.request.Request(conn.http_url + path, data=json.dumps(body).encode(),
                                 method="POST", headers={"Authorization": "Basic " + token,
                                                         "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.load(resp)
    except urllib.error.HTTPError as e:
        raise GraphServerError(f"ArcadeDB {path}: {e.code} {e.read()[:500]!r}") from e


def sql(conn: Connection, database: str, command: str) -> dict:
    """Run one ArcadeDB SQL command (used only for what Bolt/Cypher cannot do here)."""
    return _http(conn, f"/api/v1/command/{database}", {"language": "sql", "command": command})


def list_databases(conn: Connection) -> list[str]:
    return _http(conn, "/api/v1/server", {"command": "list databases"})["result"]


def create_database(conn: Connection, name: str) -> None:
    if name not in list_databases(conn):
        _http(conn, "/api/v1/server", {"command": f"create database {name}"})


def drop_database(conn: Connection, name: str) -> None:
    if name in list_databases(conn):
        _http(conn, "/api/v1/server", {"command": f"drop database {name}"})


BACKUP_TIMEOUT_S = 3600  # backups and restores copy the whole database


def backups_dir(data_dir: Path, database: str) -> Path:
    """Where the server writes the archives of `BACKUP DATABASE` and where `restore backup` reads
    them from: ArcadeDB's default `<root path>/backups/<database>`."""
    return _graph_dir(data_dir) / "arcadedb" / "backups" / database


def backup_database(conn: Connection, database: str) -> str:
    """Archive a point-in-time snapshot of `database` while it keeps serving (ArcadeDB reads the
    pages through a snapshot, so concurrent transactions neither block nor leak in half-done).
    Returns the archive's file name in `backups_dir`."""
    result = _http(conn, f"/api/v1/command/{database}",
                   {"language": "sql", "command": "BACKUP DATABASE"}, BACKUP_TIMEOUT_S)
    return result["result"][0]["backupFile"]


def restore_backup(conn: Connection, database: str, file_name: str) -> None:
    """Replace `database` with the archive `file_name` of its `backups_dir`. The server restores
    into a temporary directory and swaps it in only when complete, so a failed restore leaves
    the database as it was; open Bolt connections carry on with the restored one."""
    command = f"restore backup {database} {file_name} as {database}"
    _http(conn, "/api/v1/server", {"command": command, "overwrite": True}, BACKUP_TIMEOUT_S)


def _ports(graph_dir: Path) -> tuple[int, int]:
    """The ports of the previous run when they are still free, so that running apps reconnect
    to a restarted server without being restarted themselves."""
    remembered = graph_dir / "ports.json"
    previous = json.loads(remembered.read_text()) if remembered.exists() else {}
    ports = []
    for name in ("bolt", "http"):
        port = int(os.environ.get(f"MATCHMAKER_GRAPH_{name.upper()}_PORT") or 0) or \
            previous.get(name)
        if not port or _port_open(port):
            port = _free_port()
        ports.append(port)
    remembered.write_text(json.dumps({"bolt": ports[0], "http": ports[1]}))
    return ports[0], ports[1]


def _serve(data_dir: Path) -> None:
    """Process entry point: run the server until SIGTERM/SIGINT."""
    import arcadedb_embedded as arcadedb

    graph_dir = _graph_dir(data_dir)
    # -Xrs: SIGTERM stays with Python, which closes the databases before leaving.
    arcadedb.jvm.start_jvm(heap_size=HEAP, jvm_args="-Xrs")
    bolt_port, http_port = _ports(graph_dir)
    server = arcadedb.create_server(
        root_path=str(graph_dir / "arcadedb"), root_password=_password(graph_dir),
        config={"http_port": http_port, "host": "127.0.0.1",
                "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
                "bolt_port": bolt_port, "bolt_host": "127.0.0.1",
                "bolt_defaultDatabase": DEFAULT_DATABASE})
    server.start()
    if not (graph_dir / "arcadedb" / "databases" / DEFAULT_DATABASE).exists():
        server.create_database(DEFAULT_DATABASE)
    stop_requested = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop_requested.set())
    (graph_dir / "server.json").write_text(json.dumps(
        {"pid": os.getpid(), "bolt_port": bolt_port, "http_port": http_port}))
    while not stop_requested.wait(1):
        pass
    server.stop()
    (graph_dir / "server.json").unlink(missing_ok=True)
    sys.stdout.flush()
    # The JVM's signal hooks crash a normally finalizing interpreter; the server is closed, so
    # leave without running them.
    os._exit(0)


if __name__ == "__main__":
    _serve(Path(sys.argv[1]))
