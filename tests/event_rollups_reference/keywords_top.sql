-- Search keywords of the members in the filter scope: searches and distinct searchers per
-- keyword in [$start, $end] and in the previous period of the same length
-- [$prev_start, $start), trimmed; the $limit keywords with most searches in the period.
with bounds as (
    select
        cast($start as date) as start_day,
        cast($end as date) + 1 as after_day,
        cast($prev_start as date) as prev_start_day
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

searches as (
    select
        trim(events.keyword) as keyword,
        events.member_key,
        events.event_time >= bounds.start_day as in_period
    from events
    semi join scoped_members on scoped_members.member_key = events.member_key
    cross join bounds
    where events.event_type = 'search'
      and events.keyword is not null
      and trim(events.keyword) <> ''
      and events.event_time >= bounds.prev_start_day
      and events.event_time < bounds.after_day
),

final as (
    select
        keyword,
        count(*) filter (where in_period) as searches,
        count(distinct member_key) filter (where in_period) as members,
        count(*) filter (where not in_period) as previous_searches
    from searches
    group by keyword
)

select
    keyword,
    searches,
    members,
    searches / sum(searches) over () as share,
    previous_searches
from final
where searches > 0
order by searches desc, keyword
limit $limit
