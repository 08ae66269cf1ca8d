-- Lifecycle of the members in the filter scope per $unit ('day', 'week', 'month') for the
-- buckets that start from the bucket holding $start up to $end:
--   new          signed up in the bucket
--   returning    active in the bucket and the previous one, not new
--   resurrecting active in the bucket, not in the previous one, not new
--   dormant      active in the previous bucket, not in this one
-- core/metrics.py blanks buckets that end after the as-of date or whose previous bucket
-- starts before the data does.
with bounds as (
    select
        cast(date_trunc($unit, cast($start as date)) as date) as first_bucket,
        cast($end as date) as end_day,
        case $unit
            when 'day' then interval 1 day
            when 'week' then interval 7 day
            else interval 1 month
        end as step
),

scoped_members as (
    select member_key, cast(signup_at as date) as signup_day
    from members
    where (len($regions::varchar[]) = 0 or list_contains($regions::varchar[], region))
      and (len($devices::varchar[]) = 0 or list_contains($devices::varchar[], device))
      and (len($tiers::varchar[]) = 0 or list_contains($tiers::varchar[], tier))
      and (len($channels::varchar[]) = 0 or list_contains($channels::varchar[], channel))
      and ($segment::integer is null or member_key in (
          select segment_members.member_key from segment_members
          where segment_members.segment_id = $segment::integer
      ))
),

buckets as (
    select cast(generate_series as date) as bucket
    from bounds, generate_series(bounds.first_bucket, bounds.end_day, bounds.step)
),

active as (
    select distinct
        member_day.member_key,
        cast(date_trunc($unit, member_day.day) as date) as bucket
    from member_day
    semi join scoped_members on member_day.member_key = scoped_members.member_key
    cross join bounds
    where member_day.day >= cast(bounds.first_bucket - bounds.step as date)
      and member_day.day < cast(date_trunc($unit, bounds.end_day) + bounds.step as date)
),

new_members as (
    select cast(date_trunc($unit, signup_day) as date) as bucket, member_key
    from scoped_members
),

classified as (
    select
        cur.bucket,
        case
            when new_members.member_key is not null then 'new'
            when prev.member_key is not null then 'returning'
            else 'resurrecting'
        end as state
    from active as cur
    cross join bounds
    left join active as prev
        on prev.member_key = cur.member_key
        and prev.bucket = cast(cur.bucket - bounds.step as date)
    left join new_members
        on new_members.member_key = cur.member_key and new_members.bucket = cur.bucket
    union all
    select cast(prev.bucket + bounds.step as date), 'dormant'
    from active as prev
    cross join bounds
    anti join active as cur
        on cur.member_key = prev.member_key
        and cur.bucket = cast(prev.bucket + bounds.step as date)
),

counts as (
    select
        bucket,
        count(*) filter (where state = 'returning') as returning,
        count(*) filter (where state = 'resurrecting') as resurrecting,
        count(*) filter (where state = 'dormant') as dormant
    from classified
    group by bucket
),

new_counts as (
    select bucket, count(*) as new
    from new_members
    group by bucket
),

final as (
    select
        buckets.bucket as period,
        cast(buckets.bucket + bounds.step - interval 1 day as date) as period_end,
        coalesce(new_counts.new, 0) as new,
        coalesce(counts.returning, 0) as returning,
        coalesce(counts.resurrecting, 0) as resurrecting,
        coalesce(counts.dormant, 0) as dormant
    from buckets
    cross join bounds
    left join counts on counts.bucket = buckets.bucket
    left join new_counts on new_counts.bucket = buckets.bucket
)

select * from final
order by period
