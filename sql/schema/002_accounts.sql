-- Schema version 2: sign-in accounts, login throttling, session invalidation, access log.
-- Times in these tables are UTC (unlike the business tables), because they record when
-- something happened to the system, not when a member did something.

create table accounts (
    username varchar primary key,             -- lower case, as typed at sign-in
    display_name varchar,
    role varchar not null,                    -- viewer / analyst / support / operator / admin
    password_hash varchar not null,           -- bcrypt over a SHA-256 pre-hash (any length)
    language varchar not null default 'zh',   -- zh / en, chosen on the account page
    created_at timestamp not null,
    password_changed_at timestamp,
    -- Sessions (and re-authentication cookies) issued before this moment are void: bumped
    -- by logout, password change and disabling the account.
    sessions_valid_after timestamp not null,
    disabled_at timestamp,
    last_login_at timestamp
);

-- Failed sign-ins per typed user name (hashed, so unknown names typed by mistake, such as a
-- password in the name field, are not stored); unknown names lock exactly like real ones.
create table login_throttle (
    name_hash varchar primary key,
    failed_count integer not null,
    last_failed_at timestamp not null,
    locked_until timestamp
);

-- Sign-ins, sign-outs, password changes and refused page or action requests. A later
-- version adds the hash-chained audit log for data changes; this table stays for access.
create table access_log (
    logged_at timestamp not null,
    username varchar,                         -- null when the name typed is not an account
    role varchar,
    event varchar not null,                   -- login / logout / password_change / page / setup
    target varchar,
    outcome varchar not null,                 -- ok / failed / locked / denied
    detail varchar
);
