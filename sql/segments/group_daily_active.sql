-- Daily active members of alert groups over [$start, $end] (every day listed, zeros kept).
-- $kind picks the grouping: everyone, channel, tier (current attributes), tag (tags held on
-- the latest snapshot on or before $end) or segment (the members in $keys, group $value).
-- $value null: every group of that kind; else only that group.
with bounds as (
    select cast($start as date) as start_day, cast($end as date) as end_day
),

-- group membership: the alert_group_members macro (sql/schema/013_alert_group_macro.sql)
chosen as (
    select member_key, group_value
    from alert_group_members($kind, $value, $keys, $end)
),

days as (
    select cast(generate_series as date) as day
    from bounds, generate_series(bounds.start_day, bounds.end_day, interval 1 day)
),

counts as (
    select chosen.group_value, member_day.day, count(*) as active
    from member_day
    inner join chosen on chosen.member_key = member_day.member_key
    cross join bounds
    where member_day.day between bounds.start_day and bounds.end_day
    group by chosen.group_value, member_day.day
),

final as (
    select groups.group_value, days.day, coalesce(counts.active, 0) as active
    from (select distinct group_value from chosen) as groups
    cross join days
    left join counts on counts.group_value = groups.group_value and counts.day = days.day
)

select * from final
order by group_value, day
