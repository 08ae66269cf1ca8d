-- Schema version 1: the contract tables, tiers and benefits, import bookkeeping, rollups.
-- All timestamps are business-time-zone local time (see meta.business_tz), stored without
-- an offset, so days, weeks and hours are plain calendar arithmetic in every query.

create sequence member_key_seq start 1;

create table members (
    member_key integer primary key,          -- surrogate key used by every join
    member_id varchar not null unique,        -- the contract's id, kept as given
    signup_at timestamp not null,
    nickname varchar,
    name varchar,
    gender varchar,                           -- M / F / U
    birth_date date,
    phone varchar,
    email varchar,
    region varchar,
    city varchar,
    channel varchar,
    device varchar,
    status varchar not null default 'active', -- active / frozen / cancelled
    tier varchar not null default 'normal',   -- effective tier (rule result or override)
    tier_override varchar,                    -- set by a manual override; sticks through recomputes
    growth_points integer,
    last_login_at timestamp,
    address varchar,
    import_id integer,
    updated_at timestamp
);

create table events (
    member_key integer not null,
    event_time timestamp not null,
    event_type varchar not null,
    event_uid ubigint not null,               -- md5 of event_id, else of the row's content
    event_id varchar,
    session_id varchar,
    device varchar,
    page varchar,
    duration_s double,
    keyword varchar,
    category varchar,
    item_id varchar,
    amount decimal(18, 2),
    coupon_id varchar,
    campaign varchar,
    import_id integer
);

create table orders (
    order_id varchar not null,
    member_key integer not null,
    paid_at timestamp not null,
    amount decimal(18, 2) not null,           -- paid amount, CNY
    discount_amount decimal(18, 2) not null default 0,
    coupon_id varchar,
    category varchar,
    status varchar not null default 'paid',   -- paid / refunded
    source varchar not null,                  -- file: from an orders file; events: derived
    import_id integer
);

create table tiers (
    tier_code varchar primary key,
    name_zh varchar not null,
    name_en varchar not null,
    rank integer not null unique,
    threshold decimal(18, 2) not null,        -- paid spend over the spend basis, CNY
    discount decimal(5, 4) not null           -- price multiplier: 0.90 is 9折, 1.00 none
);

create table benefits (
    benefit_code varchar primary key,
    name_zh varchar not null,
    name_en varchar not null,
    retired_at timestamp
);

create table tier_benefits (
    tier_code varchar not null,
    benefit_code varchar not null,
    primary key (tier_code, benefit_code)
);

create table tier_history (
    member_key integer not null,
    from_tier varchar,
    to_tier varchar not null,
    changed_at timestamp not null,
    reason varchar not null,                  -- signup / rule_recompute / manual_override
    actor varchar,
    note varchar
);

create table channel_costs (
    channel varchar not null,
    month date not null,                      -- first day of the month
    cost decimal(18, 2) not null,
    primary key (channel, month)
);

create table campaigns (
    campaign_id varchar primary key,
    name varchar,
    start_date date not null,
    end_date date not null,
    channel varchar
);

create table settings (
    key varchar primary key,
    value varchar not null
);

create table imports (
    import_id integer primary key,
    started_at timestamp not null,            -- UTC
    finished_at timestamp,
    source varchar not null,
    mode varchar not null,                    -- strict / lenient
    status varchar not null,                  -- loaded / rejected / failed
    actor varchar
);

create table import_files (
    import_id integer not null,
    table_name varchar not null,
    file varchar not null,
    file_sha256 varchar,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_inserted bigint not null,
    rows_updated bigint not null,
    rows_unchanged bigint not null,
    rows_rejected bigint not null
);

create table import_rejects (
    import_id integer not null,
    table_name varchar not null,
    file varchar not null,
    line bigint,                              -- line in the file, header is line 1
    column_name varchar,
    reason varchar not null,
    raw_text varchar
);

-- Rollup: one row per member and active day, rebuilt by refresh.
create table member_day (
    member_key integer not null,
    day date not null,
    events integer not null,
    page_views integer not null,
    add_to_carts integer not null,
    orders_paid integer not null
);

insert into tiers values
    ('normal', '普通会员', 'Normal', 0, 0, 1.00),
    ('bronze', '铜牌会员', 'Bronze', 1, 500, 0.90),
    ('silver', '银牌会员', 'Silver', 2, 1000, 0.85),
    ('gold', '金牌会员', 'Gold', 3, 2000, 0.80);

insert into benefits values
    ('free_shipping', '免费配送', 'Free shipping', null),
    ('priority_support', '优先客服响应', 'Priority support', null),
    ('exclusive_recommendations', '专属商品推荐', 'Exclusive recommendations', null);

insert into tier_benefits values
    ('silver', 'free_shipping'),
    ('gold', 'free_shipping'),
    ('gold', 'priority_support'),
    ('gold', 'exclusive_recommendations');

insert into settings values ('spend_basis', 'trailing_12m');
