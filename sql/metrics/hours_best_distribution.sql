-- How many members in the filter scope have each hour of day as their best contact hour
-- over the 90 days ending $as_of (the rule of sql/metrics/hours_best_contact.sql: most active
-- days in the hour, then most events, then the earlier hour); hours nobody has are missing.
with hourly as (
    select *
    from member_hours_ranked($as_of, $regions, $devices, $tiers, $channels, $segment)
),

best as (
    select arg_max(hourly.hour, hourly.rank_key) as best_hour
    from hourly
    group by hourly.member_key
),

final as (
    select
        best_hour as hour,
        count(*) as members
    from best
    group by best_hour
)

select * from final
order by hour
