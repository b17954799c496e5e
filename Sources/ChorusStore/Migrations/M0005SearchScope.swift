/// SQLite search, scoped: the FTS5 index keeps each message's text *and* a scope token for its
/// conversation's assignee (`u7`, or `u0` when unassigned), so a Restricted member's search is an
/// intersection of two posting lists instead of a walk over every match in the workspace.
/// Reassigning a conversation rewrites the tokens of its messages. PostgreSQL needs none of this.
let m0005SearchScope = Migration(version: 5, name: "scoped message search (SQLite)", sql: "", sqliteOnly: """
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
CREATE TRIGGER message_search_reassign AFTER UPDATE OF assignee_id ON conversations WHEN COALESCE(old.assignee_id, 0) <> COALESCE(new.assignee_id, 0) BEGIN UPDATE message_search SET scope = 'u' || COALESCE(new.assignee_id, 0) WHERE rowid IN (SELECT id FROM messages WHERE conversation_id = new.id); END
""")
