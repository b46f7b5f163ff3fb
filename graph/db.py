"""One driver per process, and the two ways to run work on it: `read` and `write`.

Every query runs inside a managed transaction function (`execute_read`/`execute_write`), so
transient failures are retried by the driver and a failing unit of work is rolled back whole.
"""
from __future__ import annotations

import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import ServiceUnavailable, SessionExpired

from graph import reference, schema, server


class GraphUnavailable(RuntimeError):
    """The graph server cannot be reached right now (mapped to HTTP 503)."""


@dataclass(frozen=True)
class Settings:
    uri: str | None
    user: str
    password: str
    database: str | None
    data_dir: Path

    @classmethod
    def from_env(cls, data_dir: Path, database: str | None = None) -> "Settings":
        return cls(uri=os.environ.get("NEO4J_URI") or None,
                   user=os.environ.get("NEO4J_USER", "neo4j"),
                   password=os.environ.get("NEO4J_PASSWORD", ""),
                   database=database or os.environ.get("NEO4J_DATABASE") or None,
                   data_dir=Path(data_dir))


class Graph:
    def __init__(self, settings: Settings):
        self.settings = settings
        if settings.uri:
            self.backend = "neo4j"
            self.embedded = None
            self.database = settings.database or "neo4j"
            uri, auth = settings.uri, (settings.user, settings.password)
        else:
            self.backend = "arcadedb"
            self.embedded = server.ensure_running(settings.data_dir)
            self.database = settings.database or server.DEFAULT_DATABASE
            server.create_database(self.embedded, self.database)
            uri, auth = self.embedded.uri, (self.embedded.user, self.embedded.password)
        self.driver = GraphDatabase.driver(uri, auth=auth, connection_timeout=5,
                                           connection_acquisition_timeout=10,
                                           max_transaction_retry_time=5,
                                           telemetry_disabled=True)
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="graph-read")
        self._kept: dict = {}
        self._kept_under = None  # the reference version what is kept was read under
        self._request = threading.local()  # whether this request has checked that version

    def read(self, work, *args, **kwargs):
        return self._run("execute_read", work, args, kwargs)

    def read_parallel(self, works: list) -> list:
        """Independent units of read work side by side, each in its own session and managed
        transaction, so that the server works on them at once; their results, in order."""
        if len(works) < 2:
            return [self.read(w) for w in works]
        return list(self._pool.map(self.read, works))

    def begin_request(self) -> None:
        """A web request starts: its first `read_once` checks the reference version first."""
        self._request.checked = False

    def read_once(self, work, *args):
        """`work`'s result, read on first use and then kept: for the reference lists (regions,
        parks, clusters, categories), which change rarely — when the office edits them, which
        bumps their version, or at `matchmaker init`. Kept until `forget_kept`, or until
        `keep_under` is told of another version; in a web request (`begin_request`) the version
        is read before the first kept list is used, so only requests that use one pay for it.
        Shared between threads: never modify it. An empty result is not kept (the app may
        start before `init` has run)."""
        if not getattr(self._request, "checked", True):
            self._request.checked = True
            self.keep_under(self.read(reference.version))
        key, kept = (work, args), self._kept
        if key in kept:
            return kept[key]
        value = self.read(work, *args)
        if value:  # into the dict it was read for: a read that a forget overtook is not kept
            kept[key] = value
        return value

    def forget_kept(self, version=None) -> None:
        self._kept = {}
        self._kept_under = version

    def keep_under(self, version) -> None:
        """Forget what was kept if it was read under another reference version (one small read
        per request lets every process see the office's edits at once)."""
        if version != self._kept_under:
            self.forget_kept(version)

    def write(self, work, *args, **kwargs):
        return self._run("execute_write", work, args, kwargs)

    def _run(self, mode, work, args, kwargs):
        try:
            with self.driver.session(database=self.database) as session:
                return getattr(session, mode)(work, *args, **kwargs)
        except (ServiceUnavailable, SessionExpired, OSError) as e:
            raise GraphUnavailable(str(e)) from e

    def server_info(self) -> dict:
        try:
            info = self.driver.get_server_info()
        except (ServiceUnavailable, SessionExpired, OSError) as e:
            raise GraphUnavailable(str(e)) from e
        return {"backend": self.backend, "agent": info.agent,
                "protocol": ".".join(map(str, info.protocol_version)), "database": self.database}

    def close(self) -> None:
        self._pool.shutdown()
        self.driver.close()


@contextmanager
def scratch_graph(data_dir: Path, purpose: str, keep: bool = False):
    """A fresh, migrated database on the embedded server for evaluation and benchmarks,
    dropped afterwards unless `keep`."""
    graph = Graph(Settings.from_env(data_dir, f"{purpose}{uuid.uuid4().hex[:8]}"))
    if graph.backend != "arcadedb":
        graph.close()
        raise SystemExit(f"{purpose} uses a scratch database of the embedded server; "
                         "unset NEO4J_URI")
    try:
        schema.migrate(graph)
        yield graph
    finally:
        graph.close()
        if not keep:
            server.drop_database(graph.embedded, graph.database)
