/// Inbound media: which messages still need their file fetched, and where it is stored.
let m0002MediaState = Migration(version: 2, name: "media state on messages", sql: """
ALTER TABLE messages ADD COLUMN media_status TEXT;
ALTER TABLE messages ADD COLUMN media_ref BIGINT REFERENCES media(id);
CREATE INDEX messages_media_pending ON messages(media_status)
""")
