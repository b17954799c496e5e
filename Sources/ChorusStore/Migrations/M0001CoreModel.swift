/// The core data model of the whole product (PRODUCT.md). Times are BIGINT milliseconds since
/// 1970; raw webhook JSON is kept as TEXT so it round-trips byte for byte on both engines.
let m0001CoreModel = Migration(version: 1, name: "core model", sql: """
CREATE TABLE workspace_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE channels (
    id {ID},
    phone_number_id TEXT NOT NULL UNIQUE,
    waba_id TEXT NOT NULL,
    display_number TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    access_token TEXT NOT NULL,
    app_secret TEXT NOT NULL,
    verify_token TEXT NOT NULL,
    graph_url TEXT NOT NULL,
    api_version TEXT NOT NULL,
    messages_per_second INTEGER NOT NULL DEFAULT 80,
    created_at BIGINT NOT NULL
);
CREATE TABLE permission_templates (
    id {ID},
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    grants TEXT NOT NULL DEFAULT '[]',
    revokes TEXT NOT NULL DEFAULT '[]',
    send_window TEXT,
    created_at BIGINT NOT NULL
);
CREATE TABLE members (
    id {ID},
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    template_id BIGINT REFERENCES permission_templates(id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    totp_secret TEXT,
    pin_hash TEXT,
    pin_changed_at BIGINT,
    permissions_version BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    deactivated_at BIGINT
);
CREATE TABLE member_permission_overrides (
    member_id BIGINT NOT NULL REFERENCES members(id),
    permission TEXT NOT NULL,
    granted BOOLEAN NOT NULL,
    PRIMARY KEY (member_id, permission)
);
CREATE TABLE teams (
    id {ID},
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE TABLE team_members (
    team_id BIGINT NOT NULL REFERENCES teams(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    PRIMARY KEY (team_id, member_id)
);
CREATE TABLE devices (
    id {ID},
    member_id BIGINT NOT NULL REFERENCES members(id),
    token_hash TEXT NOT NULL UNIQUE,
    device_class TEXT NOT NULL,
    os TEXT NOT NULL DEFAULT '',
    os_version TEXT NOT NULL DEFAULT '',
    browser TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoke_reason TEXT
);
CREATE INDEX devices_member ON devices(member_id, revoked_at);
CREATE TABLE contacts (
    id {ID},
    channel_id BIGINT NOT NULL REFERENCES channels(id),
    wa_id TEXT,
    user_id TEXT,
    name TEXT,
    username TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX contacts_wa_id ON contacts(channel_id, wa_id);
CREATE UNIQUE INDEX contacts_user_id ON contacts(channel_id, user_id);
CREATE TABLE conversations (
    id {ID},
    channel_id BIGINT NOT NULL REFERENCES channels(id),
    contact_id BIGINT NOT NULL REFERENCES contacts(id),
    status TEXT NOT NULL DEFAULT 'open',
    assignee_id BIGINT REFERENCES members(id),
    team_id BIGINT REFERENCES teams(id),
    snoozed_until BIGINT,
    last_message_at BIGINT NOT NULL,
    last_inbound_at BIGINT,
    last_message_preview TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (channel_id, contact_id)
);
CREATE INDEX conversations_activity ON conversations(last_message_at, id);
CREATE INDEX conversations_assignee ON conversations(assignee_id, last_message_at);
CREATE TABLE messages (
    id {ID},
    channel_id BIGINT NOT NULL REFERENCES channels(id),
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    dedupe_key TEXT NOT NULL,
    wamid TEXT,
    direction TEXT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    text TEXT,
    content TEXT NOT NULL DEFAULT '{}',
    reply_to_wamid TEXT,
    media_id TEXT,
    sender_member_id BIGINT REFERENCES members(id),
    meta_timestamp BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    error_code INTEGER,
    error_title TEXT,
    error_details TEXT,
    error_hint TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    deleted_at BIGINT,
    UNIQUE (channel_id, dedupe_key)
);
CREATE INDEX messages_conversation ON messages(conversation_id, meta_timestamp, id);
CREATE INDEX messages_wamid ON messages(channel_id, wamid);
CREATE INDEX messages_outbox ON messages(status, next_attempt_at);
CREATE TABLE message_statuses (
    id {ID},
    channel_id BIGINT NOT NULL REFERENCES channels(id),
    wamid TEXT NOT NULL,
    status TEXT NOT NULL,
    meta_timestamp BIGINT NOT NULL,
    error_code INTEGER,
    raw TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    UNIQUE (channel_id, wamid, status)
);
CREATE TABLE labels (
    id {ID},
    name TEXT NOT NULL UNIQUE,
    color TEXT NOT NULL DEFAULT '#2f855a',
    automatic BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE TABLE conversation_labels (
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    label_id BIGINT NOT NULL REFERENCES labels(id),
    added_by BIGINT REFERENCES members(id),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, label_id)
);
CREATE TABLE assignments (
    id {ID},
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    member_id BIGINT REFERENCES members(id),
    team_id BIGINT REFERENCES teams(id),
    by_member_id BIGINT REFERENCES members(id),
    at BIGINT NOT NULL
);
CREATE INDEX assignments_conversation ON assignments(conversation_id, at);
CREATE TABLE notes (
    id {ID},
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    author_id BIGINT NOT NULL REFERENCES members(id),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE note_mentions (
    note_id BIGINT NOT NULL REFERENCES notes(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    PRIMARY KEY (note_id, member_id)
);
CREATE TABLE audit_events (
    id {ID},
    at BIGINT NOT NULL,
    actor_member_id BIGINT,
    device_id BIGINT,
    ip TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT '{}',
    prev_hash TEXT NOT NULL DEFAULT '',
    hash TEXT NOT NULL DEFAULT ''
);
CREATE TABLE jobs (
    id {ID},
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    unique_key TEXT UNIQUE,
    status TEXT NOT NULL DEFAULT 'pending',
    run_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    locked_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs(status, run_at);
CREATE TABLE events (
    id {ID},
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    conversation_id BIGINT,
    assignee_id BIGINT,
    member_id BIGINT,
    payload TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE webhook_unhandled (
    id {ID},
    received_at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    field TEXT NOT NULL,
    phone_number_id TEXT,
    waba_id TEXT,
    raw TEXT NOT NULL
);
CREATE TABLE media (
    id {ID},
    sha256 TEXT NOT NULL UNIQUE,
    mime_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE templates (
    id {ID},
    channel_id BIGINT NOT NULL REFERENCES channels(id),
    name TEXT NOT NULL,
    language TEXT NOT NULL,
    status TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    components TEXT NOT NULL DEFAULT '[]',
    updated_at BIGINT NOT NULL,
    UNIQUE (channel_id, name, language)
)
""")
