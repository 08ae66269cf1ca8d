-- The members an alert affects: in the alert's group, active on some day of the baseline
-- week [$baseline_start, $baseline_end] and on no day of the decline [$run_start, $run_end].
-- Group membership as in group_daily_active.sql ($kind, $value, $keys).
with snapshot as (
    select max(day) as day
    from tag_snapshot_days
    where day <= cast($run_end as date)
),

grouped as (
    select member_key, 'everyone' as group_value
    from members
    where $kind = 'everyone'
    union all
    select member_key, channel
    from members
    where $kind = 'channel' and channel is not null
    union all
    select member_key, tier
    from members
    where $kind = 'tier'
    union all
    select tag_spells.member_key, tag_spells.tag
    from tag_spells
    cross join snapshot
    where $kind = 'tag'
      and tag_spells.joined_on <= snapshot.day
      and (tag_spells.left_on is null or tag_spells.left_on > snapshot.day)
    union all
    select member_key, cast($value as varchar)
    from (select unnest(coalesce($keys::integer[], []::integer[])) as member_key)
    where $kind in ('segment', 'at_risk')
),

chosen as (
    select distinct member_key
    from grouped
    where $value is null or group_value = cast($value as varchar)
),

final as (
    select chosen.member_key
    from chosen
    where exists (
        select 1 from member_day
        where member_day.member_key = chosen.member_key
          and member_day.day between cast($baseline_start as date) and cast($baseline_end as date)
    )
      and not exists (
          select 1 from member_day
          where member_day.member_key = chosen.member_key
            and member_day.day between cast($run_start as date) and cast($run_end as date)
      )
)

select * from final
order by member_key
