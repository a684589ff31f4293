-- Federation core: our actors and their keys, remote actors, follows, the inbox journal,
-- the outbox, the persistent delivery queue and per-instance health.
-- Kept identical in tables and columns to ../postgres/0002_federation.sql (a test checks it).

-- Actors this hub publishes: the instance actor, one Person per member, Groups of features.
CREATE TABLE local_actors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    public_key_pem TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (kind, name)
);

-- Actors of other servers we have fetched (their keys verify what they send).
CREATE TABLE remote_actors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ap_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    domain TEXT NOT NULL,
    preferred_username TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    inbox TEXT NOT NULL,
    shared_inbox TEXT NOT NULL DEFAULT '',
    key_id TEXT NOT NULL DEFAULT '',
    public_key_pem TEXT NOT NULL DEFAULT '',
    raw TEXT NOT NULL DEFAULT '',
    fetched_at BIGINT NOT NULL
);
CREATE INDEX remote_actors_key_idx ON remote_actors (key_id);
CREATE INDEX remote_actors_domain_idx ON remote_actors (domain);

-- Remote actors that follow one of ours.
CREATE TABLE followers (
    local_actor_id BIGINT NOT NULL REFERENCES local_actors (id) ON DELETE CASCADE,
    remote_actor_id BIGINT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    follow_activity_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (local_actor_id, remote_actor_id)
);

-- Remote actors one of ours follows (status: pending until their Accept, then accepted).
CREATE TABLE following (
    local_actor_id BIGINT NOT NULL REFERENCES local_actors (id) ON DELETE CASCADE,
    remote_actor_id BIGINT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    follow_activity_id TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (local_actor_id, remote_actor_id)
);

-- Every activity that reached an inbox, once (deduplicated by id), and what became of it.
CREATE TABLE inbox_activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id TEXT NOT NULL UNIQUE,
    actor TEXT NOT NULL,
    activity_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    received_at BIGINT NOT NULL,
    processed_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX inbox_activities_status_idx ON inbox_activities (status, received_at);

-- Activities our actors published, for their outbox collections.
CREATE TABLE outbox_activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id TEXT NOT NULL UNIQUE,
    local_actor_id BIGINT NOT NULL REFERENCES local_actors (id) ON DELETE CASCADE,
    activity_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    public BIGINT NOT NULL,
    published_at BIGINT NOT NULL
);
CREATE INDEX outbox_activities_actor_idx ON outbox_activities (local_actor_id, id);

-- The persistent delivery queue: one row per (activity, inbox), written in the same transaction
-- as the change that caused it.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id TEXT NOT NULL,
    local_actor_id BIGINT NOT NULL REFERENCES local_actors (id) ON DELETE CASCADE,
    inbox TEXT NOT NULL,
    domain TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    delivered_at BIGINT NOT NULL DEFAULT 0,
    UNIQUE (activity_id, inbox)
);
CREATE INDEX deliveries_due_idx ON deliveries (status, next_attempt_at);

-- What we know of each other server: its software (from NodeInfo), health and policy.
CREATE TABLE instances (
    domain TEXT PRIMARY KEY,
    software TEXT NOT NULL DEFAULT '',
    version TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    policy TEXT NOT NULL DEFAULT 'normal',
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    paused_until BIGINT NOT NULL DEFAULT 0,
    last_success_at BIGINT NOT NULL DEFAULT 0,
    last_failure_at BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    nodeinfo_fetched_at BIGINT NOT NULL DEFAULT 0,
    first_seen_at BIGINT NOT NULL
);
