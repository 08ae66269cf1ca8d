-- Each member's best contact hour over the 90 days ending $as_of, by the same rule as
-- sql/segments/best_contact_hours.sql (member profile, lists, alerts): the hour of day with
-- the most active days, then the most events, then the earlier hour; for the members in the
-- filter scope with any event. Read from the member_hour rollup (one row per member, day and
-- hour: the rows of an hour are its active days).
with hourly as (
    select *
    from member_hours_ranked($as_of, $regions, $devices, $tiers, $channels, $segment)
),

final as (
    select
        hourly.member_key,
        arg_max(hourly.hour, hourly.rank_key) as best_hour,
        arg_max(hourly.events, hourly.rank_key) as events_in_best_hour,
        sum(hourly.events) as events
    from hourly
    group by hourly.member_key
)

select members.member_id, final.*
from final
join members on members.member_key = final.member_key
order by final.member_key
