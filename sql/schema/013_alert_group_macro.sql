-- Schema version 13: the members of an alert group, defined once for the alert queries
-- (sql/segments/group_daily_active.sql, alert_affected.sql). kind picks the grouping:
-- everyone, channel or tier (current attributes), tag (tags held on the latest snapshot on
-- or before as_of_day), segment / at_risk (the member keys passed in, group named value).
-- value null: every group of that kind; else only that group.
create or replace macro alert_group_members(kind, value, keys, as_of_day) as table
with snapshot as (
    select max(tag_snapshot_days.day) as day
    from tag_snapshot_days
    where tag_snapshot_days.day <= cast(as_of_day as date)
),

grouped as (
    select members.member_key, 'everyone' as group_value
    from members
    where kind = 'everyone'
    union all
    select members.member_key, members.channel
    from members
    where kind = 'channel' and members.channel is not null
    union all
    select members.member_key, members.tier
    from members
    where kind = 'tier'
    union all
    select tag_spells.member_key, tag_spells.tag
    from tag_spells
    cross join snapshot
    where kind = 'tag'
      and tag_spells.joined_on <= snapshot.day
      and (tag_spells.left_on is null or tag_spells.left_on > snapshot.day)
    union all
    select listed.member_key, cast(value as varchar)
    from (
        select unnest(coalesce(cast(keys as integer[]), []::integer[])) as member_key
    ) as listed
    where kind in ('segment', 'at_risk')
)

select grouped.member_key, grouped.group_value
from grouped
where value is null or grouped.group_value = cast(value as varchar);
