-- The resource library: our resources and those of followed libraries, their versions, the
-- vocabularies they are classified with (seeded from the national platform Les Bases), files,
-- authors and links. Kept identical in tables and columns to ../postgres/0007_resources.sql (a
-- test checks it); only full-text search differs, as for the forum.

-- Themes, publics, resource types and professional sectors (kind), with French labels.
CREATE TABLE resource_vocabulary (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    position BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, key)
);

CREATE TABLE resources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Ours: assigned after the insert ({public_url}/resources/{id}); others': their id.
    ap_id TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL DEFAULT '',
    local BIGINT NOT NULL,
    origin_actor TEXT NOT NULL DEFAULT '',
    origin_name TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT 'fr',
    -- An SPDX id (etalab-2.0, CC-BY-4.0, …) or 'all-rights-reserved'.
    licence TEXT NOT NULL,
    resource_type TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    -- What it was adapted from (an ActivityPub id), with the title and page to credit.
    derived_from TEXT NOT NULL DEFAULT '',
    derived_from_title TEXT NOT NULL DEFAULT '',
    derived_from_url TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT NOT NULL DEFAULT 0,
    search_text TEXT NOT NULL DEFAULT '',
    -- Set by `maillage resources import`: the id the resource had where it was exported (a
    -- second import of the same export skips it).
    imported_from TEXT NOT NULL DEFAULT ''
);
CREATE INDEX resources_updated_idx ON resources (updated_at);

-- Each published edit: what the resource said then, who changed it and why.
CREATE TABLE resource_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_id BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    change_note TEXT NOT NULL DEFAULT '',
    author_name TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (resource_id, version)
);

-- Themes and publics of a resource (keys of resource_vocabulary).
CREATE TABLE resource_terms (
    resource_id BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (resource_id, kind, key)
);
CREATE INDEX resource_terms_key_idx ON resource_terms (kind, key);

-- Authors: members and outside structures, in the order given.
CREATE TABLE resource_authors (
    resource_id BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (resource_id, position)
);

-- Files: ours are stored (storage_key); other libraries' are linked (url).
CREATE TABLE resource_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_id BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL DEFAULT 0,
    storage_key TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX resource_files_resource_idx ON resource_files (resource_id);

-- External links (a video, a website), in the order given.
CREATE TABLE resource_links (
    resource_id BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL,
    PRIMARY KEY (resource_id, position)
);

-- Adaptations of our resources made on other hubs, as their library told us (a Create whose
-- Article `isBasedOn` one of ours), so the original can show "adapted by".
CREATE TABLE resource_adaptations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_id BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    ap_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    url TEXT NOT NULL,
    origin_name TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

-- Full-text search over title, summary, body and file names, stemmed by core::search.
CREATE VIRTUAL TABLE resources_fts USING fts5(
    search_text, content = 'resources', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER resources_fts_insert AFTER INSERT ON resources BEGIN
    INSERT INTO resources_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER resources_fts_update AFTER UPDATE OF search_text ON resources BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO resources_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
