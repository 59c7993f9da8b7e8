-- Run on the new database after each cutover, in one transaction (a lock
-- error half-way left the triggers without their table: every publish failed).
.timeout 10000
BEGIN IMMEDIATE;
CREATE VIRTUAL TABLE wagtailsearch_indexentry_fts USING fts5(autocomplete, body, title);
CREATE TRIGGER insert_wagtailsearch_indexentry_fts AFTER INSERT ON wagtailsearch_indexentry BEGIN INSERT INTO wagtailsearch_indexentry_fts(title, body, autocomplete, rowid) VALUES (NEW.title, NEW.body, NEW.autocomplete, NEW.id); END;
CREATE TRIGGER update_wagtailsearch_indexentry_fts AFTER UPDATE ON wagtailsearch_indexentry BEGIN UPDATE wagtailsearch_indexentry_fts SET title=NEW.title, body=NEW.body, autocomplete=NEW.autocomplete WHERE rowid=NEW.id; END;
CREATE TRIGGER delete_wagtailsearch_indexentry_fts AFTER DELETE ON wagtailsearch_indexentry BEGIN DELETE FROM wagtailsearch_indexentry_fts WHERE rowid=OLD.id; END;
INSERT INTO wagtailsearch_indexentry_fts(rowid, title, body, autocomplete) SELECT id, title, body, autocomplete FROM wagtailsearch_indexentry;
COMMIT;
