-- The member × active $unit ('week' or 'month') rollup (sql/schema/009_period_rollups.sql)
-- for every member with an active day on or after $since (null = every member), over all of
-- that member's days: member_day's rows grouped by period. A member's previous (next) active
-- period is the period of the previous (next) active day of its first (last) day in the
-- period, so member_day's chain gives it without a window.
with periods as (
    select
        member_key,
        cast(date_trunc($unit, day) as date) as period,
        -- the _null variants keep a null previous (next) day instead of skipping that row
        arg_min_null(prev_day, day) as prev_day,
        arg_max_null(next_day, day) as next_day,
        any_value(first_day) as first_day,
        any_value(signup_day) as signup_day,
        any_value(region) as region,
        any_value(device) as device,
        any_value(tier) as tier,
        any_value(channel) as channel
    from member_day
    where $since::date is null or member_key in (
        select rebuilt.member_key from member_day as rebuilt where rebuilt.day >= $since::date
    )
    group by member_key, cast(date_trunc($unit, day) as date)
),

final as (
    select
        member_key,
        period,
        cast(date_trunc($unit, prev_day) as date) as prev_period,
        cast(date_trunc($unit, next_day) as date) as next_period,
        first_day,
        signup_day,
        region,
        device,
        tier,
        channel
    from periods
)

select * from final order by period, member_key
