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
      and member_in_scope(
          search_day.region, search_day.device, search_day.tier, search_day.channel,
          search_day.member_key, $regions, $devices, $tiers, $channels, $segment
      )
    group by all
)

select * from final
order by period, keyword
