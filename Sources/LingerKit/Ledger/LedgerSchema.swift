import GRDB

/// The ledger's schema, as numbered migrations. A migration, once shipped, never changes: a new
/// version adds one. Ledgers written by an older Linger are brought forward when opened.
enum LedgerSchema {
    /// Every migration in order; the last one is the current version.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1", migrate: version1)
        migrator.registerMigration("v2", migrate: version2)
        migrator.registerMigration("v3", migrate: version3)
        migrator.registerMigration("v4", migrate: version4)
        return migrator
    }

    static let currentVersion = "v4"

    /// Secrets, where they were seen, notifications and validity checks.
    static func version1(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE secret (
                    fingerprint TEXT PRIMARY KEY NOT NULL,
                    rule_id TEXT NOT NULL,
                    rule_name TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    confidence TEXT NOT NULL,
                    hint TEXT NOT NULL,
                    first_seen REAL NOT NULL,
                    last_seen REAL NOT NULL,
                    state TEXT NOT NULL DEFAULT 'open'
                        CHECK (state IN ('open', 'notified', 'resolved', 'false-positive', 'accepted-risk')),
                    resolution TEXT,
                    resolved_at REAL,
                    accepted_until REAL,
                    resolution_note TEXT
                );
                CREATE TABLE occurrence (
                    id INTEGER PRIMARY KEY,
                    fingerprint TEXT NOT NULL REFERENCES secret(fingerprint) ON DELETE CASCADE,
                    repository TEXT NOT NULL,
                    location TEXT NOT NULL,
                    source TEXT NOT NULL,
                    commit_id TEXT NOT NULL DEFAULT '',
                    path TEXT NOT NULL,
                    line INTEGER NOT NULL,
                    column_number INTEGER NOT NULL,
                    blob_id TEXT NOT NULL DEFAULT '',
                    first_seen REAL NOT NULL,
                    last_seen REAL NOT NULL,
                    UNIQUE (fingerprint, repository, path, blob_id, line, column_number)
                );
                CREATE INDEX occurrence_by_secret ON occurrence(fingerprint);
                CREATE TABLE notification (
                    id INTEGER PRIMARY KEY,
                    fingerprint TEXT NOT NULL REFERENCES secret(fingerprint) ON DELETE CASCADE,
                    time REAL NOT NULL,
                    channel TEXT NOT NULL,
                    recipient TEXT,
                    note TEXT,
                    delivery TEXT NOT NULL CHECK (delivery IN ('recorded', 'delivered', 'failed')),
                    detail TEXT
                );
                CREATE INDEX notification_by_secret ON notification(fingerprint, time);
                CREATE TABLE validity_check (
                    id INTEGER PRIMARY KEY,
                    fingerprint TEXT NOT NULL REFERENCES secret(fingerprint) ON DELETE CASCADE,
                    time REAL NOT NULL,
                    method TEXT NOT NULL,
                    verdict TEXT NOT NULL CHECK (verdict IN ('live', 'inactive', 'unknown')),
                    evidence TEXT
                );
                CREATE INDEX check_by_secret ON validity_check(fingerprint, time);
                """)
    }

    /// Version 2: every change of a secret's state, with when and why (an audit trail, and what
    /// `status` measures time to rotation from). Ledgers from version 1 get their history rebuilt
    /// from what version 1 kept: discovery, the first notification delivered, the resolution.
    static func version2(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE state_change (
                    id INTEGER PRIMARY KEY,
                    fingerprint TEXT NOT NULL REFERENCES secret(fingerprint) ON DELETE CASCADE,
                    time REAL NOT NULL,
                    from_state TEXT,
                    to_state TEXT NOT NULL,
                    reason TEXT NOT NULL
                );
                CREATE INDEX state_change_by_secret ON state_change(fingerprint, time);
                INSERT INTO state_change (fingerprint, time, from_state, to_state, reason)
                    SELECT fingerprint, first_seen, NULL, 'open', 'discovered' FROM secret;
                INSERT INTO state_change (fingerprint, time, from_state, to_state, reason)
                    SELECT fingerprint, MIN(time), 'open', 'notified', 'notified (from a version 1 ledger)'
                    FROM notification WHERE delivery != 'failed' GROUP BY fingerprint;
                INSERT INTO state_change (fingerprint, time, from_state, to_state, reason)
                    SELECT s.fingerprint, s.resolved_at,
                        CASE WHEN EXISTS (SELECT 1 FROM notification n
                            WHERE n.fingerprint = s.fingerprint AND n.delivery != 'failed')
                            THEN 'notified' ELSE 'open' END,
                        s.state, COALESCE(s.resolution, s.state)
                    FROM secret s WHERE s.resolved_at IS NOT NULL;
                """)
    }

    /// Version 3: a check's verdict may be `unverified` (nothing confirmed it works or not: no
    /// live check for the rule, or checks switched off), apart from `unknown` (a check that was
    /// attempted and failed). SQLite cannot change a CHECK constraint, so the table is rebuilt.
    /// Checks that version 2 recorded as `unknown` because no check existed become `unverified`.
    static func version3(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE validity_check_v3 (
                    id INTEGER PRIMARY KEY,
                    fingerprint TEXT NOT NULL REFERENCES secret(fingerprint) ON DELETE CASCADE,
                    time REAL NOT NULL,
                    method TEXT NOT NULL,
                    verdict TEXT NOT NULL CHECK (verdict IN ('live', 'unverified', 'inactive', 'unknown')),
                    evidence TEXT
                );
                INSERT INTO validity_check_v3 (id, fingerprint, time, method, verdict, evidence)
                    SELECT id, fingerprint, time, method,
                        CASE WHEN verdict = 'unknown' AND evidence LIKE 'no validity check for %'
                            THEN 'unverified' ELSE verdict END,
                        evidence
                    FROM validity_check;
                DROP TABLE validity_check;
                ALTER TABLE validity_check_v3 RENAME TO validity_check;
                CREATE INDEX check_by_secret ON validity_check(fingerprint, time);
                """)
    }

    /// Version 4: the repositories a sweep recorded (`linger sweep`): owner and team from the
    /// manifest, the refs digest that lets a later sweep skip an unchanged repository, and which
    /// machine swept it.
    static func version4(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE swept_repository (
                    repository TEXT PRIMARY KEY NOT NULL,
                    location TEXT NOT NULL,
                    owner TEXT,
                    team TEXT,
                    refs_digest TEXT NOT NULL,
                    swept_at REAL NOT NULL,
                    machine TEXT NOT NULL,
                    secrets INTEGER NOT NULL,
                    occurrences INTEGER NOT NULL
                );
                """)
    }
}
