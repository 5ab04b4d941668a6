-- Face import manifest (site DB). Identity names and file paths stay in this database: the packed
-- face cache holds only integer labels.
CREATE TABLE datasets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    root_path TEXT NOT NULL UNIQUE,      -- absolute folder imported
    created_utc TEXT NOT NULL,
    pipeline TEXT NOT NULL DEFAULT '',   -- crop geometry/alignment signature; crops valid only for it
    crop_store TEXT NOT NULL DEFAULT '', -- file holding this dataset's aligned crops
    cache_path TEXT NOT NULL DEFAULT '', -- last cache written
    last_run_id INTEGER
);

CREATE TABLE identities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    folder BLOB NOT NULL,                -- first-level folder name, raw bytes
    name TEXT NOT NULL,                  -- display form (local only)
    status TEXT NOT NULL DEFAULT 'pending', -- ok | too_few_images | empty | pending
    label INTEGER,                       -- label in the cache; NULL when left out
    held_out INTEGER NOT NULL DEFAULT 0, -- 1: every image in the held-out split
    images_ok INTEGER NOT NULL DEFAULT 0,
    images_total INTEGER NOT NULL DEFAULT 0,
    UNIQUE (dataset_id, folder)
);

CREATE TABLE files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    identity_id INTEGER REFERENCES identities(id) ON DELETE SET NULL,
    rel_path BLOB NOT NULL,              -- raw bytes relative to the dataset root
    display_path TEXT NOT NULL,
    size_bytes INTEGER NOT NULL DEFAULT 0,
    mtime_ns INTEGER NOT NULL DEFAULT 0,
    sha256 TEXT NOT NULL DEFAULT '',
    format TEXT NOT NULL DEFAULT '',
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    decoded INTEGER NOT NULL DEFAULT 0,
    faces INTEGER NOT NULL DEFAULT -1,   -- faces detected; -1 when detection did not run
    face_side INTEGER NOT NULL DEFAULT 0,
    blur REAL NOT NULL DEFAULT -1,
    phash BLOB,
    process_reason TEXT NOT NULL DEFAULT '', -- from the file alone (not_image, corrupt, no_face ...)
    status TEXT NOT NULL DEFAULT 'pending',  -- ok | rejected | pending
    reason TEXT NOT NULL DEFAULT '',     -- final reason code, adds blurry/duplicate/near_duplicate
    detail TEXT NOT NULL DEFAULT '',
    flags TEXT NOT NULL DEFAULT '',      -- several_faces, eyes_not_found
    crop_index INTEGER,                  -- record in the crop store
    split TEXT,                          -- train | held_out; NULL when not in the cache
    cache_index INTEGER,                 -- position in the last cache written
    seen_run INTEGER NOT NULL DEFAULT 0, -- last import run that saw this file
    UNIQUE (dataset_id, rel_path)
);
CREATE INDEX files_identity ON files(identity_id);

CREATE TABLE import_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    started_utc TEXT NOT NULL,
    finished_utc TEXT,
    state TEXT NOT NULL DEFAULT 'running', -- running | completed | cancelled | failed | interrupted
    options_json TEXT NOT NULL DEFAULT '{}',
    summary_json TEXT NOT NULL DEFAULT '{}',
    cache_path TEXT NOT NULL DEFAULT '',
    cache_bytes INTEGER NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT ''
);
