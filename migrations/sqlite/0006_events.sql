-- The event calendar: our events and those of followed calendars (peer hubs, Mobilizon,
-- Gancio), registrations, and tags. Kept identical in tables and columns to
-- ../postgres/0006_events.sql (a test checks it).

-- Times: `start_local` and `end_local` are wall-clock times ('YYYY-MM-DDTHH:MM:SS') in the
-- event's IANA `time_zone`, so that a weekly 09:30 stays 09:30 across daylight-saving changes;
-- `starts_at` and `ends_at` (UTC milliseconds) index the first occurrence and the end of the
-- last one (ends_at = 0 when a recurrence has no end).
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Ours: assigned after the insert ({public_url}/events/{id}); others': their id.
    ap_id TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL DEFAULT '',
    local BIGINT NOT NULL,
    -- Another server's event: the actor that published it, and how to name its source.
    origin_actor TEXT NOT NULL DEFAULT '',
    origin_name TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    description_html TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT 'fr',
    time_zone TEXT NOT NULL,
    start_local TEXT NOT NULL,
    end_local TEXT NOT NULL,
    all_day BIGINT NOT NULL DEFAULT 0,
    rrule TEXT NOT NULL DEFAULT '',
    -- Dates (YYYY-MM-DD, comma-separated) a recurring event skips.
    exceptions TEXT NOT NULL DEFAULT '',
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    place_name TEXT NOT NULL DEFAULT '',
    street TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    online_url TEXT NOT NULL DEFAULT '',
    accessibility TEXT NOT NULL DEFAULT '',
    -- 'hub', 'member' or 'partner'; the name shown, and the member when it is one.
    organiser_kind TEXT NOT NULL DEFAULT 'hub',
    organiser_name TEXT NOT NULL DEFAULT '',
    organiser_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- 'confirmed', 'cancelled' or 'postponed', with a note for the last two.
    status TEXT NOT NULL DEFAULT 'confirmed',
    status_note TEXT NOT NULL DEFAULT '',
    -- 'none' (free entry), 'open' (registration); capacity 0 = no limit.
    registration TEXT NOT NULL DEFAULT 'none',
    capacity BIGINT NOT NULL DEFAULT 0,
    waiting_list BIGINT NOT NULL DEFAULT 1,
    -- Confirmed places taken: changed only by a conditional UPDATE, so that two registrations
    -- at the same moment cannot both take the last place.
    confirmed_count BIGINT NOT NULL DEFAULT 0,
    -- Another server's counts, as it announced them.
    remote_participants BIGINT NOT NULL DEFAULT 0,
    sequence BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX events_time_idx ON events (starts_at, ends_at);
CREATE INDEX events_origin_idx ON events (origin_actor);

CREATE TABLE event_tags (
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (event_id, tag)
);
CREATE INDEX event_tags_tag_idx ON event_tags (tag);

-- Who comes: members (user_id), people of other servers (actor_ap_id, by Join), and people
-- without any account registered by a mediator (name and optional contact, erased after the
-- event). `participant` is unique per event: 'u:{user id}', the actor's id, or 'o:{random}'.
CREATE TABLE event_registrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    participant TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    actor_ap_id TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    contact TEXT NOT NULL DEFAULT '',
    added_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- 'confirmed', 'waiting' (list), or 'pending' (our member's Join to another server, unanswered).
    status TEXT NOT NULL,
    -- The Join (received, or sent for an event elsewhere), to answer and to undo.
    join_activity TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (event_id, participant)
);
CREATE INDEX event_registrations_user_idx ON event_registrations (user_id);

