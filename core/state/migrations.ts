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
  // 3: stages as tasks (issue 11). Attempts are per (package, target, stage); a package's progress
  // per stage; publish groups (one name-version-python across the arches it requires) with their
  // members; the checks of each test attempt. A version-2 database's finished builds become done
  // build stages (and test stages for 'tested'/'published' rows), so resume keeps them.
  `
  ALTER TABLE attempts ADD COLUMN stage TEXT NOT NULL DEFAULT 'build';
  ALTER TABLE packages ADD COLUMN stage TEXT;   -- the stage \`status\` is about (NULL: plan statuses)
  CREATE TABLE stages (
    package_id  INTEGER NOT NULL REFERENCES packages(id),
    stage       TEXT NOT NULL,       -- build | test | transmute | (plugin stages)
    status      TEXT NOT NULL,       -- running | done | failed | interrupted
    reason      TEXT,
    failure     TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER,             -- of the last attempt that ended
    run_id      INTEGER REFERENCES runs(id),
    updated     TEXT NOT NULL,
    PRIMARY KEY (package_id, stage)
  );
  CREATE TABLE publish_groups (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE, -- name-version-py<python>
    name        TEXT NOT NULL,
    version     TEXT NOT NULL,
    python      TEXT NOT NULL,
    status      TEXT NOT NULL,       -- waiting | publishing | published | failed | held | unclaimed | interrupted
    reason      TEXT,
    failure     TEXT,
    publisher   TEXT,
    channel     TEXT,
    label       TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    run_id      INTEGER REFERENCES runs(id),
    updated     TEXT NOT NULL
  );
  CREATE TABLE publish_members (
    group_id    INTEGER NOT NULL REFERENCES publish_groups(id),
    package_id  INTEGER NOT NULL REFERENCES packages(id),
    PRIMARY KEY (group_id, package_id)
  );
  CREATE TABLE test_checks (
    id          INTEGER PRIMARY KEY,
    attempt_id  INTEGER NOT NULL REFERENCES attempts(id),
    package_id  INTEGER NOT NULL REFERENCES packages(id),
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL,       -- passed | failed | skipped
    duration_ms INTEGER NOT NULL,
    message     TEXT                 -- the first error line
  );
  CREATE INDEX test_checks_package ON test_checks(package_id);
  UPDATE packages SET stage = 'build' WHERE status IN ('building', 'built', 'failed', 'interrupted');
  UPDATE packages SET stage = 'test' WHERE status = 'tested';
  UPDATE packages SET stage = 'publish' WHERE status = 'published';
  INSERT INTO stages (package_id, stage, status, reason, attempts, duration_ms, run_id, updated)
    SELECT p.id, 'build', 'done', p.reason, p.attempts, p.duration_ms, p.run_id, p.updated FROM packages p
    WHERE p.status IN ('built', 'tested', 'published')
      AND (SELECT a.status FROM attempts a WHERE a.package_id = p.id ORDER BY a.id DESC LIMIT 1) = 'complete';
  INSERT INTO stages (package_id, stage, status, reason, attempts, run_id, updated)
    SELECT p.id, 'test', 'done', p.reason, 1, p.run_id, p.updated FROM packages p
    WHERE p.status IN ('tested', 'published')
      AND (SELECT a.status FROM attempts a WHERE a.package_id = p.id ORDER BY a.id DESC LIMIT 1) = 'complete';
  INSERT INTO stages (package_id, stage, status, reason, failure, attempts, run_id, updated)
    SELECT p.id, 'build', 'failed', p.reason, p.failure, p.attempts, p.run_id, p.updated FROM packages p WHERE p.status = 'failed';
  `,
  // 4: what the plan knew of each package that the packages table does not keep, for the report
  // (core/report/plan-details.ts; written by rebuild:report when a run starts): the version planned,
  // the exclusion kind, the root a blocked package waits on, the blocklist entry (JSON: reason, note, link).
  `
  CREATE TABLE plan_details (
    node        TEXT NOT NULL,
    subdir      TEXT NOT NULL,
    python      TEXT NOT NULL,
    version     TEXT,
    kind        TEXT,                -- blocklist | noarch | present | superseded | skipped | no-python | blocked-by | render-error | ...
    blocked_by  TEXT,                -- root node id of a blocked package
    blocklist   TEXT,                -- JSON BlocklistEntry
    run_id      INTEGER REFERENCES runs(id),
    PRIMARY KEY (node, subdir, python)
  );
  `,
];
