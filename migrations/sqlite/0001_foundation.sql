-- Foundation: the hub's identity, accounts, sessions, invitations and login throttling.
-- Kept identical in tables and columns to ../postgres/0001_foundation.sql (a test checks it).

CREATE TABLE hub_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    region TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    logo_url TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    rules TEXT NOT NULL DEFAULT '',
    terms TEXT NOT NULL DEFAULT '',
    registration_mode TEXT NOT NULL DEFAULT 'approval',
    default_timezone TEXT NOT NULL DEFAULT 'Europe/Paris',
    default_language TEXT NOT NULL DEFAULT 'fr',
    updated_at BIGINT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'member',
    status TEXT NOT NULL DEFAULT 'active',
    display_name TEXT NOT NULL DEFAULT '',
    bio TEXT NOT NULL DEFAULT '',
    bio_html TEXT NOT NULL DEFAULT '',
    organisation TEXT NOT NULL DEFAULT '',
    territory TEXT NOT NULL DEFAULT '',
    territory_key TEXT NOT NULL DEFAULT '',
    avatar_url TEXT NOT NULL DEFAULT '',
    locale TEXT NOT NULL DEFAULT '',
    registration_note TEXT NOT NULL DEFAULT '',
    search_text TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX users_status_idx ON users (status);

CREATE TABLE user_skills (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    skill TEXT NOT NULL,
    skill_key TEXT NOT NULL,
    PRIMARY KEY (user_id, skill_key)
);
CREATE INDEX user_skills_key_idx ON user_skills (skill_key);

-- Browser sessions and API tokens: only the SHA-256 of the secret is kept.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE invitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    note TEXT NOT NULL DEFAULT '',
    max_uses BIGINT NOT NULL,
    uses BIGINT NOT NULL DEFAULT 0,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Rate-limited events (failed sign-ins, sign-ups) per key, shared by every server process.
CREATE TABLE rate_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    throttle_key TEXT NOT NULL,
    occurred_at BIGINT NOT NULL
);
CREATE INDEX rate_events_key_idx ON rate_events (throttle_key, occurred_at);

-- A fresh hub has an identity its admin then edits.
INSERT INTO hub_settings (id, name, updated_at) VALUES (1, 'Maillage', 0);
