-- events.db v2: severity pulled out of the JSON payload (indexed), e-mail
-- addresses lowercased, the plan out of the JSON profile, an index for the
-- dashboards' kind/time queries, settings stamped, a new alerts table.
-- events_fts (sqlite-utils' FTS5 index over events.body) is left to its owner:
-- recreate it on the new file after cutover (README.md).
PRAGMA user_version = 2;

CREATE TABLE sources (
   id INTEGER PRIMARY KEY,
   name TEXT,
   meta TEXT CHECK (meta IS NULL OR json_valid(meta))
);

-- mig:set email = lower(email)
-- mig:set plan = json_extract(profile, '$.plan')
-- mig:revert email = email
CREATE TABLE users (
   id INTEGER PRIMARY KEY,
   name TEXT,
   email TEXT,
   profile TEXT,
   plan TEXT
);
CREATE UNIQUE INDEX users_email ON users (email);

CREATE TABLE daily_counts (
   day TEXT, kind TEXT, n INTEGER NOT NULL,
   PRIMARY KEY (day, kind)
) WITHOUT ROWID;

CREATE TABLE settings (
   key TEXT PRIMARY KEY,
   value TEXT,
   updated_at INTEGER
);

-- mig:set severity = json_extract(payload, '$.sev')
CREATE TABLE events (
   id INTEGER PRIMARY KEY,
   user_id INTEGER REFERENCES users(id),
   source_id INTEGER REFERENCES sources(id),
   kind TEXT NOT NULL,
   tag TEXT,
   body TEXT,
   payload TEXT CHECK (payload IS NULL OR json_valid(payload)),
   created_at INTEGER,
   severity INTEGER
);
CREATE INDEX idx_events_user_id ON events (user_id);
CREATE INDEX events_kind_time ON events (kind, created_at);
CREATE INDEX events_severity ON events (severity) WHERE severity >= 3;

CREATE TABLE event_tags (
   event_id INTEGER REFERENCES events(id),
   label TEXT,
   PRIMARY KEY (event_id, label)
);

CREATE TABLE alerts (
   id INTEGER PRIMARY KEY,
   event_id INTEGER NOT NULL REFERENCES events(id),
   raised_at INTEGER NOT NULL,
   acked INTEGER NOT NULL DEFAULT 0
);

CREATE VIEW recent_events AS
SELECT e.id, e.tag, u.name, e.kind, e.severity FROM events e
JOIN users u ON u.id = e.user_id ORDER BY e.id DESC LIMIT 100;
