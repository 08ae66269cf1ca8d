-- Members of a segment on $day: the attribute filters (empty list: all) and the tag
-- conditions, with tags as of the latest snapshot on or before $day (none before it: no
-- tags). all: holds every tag listed; any: holds at least one (empty list: no condition);
-- none: holds none of them. $fixed: only the fixed set $members (a segment saved from a
-- drill-down list, segment_fixed_members). Returns member_key and the tags held.
with bounds as (
    select cast($day as date) as day
),

snapshot as (
    select max(tag_snapshot_days.day) as day
    from tag_snapshot_days
    cross join bounds
    where tag_snapshot_days.day <= bounds.day
),

scoped_members as (
    select member_key
    from members
    cross join bounds
    where cast(signup_at as date) <= bounds.day
      and (len($regions::varchar[]) = 0 or list_contains($regions::varchar[], region))
      and (len($devices::varchar[]) = 0 or list_contains($devices::varchar[], device))
      and (len($tiers::varchar[]) = 0 or list_contains($tiers::varchar[], tier))
      and (len($channels::varchar[]) = 0 or list_contains($channels::varchar[], channel))
      and (not $fixed or member_key in (select unnest($members::integer[])))
),

held as (
    select tag_spells.member_key, list(tag_spells.tag order by tag_spells.tag) as tags
    from tag_spells
    cross join snapshot
    where tag_spells.joined_on <= snapshot.day
      and (tag_spells.left_on is null or tag_spells.left_on > snapshot.day)
    group by tag_spells.member_key
),

tagged as (
    select scoped_members.member_key, coalesce(held.tags, []::varchar[]) as tags
    from scoped_members
    left join held on held.member_key = scoped_members.member_key
),

final as (
    select member_key, tags
    from tagged
    where list_has_all(tags, $all_tags::varchar[])
      and (len($any_tags::varchar[]) = 0 or list_has_any(tags, $any_tags::varchar[]))
      and not list_has_any(tags, $none_tags::varchar[])
)

select * from final
order by member_key
