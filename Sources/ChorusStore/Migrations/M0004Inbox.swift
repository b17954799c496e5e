/// The shared inbox: read markers for unread counts, quick replies, and full-text search
/// over messages (SQLite FTS5 kept by triggers; PostgreSQL a generated tsvector with GIN).
let m0004Inbox = Migration(version: 4, name: "inbox state and search", sql: """
CREATE TABLE conversation_reads (
    member_id BIGINT NOT NULL REFERENCES members(id),
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    read_at BIGINT NOT NULL,
    PRIMARY KEY (member_id, conversation_id)
);
CREATE TABLE quick_replies (
    id {ID},
    shortcut TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by BIGINT REFERENCES members(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX conversations_team ON conversations(team_id, last_message_at);
CREATE INDEX conversations_waiting ON conversations(last_inbound_at, id);
CREATE INDEX notes_conversation ON notes(conversation_id, created_at);
CREATE INDEX note_mentions_member ON note_mentions(member_id);
CREATE INDEX conversation_labels_label ON conversation_labels(label_id);
CREATE INDEX messages_deleted ON messages(deleted_at);
CREATE INDEX contacts_name ON contacts(name)
""", postgresOnly: """
ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(text, ''))) STORED;
CREATE INDEX messages_search ON messages USING GIN (search)
""", sqliteOnly: """
CREATE VIRTUAL TABLE message_search USING fts5(text, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
INSERT INTO message_search(rowid, text) SELECT id, text FROM messages WHERE text IS NOT NULL;
CREATE TRIGGER message_search_insert AFTER INSERT ON messages WHEN new.text IS NOT NULL BEGIN INSERT INTO message_search(rowid, text) VALUES (new.id, new.text); END;
CREATE TRIGGER message_search_delete AFTER DELETE ON messages WHEN old.text IS NOT NULL BEGIN INSERT INTO message_search(message_search, rowid, text) VALUES ('delete', old.id, old.text); END;
CREATE TRIGGER message_search_update_old AFTER UPDATE OF text ON messages WHEN old.text IS NOT NULL BEGIN INSERT INTO message_search(message_search, rowid, text) VALUES ('delete', old.id, old.text); END;
CREATE TRIGGER message_search_update_new AFTER UPDATE OF text ON messages WHEN new.text IS NOT NULL BEGIN INSERT INTO message_search(rowid, text) VALUES (new.id, new.text); END
""")
