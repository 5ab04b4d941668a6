-- Federation history, shared by the coordinator database and the site database (a site's database
-- holds one row in `sites` for itself and one for each pilot it joined; the coordinator's holds all).
-- Charts read from here: rounds (global metrics), round_site_metrics (per site), traffic (bytes).

-- A pilot: one federated experiment with its validated JSON config.
CREATE TABLE pilots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    strategy TEXT NOT NULL,              -- adafedfr | fedavg | local
    backbone TEXT NOT NULL DEFAULT '',
    config_json TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'created', -- created | running | finished | failed
    total_rounds INTEGER NOT NULL DEFAULT 0,
    completed_rounds INTEGER NOT NULL DEFAULT 0,
    -- DP budget as configured and as composed over the completed rounds (NULL = DP off).
    dp_epsilon REAL,
    dp_delta REAL,
    dp_clip REAL,
    dp_sigma REAL,
    created_utc TEXT NOT NULL,
    updated_utc TEXT NOT NULL
);

-- A site as the coordinator knows it (registered, enrolled, online...).
CREATE TABLE sites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    organization TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    hardware_json TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'registered', -- registered | enrolled | online | training | offline | removed
    last_seen_utc TEXT,
    certificate_serial TEXT,             -- hex serial of the certificate the CA issued
    certificate_fingerprint TEXT,        -- sha256 of the DER certificate, hex
    certificate_not_after_utc TEXT,
    revoked INTEGER NOT NULL DEFAULT 0,
    revoked_utc TEXT,
    created_utc TEXT NOT NULL
);
CREATE INDEX sites_serial ON sites(certificate_serial);

-- One-time enrollment codes; only a salted sha256 of the code is stored.
CREATE TABLE enrollment_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL UNIQUE,
    created_utc TEXT NOT NULL,
    expires_utc TEXT NOT NULL,
    used_utc TEXT                         -- NULL until used; a used code is never accepted again
);

-- Which sites take part in which pilot.
CREATE TABLE pilot_sites (
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    joined_utc TEXT NOT NULL,
    PRIMARY KEY (pilot_id, site_id)
);

-- Model versions: the global model after each round (round 0 = pretrained), written atomically.
CREATE TABLE model_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    round_index INTEGER NOT NULL,
    kind TEXT NOT NULL DEFAULT 'global',  -- global | public_reps | personalized
    sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    bytes INTEGER NOT NULL DEFAULT 0,
    created_utc TEXT NOT NULL,
    UNIQUE (pilot_id, round_index, kind)
);

-- Rounds and their global evaluation (the new global model on the coordinator's benchmark pairs).
-- round_index 0 is the pretrained baseline; rounds 1..R are federated rounds.
CREATE TABLE rounds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    round_index INTEGER NOT NULL,
    state TEXT NOT NULL,                  -- open | collecting | aggregating | completed | failed
    started_utc TEXT NOT NULL,
    closed_utc TEXT,
    sites_invited INTEGER NOT NULL DEFAULT 0,
    sites_accepted INTEGER NOT NULL DEFAULT 0,
    sites_rejected INTEGER NOT NULL DEFAULT 0,
    sites_dropped INTEGER NOT NULL DEFAULT 0,
    samples INTEGER NOT NULL DEFAULT 0,
    aggregation_ms REAL,
    accuracy REAL,
    auc REAL,
    eer REAL,
    tar_far_1e1 REAL,
    tar_far_1e2 REAL,
    tar_far_1e3 REAL,
    tar_far_1e4 REAL,
    model_sha256 TEXT,
    update_norm_mean REAL,
    dp_epsilon_spent REAL,
    metrics_json TEXT NOT NULL DEFAULT '{}',
    failure_reason TEXT NOT NULL DEFAULT '',
    UNIQUE (pilot_id, round_index)
);

-- Per round, per site: what the site reported and what became of its update.
-- kind 'baseline' = the round-0 generic model on the site's held-out data.
CREATE TABLE round_site_metrics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    round_index INTEGER NOT NULL,
    site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    kind TEXT NOT NULL DEFAULT 'round',   -- baseline | round
    update_status TEXT NOT NULL DEFAULT 'pending', -- pending | accepted | rejected | late | dropped | none
    reject_reason TEXT NOT NULL DEFAULT '',
    loss REAL,
    generic_accuracy REAL,
    generic_auc REAL,
    generic_eer REAL,
    generic_tar_far_1e3 REAL,
    personalized_accuracy REAL,
    personalized_auc REAL,
    personalized_eer REAL,
    personalized_tar_far_1e3 REAL,
    identification_top1 REAL,
    samples INTEGER NOT NULL DEFAULT 0,
    train_seconds REAL,
    device TEXT NOT NULL DEFAULT '',
    update_norm REAL,
    metrics_json TEXT NOT NULL DEFAULT '{}',
    reported_utc TEXT NOT NULL,
    UNIQUE (pilot_id, round_index, site_id, kind)
);
CREATE INDEX round_site_metrics_round ON round_site_metrics(pilot_id, round_index);

-- Byte accounting: every message and chunk, summed per (round, site, direction, channel).
-- bytes_raw = the fp32 payload before encoding; bytes_wire = what crossed the network.
CREATE TABLE traffic (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    round_index INTEGER NOT NULL,
    site_id INTEGER REFERENCES sites(id) ON DELETE SET NULL,
    direction TEXT NOT NULL,              -- up (site to coordinator) | down (coordinator to site)
    channel TEXT NOT NULL DEFAULT 'model', -- model | update | control | metrics
    bytes_raw INTEGER NOT NULL DEFAULT 0,
    bytes_wire INTEGER NOT NULL DEFAULT 0,
    messages INTEGER NOT NULL DEFAULT 0,
    updated_utc TEXT NOT NULL,
    UNIQUE (pilot_id, round_index, site_id, direction, channel)
);
CREATE INDEX traffic_round ON traffic(pilot_id, round_index);
