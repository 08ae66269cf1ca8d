-- How many members in the filter scope have each hour of day as their best contact hour
-- over the 90 days ending $as_of (the rule of sql/metrics/hours_best_contact.sql: most active
-- days in the hour, then most events, then the earlier hour); hours nobody has are missing.
with hourly as (
    select
        member_hour.member_key,
        cast(member_hour.hour as bigint) as hour,
        count(*) as active_days,
        cast(sum(member_hour.events) as bigint) as events,
        best_hour_rank(count(*), sum(member_hour.events), member_hour.hour) as rank_key
    from member_hour
    where member_hour.day >= cast($as_of as date) - 89
      and member_hour.day <= cast($as_of as date)
      and member_in_scope(
          member_hour.region, member_hour.device, member_hour.tier, member_hour.channel,
          member_hour.member_key, $regions, $devices, $tiers, $channels, $segment
      )
    group by member_hour.member_key, member_hour.hour
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
