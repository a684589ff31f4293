-- The forum (categories, topics, posts, likes, tags, reports, watches) and the notifications
-- every feature shares. Kept identical in tables and columns to ../postgres/0005_forum.sql
-- (a test checks it); only full-text search differs: an FTS5 table here, a GIN index there,
-- both over `forum_posts.search_text`, which holds the folded and stemmed words (core::search).

-- In-app notifications of a member (replies, mentions, solutions, new topics, events…).
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    actor_name TEXT NOT NULL DEFAULT '',
    actor_url TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    link TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX notifications_user_idx ON notifications (user_id, read_at, id);

-- Kinds a member turned off (or on again): no row means the kind's default.
CREATE TABLE notification_settings (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    enabled BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- Categories: ours (ap_id empty; a Group actor named after the slug), and the categories of
-- other servers that members follow (ap_id = the remote Group; slug = name@domain).
CREATE TABLE forum_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    description_html TEXT NOT NULL DEFAULT '',
    rules TEXT NOT NULL DEFAULT '',
    rules_html TEXT NOT NULL DEFAULT '',
    position BIGINT NOT NULL DEFAULT 0,
    ap_id TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE forum_topics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    category_id BIGINT NOT NULL REFERENCES forum_categories (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    opening_post_id BIGINT,
    solution_post_id BIGINT,
    pinned BIGINT NOT NULL DEFAULT 0,
    locked BIGINT NOT NULL DEFAULT 0,
    reply_count BIGINT NOT NULL DEFAULT 0,
    last_post_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT NOT NULL DEFAULT 0,
    removed_reason TEXT NOT NULL DEFAULT '',
    context TEXT NOT NULL DEFAULT ''
);
CREATE INDEX forum_topics_category_idx ON forum_topics (category_id, last_post_at);
CREATE INDEX forum_topics_last_idx ON forum_topics (last_post_at);

-- Opening posts and replies, local and remote. Authors are copied (name, handle, URL) so a
-- post keeps its signature when a remote actor disappears.
CREATE TABLE forum_posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic_id BIGINT NOT NULL REFERENCES forum_topics (id) ON DELETE CASCADE,
    ap_id TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL DEFAULT '',
    in_reply_to_id BIGINT REFERENCES forum_posts (id) ON DELETE SET NULL,
    local BIGINT NOT NULL,
    author_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    author_ap_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_handle TEXT NOT NULL,
    author_url TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    content_html TEXT NOT NULL,
    search_text TEXT NOT NULL DEFAULT '',
    like_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    edited_at BIGINT NOT NULL DEFAULT 0,
    deleted_at BIGINT NOT NULL DEFAULT 0,
    removed_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX forum_posts_topic_idx ON forum_posts (topic_id, created_at);
CREATE INDEX forum_posts_author_idx ON forum_posts (author_user_id);

CREATE TABLE forum_topic_tags (
    topic_id BIGINT NOT NULL REFERENCES forum_topics (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (topic_id, tag)
);
CREATE INDEX forum_topic_tags_tag_idx ON forum_topic_tags (tag);

-- People a post mentions (local members and remote actors), for its `tag` and its delivery.
CREATE TABLE forum_mentions (
    post_id BIGINT NOT NULL REFERENCES forum_posts (id) ON DELETE CASCADE,
    actor_ap_id TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (post_id, actor_ap_id)
);

CREATE TABLE forum_likes (
    post_id BIGINT NOT NULL REFERENCES forum_posts (id) ON DELETE CASCADE,
    actor_ap_id TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    activity_id TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (post_id, actor_ap_id)
);

-- Members who want a notification for each new topic of a category.
CREATE TABLE forum_watches (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    category_id BIGINT NOT NULL REFERENCES forum_categories (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, category_id)
);

-- Reports of posts, by members or arriving as `Flag` from other servers.
CREATE TABLE forum_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id BIGINT NOT NULL REFERENCES forum_posts (id) ON DELETE CASCADE,
    reporter_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    reporter TEXT NOT NULL,
    reason TEXT NOT NULL,
    activity_id TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open',
    created_at BIGINT NOT NULL,
    resolved_at BIGINT NOT NULL DEFAULT 0,
    resolved_by BIGINT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX forum_reports_status_idx ON forum_reports (status, created_at);

-- Full-text search over the stemmed words of each post (external content: no second copy).
CREATE VIRTUAL TABLE forum_posts_fts USING fts5(
    search_text, content = 'forum_posts', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER forum_posts_fts_insert AFTER INSERT ON forum_posts BEGIN
    INSERT INTO forum_posts_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER forum_posts_fts_delete AFTER DELETE ON forum_posts BEGIN
    INSERT INTO forum_posts_fts (forum_posts_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER forum_posts_fts_update AFTER UPDATE OF search_text ON forum_posts BEGIN
    INSERT INTO forum_posts_fts (forum_posts_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO forum_posts_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
