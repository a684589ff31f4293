-- Usernames of deleted accounts are never given out again: other servers still hold the old
-- actor's URL and key, and a new member must not inherit them.
CREATE TABLE retired_usernames (
    username TEXT PRIMARY KEY,
    retired_at BIGINT NOT NULL
);
