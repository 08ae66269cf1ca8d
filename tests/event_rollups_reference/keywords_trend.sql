-- Searches per $unit ('day', 'week', 'month') for the keywords in $keywords, by the
-- members in the filter scope in [$start, $end]; buckets start at the bucket holding $start.
with bounds as (
    select cast($start as date) as start_day, cast($end as date) + 1 as after_day
),

scoped_members as (
    select member_key
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

final as (
    select
        cast(date_trunc($unit, events.event_time) as date) as period,
        trim(events.keyword) as keyword,
        count(*) as searches
    from events
    semi join scoped_members on scoped_members.member_key = events.member_key
    cross join bounds
    where events.event_type = 'search'
      and list_contains($keywords::varchar[], trim(events.keyword))
      and events.event_time >= bounds.start_day
      and events.event_time < bounds.after_day
    group by all
)

select * from final
order by period, keyword
