-- Schema version 5: the hash-chained audit log, maker-checker approval requests, TOTP
-- second factors and the register of erased members. Times here are UTC.

-- Append-only (core.audit is the only writer). Each row's row_hash is sha256 over its
-- canonical content, which includes prev_hash (the previous row's row_hash) and
-- details_hash (sha256 over before/after/reason), so an edited, deleted or inserted row
-- breaks the chain. Details may be redacted by a PIPL/GDPR erasure: the erasure's own
-- audit row lists the rows it redacted, and only those may differ from details_hash.
create table audit_log (
    audit_id bigint primary key,
    logged_at timestamp not null,
    actor varchar,
    role varchar,
    action varchar not null,
    target varchar,
    before_json varchar,                      -- personal values masked
    after_json varchar,                       -- personal values masked
    reason varchar,
    details_hash varchar not null,
    prev_hash varchar not null,
    row_hash varchar not null
);

create table approval_requests (
    request_id integer primary key,
    kind varchar not null,                    -- tier_rule_change / bulk_status_change / member_export / member_erase
    payload varchar not null,                 -- JSON: exactly what executing will do
    summary varchar not null,
    reason varchar not null,
    requested_by varchar not null,
    requested_role varchar not null,
    requested_at timestamp not null,
    expires_at timestamp not null,
    status varchar not null,                  -- pending / approved / rejected / executed / expired
    decided_by varchar,
    decided_at timestamp,
    decision_note varchar,
    executed_by varchar,
    executed_at timestamp,
    result varchar
);

create table account_totp (
    username varchar primary key,
    secret varchar not null,                  -- base32; confirmed once a code matched
    confirmed_at timestamp,
    last_used_step bigint                     -- a code is accepted once (no replay)
);

create table erased_members (
    member_key integer primary key,
    erased_at timestamp not null,
    request_id integer
);

insert into settings values ('require_totp_for_admins', 'false')
