"""Backup and restore of the embedded graph server's database while it serves.

A backup is ArcadeDB's own archive (`BACKUP DATABASE`: a zip of the database files read through a
point-in-time snapshot), moved out of the server's directory into a file only its owner can read.
A restore puts the archive back there and has the server swap it in (`restore backup ... as ...`),
then migrates the schema so that a backup made by an older release gets today's indexes.
Neo4j has its own tools for both; these functions refuse to run against it.
"""
from __future__ import annotations

import os
import shutil
import time
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from graph import schema, server
from graph.db import Graph, Settings

NEO4J_TOOLS = ("NEO4J_URI is set: back up and restore Neo4j with its own tools, "
               "`neo4j-admin database dump` and `load` (database stopped) or "
               "`neo4j-admin database backup` and `restore` (Enterprise Edition, online)")


class BackupError(RuntimeError):
    pass


@dataclass(frozen=True)
class Archive:
    path: Path
    size: int
    seconds: float


@dataclass(frozen=True)
class Restored:
    database: str
    replaced: Archive | None  # the backup taken of the data the restore replaced


def backup(settings: Settings, output: Path | None = None) -> Archive:
    """Back up the app's database to `output`, by default a new file under <data dir>/backups/."""
    _require_embedded(settings)
    started = time.monotonic()
    conn = server.ensure_running(settings.data_dir)
    database = settings.database or server.DEFAULT_DATABASE
    made = server.backups_dir(settings.data_dir, database) / server.backup_database(conn, database)
    target = Path(output) if output else _default_path(settings.data_dir, database)
    try:
        _copy_private(made, target)
    finally:
        made.unlink()  # the server writes it with the default umask: keep no readable copy
    return Archive(target, target.stat().st_size, time.monotonic() - started)


def restore(settings: Settings, archive: Path, force: bool = False) -> Restored:
    """Replace the app's database with `archive`. One that holds data is replaced only with
    `force`, and is backed up first: a wrong archive must not cost the current data."""
    _require_embedded(settings)
    _check_archive(Path(archive))
    graph = Graph(settings)  # starts the server and creates the database when missing
    try:
        replaced = None
        if graph.read(_holds_data):
            if not force:
                raise BackupError(f"database '{graph.database}' already holds data; use --force "
                                  "to replace it (it is backed up first)")
            replaced = backup(settings)
        _swap_in(settings.data_dir, graph, Path(archive))
        schema.migrate(graph)
    finally:
        graph.close()
    return Restored(graph.database, replaced)


def _require_embedded(settings: Settings) -> None:
    if settings.uri:
        raise BackupError(NEO4J_TOOLS)


def _default_path(data_dir: Path, database: str) -> Path:
    return Path(data_dir) / "backups" / f"{database}-{datetime.now():%Y%m%d-%H%M%S-%f}.zip"


def _copy_private(source: Path, target: Path) -> None:
    """Copy into a new file readable by its owner only: the archive holds password hashes and
    API token hashes. An existing file is never overwritten."""
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"{target} already exists") from None
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            shutil.copyfileobj(src, out)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _check_archive(path: Path) -> None:
    """Refuse up front what the server would only reject after the safety backup."""
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            if "schema.json" in archive.namelist():
                return
    raise BackupError(f"{path} is not an archive made by `matchmaker backup`")


def _holds_data(tx) -> bool:
    return tx.run("MATCH (n) RETURN 1 LIMIT 1").peek() is not None


def _swap_in(data_dir: Path, graph, archive: Path) -> None:
    """The server restores only from its own backups directory, under a name it recognises
    (`*-backup-*.zip`); the copy placed there is removed afterwards."""
    staged = server.backups_dir(data_dir, graph.database) / \
        f"{graph.database}-backup-restore-{datetime.now():%Y%m%d-%H%M%S-%f}.zip"
    _copy_private(archive, staged)
    try:
        server.restore_backup(graph.embedded, graph.database, staged.name)
    finally:
        staged.unlink()
