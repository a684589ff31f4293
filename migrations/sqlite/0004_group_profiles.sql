-- Group actors (forum categories, the library, the calendar) describe themselves: the feature
-- that creates one stores how it presents itself, so federation can serve it generically.
ALTER TABLE local_actors ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE local_actors ADD COLUMN summary_html TEXT NOT NULL DEFAULT '';
ALTER TABLE local_actors ADD COLUMN page_path TEXT NOT NULL DEFAULT '';
