-- Lifecycle of the members in the filter scope per $unit ('day', 'week', 'month') for the
-- buckets that start from the bucket holding $start up to $end:
--   new          signed up in the bucket
--   returning    active in the bucket and the previous one, not new
--   resurrecting active in the bucket, not in the previous one, not new
--   dormant      active in the previous bucket, not in this one
-- core/metrics.py blanks buckets that end after the as-of date or whose previous bucket
-- starts before the data does.
--
-- Speed (SPEC §9): the rows read are the members' active periods (member_day, member_week or
-- member_month for $unit: one row per member and active day, week or month) carrying the
-- member's previous and next active period, signup day and current attributes, so a member
-- is classified once per bucket (returning when its previous active period is the bucket
-- before) and counted dormant in the following bucket when its next active period is not
-- that one: no distinct, no self-join, no join to members. Periods are bucket starts, so
-- "the bucket before / after" is a difference of days: consecutive starts are at most 1, 7
-- or 31 days apart ($unit day, week, month), others at least 2, 14 or 59. Rows are first
-- counted per bucket and flags (a few hundred groups), which costs less per row than
-- filtered counts.
with bounds as (
    select
        cast(date_trunc($unit, cast($start as date)) as date) as first_bucket,
        cast(date_trunc($unit, cast($end as date)) as date) as last_bucket,
        case $unit
            when 'day' then interval 1 day
            when 'week' then interval 7 day
            else interval 1 month
        end as step,
        case $unit when 'day' then 1 when 'week' then 7 else 31 end as next_bucket_within
),

buckets as (
    select cast(generate_series as date) as period
    from bounds, generate_series(bounds.first_bucket, bounds.last_bucket, bounds.step)
),

signups as (
    select cast(signup_at as date) as signup_day, count(*) as members
    from members
    where member_in_scope(
        region, device, tier, channel, member_key,
        $regions, $devices, $tiers, $channels, $segment
    )
    group by all
),

new_counts as (
    select cast(date_trunc($unit, signup_day) as date) as period, sum(members) as new
    from signups
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

-- the scoped member periods of the buckets shown and the one before the first, counted per
-- bucket and: active in the bucket before, signed up in the bucket, not active in the next
flags as (
    select
        member_periods.period,
        coalesce(
            member_periods.period - member_periods.prev_period <= bounds.next_bucket_within,
            false
        ) as was_active,
        coalesce(
            case $unit
                when 'day' then member_periods.signup_day = member_periods.period
                when 'week' then member_periods.signup_day - member_periods.period between 0 and 6
                else member_periods.signup_day - member_periods.period between 0 and 30
                    and month(member_periods.signup_day) = month(member_periods.period)
            end,
            false
        ) as is_new,
        member_periods.next_period is null
            or member_periods.next_period - member_periods.period > bounds.next_bucket_within
            as leaving,
        count(*) as members
    from member_periods
    cross join bounds
    where member_periods.period >= cast(date_trunc($unit, cast($start as date)) as date)
          - case $unit when 'day' then interval 1 day when 'week' then interval 7 day
              else interval 1 month end
      and member_periods.period <= cast(date_trunc($unit, cast($end as date)) as date)
      and member_in_scope(
          member_periods.region, member_periods.device, member_periods.tier,
          member_periods.channel, member_periods.member_key,
          $regions, $devices, $tiers, $channels, $segment
      )
    group by all
),

-- per bucket: returning (active in the bucket before) or resurrecting, unless new; and
-- leaving (not active in the next bucket), i.e. dormant in the next bucket
activity as (
    select
        period,
        sum(members) filter (where was_active and not is_new) as returning,
        sum(members) filter (where not was_active and not is_new) as resurrecting,
        sum(members) filter (where leaving) as leaving
    from flags
    group by period
),

final as (
    select
        buckets.period,
        cast(buckets.period + bounds.step - interval 1 day as date) as period_end,
        cast(coalesce(new_counts.new, 0) as bigint) as new,
        cast(coalesce(activity.returning, 0) as bigint) as returning,
        cast(coalesce(activity.resurrecting, 0) as bigint) as resurrecting,
        cast(coalesce(previous.leaving, 0) as bigint) as dormant
    from buckets
    cross join bounds
    left join activity on activity.period = buckets.period
    left join activity as previous
        on previous.period = cast(buckets.period - bounds.step as date)
    left join new_counts on new_counts.period = buckets.period
)

select * from final
order by period
