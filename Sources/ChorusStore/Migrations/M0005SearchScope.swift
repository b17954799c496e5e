/// SQLite search, scoped: the FTS5 index keeps each message's text *and* a scope token for its
/// conversation's assignee (`u7`, or `u0` when unassigned), so a Restricted member's search is an
/// intersection of two posting lists instead of a walk over every match in the workspace.
/// Reassigning a conversation rewrites the tokens of its messages. Customers get a word index
/// too (name, number, username), so finding one never scans every contact.
let m0005SearchScope = Migration(version: 5, name: "scoped message search, customer search", sql: "", postgresOnly: """
ALTER TABLE contacts ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(name, '') || ' ' || coalesce(wa_id, '') || ' ' || coalesce(username, ''))) STORED;
CREATE INDEX contacts_search ON contacts USING GIN (search)
""", sqliteOnly: """
DROP TRIGGER message_search_insert;
DROP TRIGGER message_search_delete;
DROP TRIGGER message_search_update_old;
DROP TRIGGER message_search_update_new;
DROP TABLE message_search;
CREATE VIRTUAL TABLE message_search USING fts5(text, scope, tokenize='unicode61 remove_diacritics 2');
INSERT INTO message_search(rowid, text, scope) SELECT m.id, m.text, 'u' || COALESCE(c.assignee_id, 0) FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.text IS NOT NULL;
CREATE TRIGGER message_search_insert AFTER INSERT ON messages WHEN new.text IS NOT NULL BEGIN INSERT INTO message_search(rowid, text, scope) VALUES (new.id, new.text, 'u' || COALESCE((SELECT assignee_id FROM conversations WHERE id = new.conversation_id), 0)); END;
CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN DELETE FROM message_search WHERE rowid = old.id; END;
CREATE TRIGGER message_search_update AFTER UPDATE OF text ON messages BEGIN DELETE FROM message_search WHERE rowid = old.id; INSERT INTO message_search(rowid, text, scope) SELECT new.id, new.text, 'u' || COALESCE((SELECT assignee_id FROM conversations WHERE id = new.conversation_id), 0) WHERE new.text IS NOT NULL; END;
CREATE VIRTUAL TABLE contact_search USING fts5(name, wa_id, username, content='contacts', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
INSERT INTO contact_search(rowid, name, wa_id, username) SELECT id, name, wa_id, username FROM contacts;
CREATE TRIGGER contact_search_insert AFTER INSERT ON contacts BEGIN INSERT INTO contact_search(rowid, name, wa_id, username) VALUES (new.id, new.name, new.wa_id, new.username); END;
CREATE TRIGGER contact_search_update AFTER UPDATE OF name, wa_id, username ON contacts BEGIN INSERT INTO contact_search(contact_search, rowid, name, wa_id, username) VALUES ('delete', old.id, old.name, old.wa_id, old.username); INSERT INTO contact_search(rowid, name, wa_id, username) VALUES (new.id, new.name, new.wa_id, new.username); END;
CREATE TRIGGER contact_search_delete AFTER DELETE ON contacts BEGIN INSERT INTO contact_search(contact_search, rowid, name, wa_id, username) VALUES ('delete', old.id, old.name, old.wa_id, old.username); END;
CREATE TRIGGER message_search_reassign AFTER UPDATE OF assignee_id ON conversations WHEN COALESCE(old.assignee_id, 0) <> COALESCE(new.assignee_id, 0) BEGIN UPDATE message_search SET scope = 'u' || COALESCE(new.assignee_id, 0) WHERE rowid IN (SELECT id FROM messages WHERE conversation_id = new.id); END
""")
