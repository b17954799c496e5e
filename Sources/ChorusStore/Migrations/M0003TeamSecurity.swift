/// Team administration and account security: invitations, sign-in throttling, QR device
/// links, two-step verification state and step-up on devices.
let m0003TeamSecurity = Migration(version: 3, name: "team and account security", sql: """
CREATE TABLE member_invites (
    id {ID},
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    template_id BIGINT REFERENCES permission_templates(id),
    token_hash TEXT NOT NULL UNIQUE,
    invited_by BIGINT REFERENCES members(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    member_id BIGINT REFERENCES members(id)
);
CREATE TABLE auth_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    first_failure_at BIGINT NOT NULL,
    locked_until BIGINT
);
CREATE TABLE device_links (
    id {ID},
    code_hash TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    requester_ip TEXT NOT NULL DEFAULT '',
    device_class TEXT NOT NULL,
    os TEXT NOT NULL DEFAULT '',
    os_version TEXT NOT NULL DEFAULT '',
    browser TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    approved_by_device BIGINT REFERENCES devices(id),
    member_id BIGINT REFERENCES members(id),
    consumed_at BIGINT
);
CREATE TABLE recovery_codes (
    member_id BIGINT NOT NULL REFERENCES members(id),
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (member_id, code_hash)
);
ALTER TABLE members ADD COLUMN totp_enabled_at BIGINT;
ALTER TABLE members ADD COLUMN last_verified_at BIGINT;
ALTER TABLE devices ADD COLUMN step_up_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN step_up_until BIGINT;
CREATE INDEX audit_events_at ON audit_events(at, id)
""")
