-- Base schema shared by the site and the coordinator databases.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Audit log: everything that happened, with who/what it concerned.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time_utc TEXT NOT NULL,          -- ISO 8601
    level TEXT NOT NULL,             -- info | warning | error | security
    category TEXT NOT NULL,          -- import | training | federation | enrollment | ...
    subject TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL,
    details_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_time ON events(time_utc);
