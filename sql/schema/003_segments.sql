-- Schema version 3: behaviour tags (thresholds, daily snapshots), saved segments, alerts.
-- Days are business-time-zone calendar days like everywhere else; updated_at and
-- created_at are UTC (they record when someone changed a setting, not member behaviour).

-- Tag thresholds, one row per tag and parameter; editable by operators (SPEC §5).
create table tag_settings (
    tag varchar not null,
    param varchar not null,
    value double not null,
    updated_at timestamp,
    updated_by varchar,
    primary key (tag, param)
);

insert into tag_settings (tag, param, value) values
    ('browse_no_order', 'window_days', 30),
    ('browse_no_order', 'min_active_days', 8),
    ('browse_no_order', 'no_order_days', 90),
    ('cart_abandoner', 'window_days', 30),
    ('cart_abandoner', 'min_carts', 2),
    ('cart_abandoner', 'order_within_hours', 24),
    ('dormant', 'inactive_days', 30),
    ('new', 'signup_days', 30),
    ('high_value', 'top_share', 0.2),
    ('high_value', 'spend_months', 12),
    ('high_value_at_risk', 'window_days', 14),
    ('high_value_at_risk', 'max_ratio', 0.5),
    ('coupon_driven', 'min_orders', 3),
    ('coupon_driven', 'min_coupon_share', 0.7);

-- Daily tag snapshots stored as spells: a member holds a tag on every day d with
-- joined_on <= d < left_on (left_on null: still holds it). Joins on a day are the spells
-- that start on it, leaves those that end on it; sizes come from the spells covering it.
create table tag_spells (
    tag varchar not null,
    member_key integer not null,
    joined_on date not null,
    left_on date
);

-- The days for which tags were computed (a day not listed has no snapshot: shown empty).
create table tag_snapshot_days (
    day date primary key,
    members_tagged integer not null
);

-- Analysts' saved segments: attribute filters (empty list: all) and tag conditions.
create table saved_segments (
    segment_id integer primary key,
    name varchar not null,
    owner varchar not null,
    regions varchar[] not null,
    devices varchar[] not null,
    tiers varchar[] not null,
    channels varchar[] not null,
    all_tags varchar[] not null,
    any_tags varchar[] not null,
    none_tags varchar[] not null,
    created_at timestamp not null,
    updated_at timestamp not null
);

-- Alert rules (SPEC §5). group_value null: one group per value of group_kind (every
-- channel, every tier, …); group_kind everyone has no value.
create table alert_rules (
    rule_id integer primary key,
    name varchar not null,
    group_kind varchar not null,              -- everyone / channel / tier / tag / segment
    group_value varchar,
    decline_days integer not null,            -- N consecutive days of decline
    min_drop double not null,                 -- X: total drop (share) that fires
    enabled boolean not null,
    updated_at timestamp,
    updated_by varchar
);

insert into alert_rules values
    (1, 'everyone', 'everyone', null, 3, 0.2, true, null, 'system'),
    (2, 'each channel', 'channel', null, 3, 0.2, true, null, 'system'),
    (3, 'each tier', 'tier', null, 3, 0.2, true, null, 'system');

-- Fired alerts and their history: open until the group's count recovers.
create table alerts (
    alert_id integer primary key,
    rule_id integer not null,
    group_kind varchar not null,
    group_value varchar,
    start_day date not null,                  -- first day of the decline
    fired_on date not null,                   -- the day the rule first fired
    last_day date not null,                   -- last day evaluated while open
    decline_days integer not null,            -- consecutive days of decline (when it fired, then updated)
    baseline double not null,                 -- mean daily active of the 7 days before start_day
    latest double not null,                   -- daily active on last_day
    drop_share double not null,               -- (baseline - latest) / baseline
    affected integer not null,                -- group members active in the baseline week, not since
    best_hour integer,                        -- the affected members' most common best contact hour
    action varchar not null,                  -- care_sms / incentive_coupon
    status varchar not null,                  -- open / cleared
    cleared_on date
)
