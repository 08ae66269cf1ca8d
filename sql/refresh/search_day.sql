-- The member × day × search keyword rollup the search views read (SPEC §4 demographics and
-- search), for the days on or after $since (null = every day): searches per member, day and
-- trimmed keyword (empty keywords left out), and prev_day, the member's previous day with a
-- search for the keyword, so that the distinct searchers of a keyword over [start, end] are
-- the rows in range whose prev_day is null or before start. Rows before $since are left as
-- they are, so the previous day may come from them. Member attributes are the current ones.
with searches as (
    select
        member_key,
        cast(event_time as date) as day,
        trim(keyword) as keyword,
        cast(count(*) as integer) as searches
    from events
    where ($since::date is null or event_time >= $since::date)
      and event_type = 'search'
      and keyword is not null
      and trim(keyword) <> ''
    group by member_key, cast(event_time as date), trim(keyword)
),

earlier as (
    select
        member_key,
        keyword,
        max(day) as last_day
    from search_day
    where $since::date is not null
      and day < $since::date
      and member_key in (select searches.member_key from searches)
    group by member_key, keyword
),

final as (
    select
        searches.member_key,
        searches.day,
        searches.keyword,
        searches.searches,
        coalesce(
            lag(searches.day) over (
                partition by searches.member_key, searches.keyword order by searches.day
            ),
            earlier.last_day
        ) as prev_day,
        cast(members.signup_at as date) as signup_day,
        members.region,
        members.device,
        members.tier,
        members.channel
    from searches
    left join earlier
        on earlier.member_key = searches.member_key and earlier.keyword = searches.keyword
    left join members on members.member_key = searches.member_key
)

select * from final
order by day, keyword, member_key
