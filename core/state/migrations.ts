// The state database schema, as an ordered list of migrations. `PRAGMA user_version` holds how many
// have been applied; opening a database applies the rest, each in its own transaction. Append new
// migrations at the end; never edit a released one.

export const MIGRATIONS: readonly string[] = [
  // 1: runs, packages × target, attempts, status changes, artifacts.
  `
  CREATE TABLE runs (
    id       INTEGER PRIMARY KEY,
    started  TEXT NOT NULL,
    ended    TEXT,
    pid      INTEGER NOT NULL,
    host     TEXT NOT NULL,
    argv     TEXT NOT NULL,          -- JSON array
    outcome  TEXT                    -- success | failed | interrupted | killed (NULL while running)
  );
  CREATE TABLE packages (
    id          INTEGER PRIMARY KEY,
    node        TEXT NOT NULL,       -- node id: numpy, python@bootstrap, numpy@1.26
    subdir      TEXT NOT NULL,
    python      TEXT NOT NULL,
    feedstock   TEXT NOT NULL,
    outputs     TEXT NOT NULL DEFAULT '[]',  -- JSON array of output names
    recipe_hash TEXT,
    status      TEXT NOT NULL,
    reason      TEXT,
    failure     TEXT,                -- FailureClass of the last failure
    attempts    INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER,             -- last successful build
    log_path    TEXT,
    run_id      INTEGER REFERENCES runs(id),
    updated     TEXT NOT NULL,
    UNIQUE (node, subdir, python)
  );
  CREATE TABLE attempts (
    id          INTEGER PRIMARY KEY,
    package_id  INTEGER NOT NULL REFERENCES packages(id),
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    number      INTEGER NOT NULL,
    started     TEXT NOT NULL,
    ended       TEXT,
    duration_ms INTEGER,
    status      TEXT NOT NULL,       -- building | built (artifacts recorded) | complete | failed | interrupted
    failure     TEXT,
    reason      TEXT,
    log_path    TEXT NOT NULL
  );
  CREATE INDEX attempts_package ON attempts(package_id);
  CREATE TABLE status_changes (
    id          INTEGER PRIMARY KEY,
    package_id  INTEGER NOT NULL REFERENCES packages(id),
    run_id      INTEGER REFERENCES runs(id),
    time        TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    reason      TEXT
  );
  CREATE INDEX status_changes_package ON status_changes(package_id);
  CREATE TABLE artifacts (
    id          INTEGER PRIMARY KEY,
    package_id  INTEGER NOT NULL REFERENCES packages(id),
    attempt_id  INTEGER REFERENCES attempts(id),
    path        TEXT NOT NULL,
    filename    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL
  );
  CREATE INDEX artifacts_package ON artifacts(package_id);
  `,
  // 2: what an attempt runs that may outlive a killed rebuild (a process group, a container), so a
  // later run stops it before rebuilding (core/engine/leftovers.ts).
  `
  CREATE TABLE attempt_processes (
    id          INTEGER PRIMARY KEY,
    attempt_id  INTEGER NOT NULL REFERENCES attempts(id),
    kind        TEXT NOT NULL,       -- process-group | container
    pgid        INTEGER,             -- process-group: its id (the leader's pid)
    pid_start   TEXT,                -- process-group: '<boot id>:<leader start time in clock ticks>' (/proc), NULL if unknown
    engine      TEXT,                -- container: the engine binary (podman, docker)
    container   TEXT,                -- container: its name
    started     TEXT NOT NULL,
    ended       TEXT,                -- NULL while it may still run
    outcome     TEXT                 -- exited | killed by run N | gone | not ours (pid reused) | ...
  );
  CREATE INDEX attempt_processes_open ON attempt_processes(ended);
  `,
];
