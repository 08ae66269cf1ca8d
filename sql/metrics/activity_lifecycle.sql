-- Lifecycle of the members in the filter scope per $unit ('day', 'week', 'month') for the
-- buckets that start from the bucket holding $start up to $end:
--   new          signed up in the bucket
--   returning    active in the bucket and the previous one, not new
--   resurrecting active in the bucket, not in the previous one, not new
--   dormant      active in the previous bucket, not in this one
-- core/metrics.py blanks buckets that end after the as-of date or whose previous bucket
-- starts before the data does.
-- Speed (SPEC §9): the rows read are the members' active periods (member_day, member_week or
-- member_month for $unit: one row per member and active day, week or month) carrying the
-- member's previous and next active period, signup day and current attributes, so a member
-- is classified once per bucket (returning when its previous active period is the bucket
-- before) and counted dormant in the following bucket when its next active period is not
-- that one: no distinct, no self-join, no join to members. Buckets are numbered (days, weeks
-- or months since 0001-01-01, a Monday): integer arithmetic per row costs a fraction of
-- date_trunc or interval arithmetic.
with bounds as (
    select
        case $unit
            when 'day' then cast($start as date) - date '0001-01-01'
            when 'week' then (cast($start as date) - date '0001-01-01') // 7
            else (year(cast($start as date)) - 1) * 12 + month(cast($start as date)) - 1
        end as first_bucket,
        case $unit
            when 'day' then cast($end as date) - date '0001-01-01'
            when 'week' then (cast($end as date) - date '0001-01-01') // 7
            else (year(cast($end as date)) - 1) * 12 + month(cast($end as date)) - 1
        end as last_bucket,
        cast(date_trunc($unit, cast($start as date)) as date) as first_day,
        cast(date_trunc($unit, cast($end as date)) as date) as last_day,
        case $unit
            when 'day' then interval 1 day
            when 'week' then interval 7 day
            else interval 1 month
        end as step
),

buckets as (
    select
        cast(generate_series as date) as period,
        bounds.first_bucket + row_number() over (order by generate_series) - 1 as bucket
    from bounds, generate_series(bounds.first_day, bounds.last_day, bounds.step)
),

new_counts as (
    select
        case $unit
            when 'day' then cast(signup_at as date) - date '0001-01-01'
            when 'week' then (cast(signup_at as date) - date '0001-01-01') // 7
            else (year(signup_at) - 1) * 12 + month(signup_at) - 1
        end as bucket,
        count(*) as new
    from members
    where member_in_scope(
        region, device, tier, channel, member_key,
        $regions, $devices, $tiers, $channels, $segment
    )
    group by all
),

-- the members' active days, weeks or months ($unit)
member_periods as (
    select
        member_key, day as period, prev_day as prev_period, next_day as next_period,
        signup_day, region, device, tier, channel
    from member_day
    where $unit = 'day'
    union all
    select
        member_key, period, prev_period, next_period,
        signup_day, region, device, tier, channel
    from member_week
    where $unit = 'week'
    union all
    select
        member_key, period, prev_period, next_period,
        signup_day, region, device, tier, channel
    from member_month
    where $unit = 'month'
),

-- the scoped member periods of the buckets shown and the one before the first, numbered
scoped_periods as (
    select
        case $unit
            when 'day' then period - date '0001-01-01'
            when 'week' then (period - date '0001-01-01') // 7
            else (year(period) - 1) * 12 + month(period) - 1
        end as bucket,
        case $unit
            when 'day' then prev_period - date '0001-01-01'
            when 'week' then (prev_period - date '0001-01-01') // 7
            else (year(prev_period) - 1) * 12 + month(prev_period) - 1
        end as prev_bucket,
        case $unit
            when 'day' then next_period - date '0001-01-01'
            when 'week' then (next_period - date '0001-01-01') // 7
            else (year(next_period) - 1) * 12 + month(next_period) - 1
        end as next_bucket,
        case $unit
            when 'day' then signup_day - date '0001-01-01'
            when 'week' then (signup_day - date '0001-01-01') // 7
            else (year(signup_day) - 1) * 12 + month(signup_day) - 1
        end as signup_bucket
    from member_periods
    where period >= cast(date_trunc($unit, cast($start as date)) as date)
          - case $unit when 'day' then interval 1 day when 'week' then interval 7 day
              else interval 1 month end
      and period < cast(date_trunc($unit, cast($end as date)) as date)
          + case $unit when 'day' then interval 1 day when 'week' then interval 7 day
              else interval 1 month end
      and member_in_scope(
          region, device, tier, channel, member_key,
          $regions, $devices, $tiers, $channels, $segment
      )
),

-- per bucket: returning (active in the bucket before) or resurrecting, unless new (signed up
-- in the bucket); and leaving (next active period not the following bucket), which makes the
-- member dormant in the following bucket
activity as (
    select
        bucket,
        count(*) filter (
            where signup_bucket is distinct from bucket and prev_bucket = bucket - 1
        ) as returning,
        count(*) filter (
            where signup_bucket is distinct from bucket and prev_bucket is distinct from bucket - 1
        ) as resurrecting,
        count(*) filter (where next_bucket is null or next_bucket > bucket + 1) as leaving
    from scoped_periods
    group by bucket
),

final as (
    select
        buckets.period,
        cast(buckets.period + bounds.step - interval 1 day as date) as period_end,
        coalesce(new_counts.new, 0) as new,
        coalesce(activity.returning, 0) as returning,
        coalesce(activity.resurrecting, 0) as resurrecting,
        coalesce(previous.leaving, 0) as dormant
    from buckets
    cross join bounds
    left join activity on activity.bucket = buckets.bucket
    left join activity as previous on previous.bucket = buckets.bucket - 1
    left join new_counts on new_counts.bucket = buckets.bucket
)

select * from final
order by period
