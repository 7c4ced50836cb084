"""The run database's schema: a version table and the migrations that reach each version.

A database is brought up to SCHEMA_VERSION when it is opened, one step at a time, each
step in its own transaction together with the new version number: a crash mid-way
leaves the database at the last whole step, never half-migrated. A database written by a
newer Odyssey (a higher version than this one knows) is refused with a clear message
rather than guessed at. To change the schema, append a step to MIGRATIONS; never edit
a step that has shipped.
"""

from __future__ import annotations

import sqlite3

from desktop_app.core.errors import OdysseyError

# Version 1: runs, their epochs and step losses (float64 little-endian blobs, at most
# records.MAX_STEP_POINTS each), and groups (sweeps, repeats, races).
_V1 = (
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL DEFAULT 'run',
        group_id TEXT,
        source TEXT NOT NULL DEFAULT 'gui',
        status TEXT NOT NULL,
        stop_reason TEXT,
        message TEXT,
        project_json TEXT NOT NULL,
        data_hash TEXT,
        task TEXT,
        metric_name TEXT,
        best_value REAL,
        best_epoch INTEGER,
        best_val_loss REAL,
        final_json TEXT,
        test_json TEXT,
        epochs_run INTEGER,
        steps INTEGER,
        seconds REAL,
        device TEXT,
        seed INTEGER,
        starred INTEGER NOT NULL DEFAULT 0,
        note TEXT NOT NULL DEFAULT '',
        created REAL NOT NULL,
        heartbeat REAL,
        pid INTEGER,
        host TEXT,
        model_path TEXT
    )
    """,
    """
    CREATE TABLE run_epochs (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        logs_json TEXT NOT NULL,
        PRIMARY KEY (run_id, epoch)
    )
    """,
    """
    CREATE TABLE run_steps (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        total INTEGER NOT NULL,
        steps BLOB NOT NULL,
        losses BLOB NOT NULL,
        lrs BLOB NOT NULL
    )
    """,
    """
    CREATE TABLE groups (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        created REAL NOT NULL,
        info_json TEXT NOT NULL DEFAULT '{}'
    )
    """,
)

# Version 2: indexes for the runs panel's usual orders and a group's runs.
_V2 = (
    "CREATE INDEX runs_group ON runs (group_id)",
    "CREATE INDEX runs_created ON runs (created)",
    "CREATE INDEX runs_status ON runs (status)",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2)  # step i reaches version i + 1
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """The database's version (0: an empty database)."""
    row = conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name='schema_version'"
    ).fetchone()
    if row is None:
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION, where: str = "") -> int:
    """Bring the database up to `target`, a step per transaction. Returns the version.

    `conn` must be in autocommit mode (isolation_level None): each step is its own
    explicit transaction."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise OdysseyError(
            f"the run database {where or ''} was written by a newer Odyssey (schema "
            f"{version}; this version knows up to {SCHEMA_VERSION}); update Odyssey, or "
            "point ODYSSEY_DATA_DIR at another folder"
        )
    while version < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) != version:  # another process migrated meanwhile
                conn.execute("ROLLBACK")
                version = schema_version(conn)
                continue
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version + 1,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version += 1
    return version
