-- Searches per $unit ('day', 'week', 'month') for the keywords in $keywords, by the
-- members in the filter scope in [$start, $end]; buckets start at the bucket holding $start.
-- Read from the search_day rollup (trimmed, non-empty keywords).
with final as (
    select
        cast(date_trunc($unit, search_day.day) as date) as period,
        search_day.keyword,
        cast(sum(search_day.searches) as bigint) as searches
    from search_day
    where list_contains($keywords::varchar[], search_day.keyword)
      and search_day.day >= cast($start as date)
      and search_day.day <= cast($end as date)
      and (len($regions::varchar[]) = 0 or list_contains($regions::varchar[], search_day.region))
      and (len($devices::varchar[]) = 0 or list_contains($devices::varchar[], search_day.device))
      and (len($tiers::varchar[]) = 0 or list_contains($tiers::varchar[], search_day.tier))
      and (len($channels::varchar[]) = 0 or list_contains($channels::varchar[], search_day.channel))
      and ($segment::integer is null or search_day.member_key in (
          select segment_members.member_key from segment_members
          where segment_members.segment_id = $segment::integer
      ))
    group by all
)

select * from final
order by period, keyword
