-- Search keywords of the members in the filter scope: searches and distinct searchers per
-- keyword in [$start, $end] and in the previous period of the same length
-- [$prev_start, $start), trimmed; the $limit keywords with most searches in the period.
-- Read from the search_day rollup: a member counts once per keyword, on its first day in
-- the period with a search for it (prev_day before $start).
with searches as (
    select
        search_day.keyword,
        search_day.searches,
        search_day.day >= cast($start as date) as in_period,
        search_day.prev_day is null or search_day.prev_day < cast($start as date) as first_in_period
    from search_day
    where search_day.keyword is not null
      and search_day.day >= cast($prev_start as date)
      and search_day.day <= cast($end as date)
      and member_in_scope(
          search_day.region, search_day.device, search_day.tier, search_day.channel,
          search_day.member_key, $regions, $devices, $tiers, $channels, $segment
      )
),

final as (
    select
        keyword,
        cast(coalesce(sum(searches) filter (where in_period), 0) as bigint) as searches,
        count(*) filter (where in_period and first_in_period) as members,
        cast(coalesce(sum(searches) filter (where not in_period), 0) as bigint) as previous_searches
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
