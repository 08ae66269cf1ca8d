-- A segment's size on each snapshot day in [$start, $end]: members signed up by that day,
-- in the attribute filters (current attributes) and meeting the tag conditions with the tags
-- they held that day (see segment_members.sql for the conditions and the fixed set).
with days as (
    select day
    from tag_snapshot_days
    where day between cast($start as date) and cast($end as date)
),

scoped_members as (
    select member_key, cast(signup_at as date) as signup_day
    from members
    where (len($regions::varchar[]) = 0 or list_contains($regions::varchar[], region))
      and (len($devices::varchar[]) = 0 or list_contains($devices::varchar[], device))
      and (len($tiers::varchar[]) = 0 or list_contains($tiers::varchar[], tier))
      and (len($channels::varchar[]) = 0 or list_contains($channels::varchar[], channel))
      and (not $fixed or member_key in (select unnest($members::integer[])))
),

held as (
    select days.day, tag_spells.member_key, list(tag_spells.tag) as tags
    from days
    inner join tag_spells
        on tag_spells.joined_on <= days.day
        and (tag_spells.left_on is null or tag_spells.left_on > days.day)
    group by days.day, tag_spells.member_key
),

grid as (
    select days.day, coalesce(held.tags, []::varchar[]) as tags
    from days
    inner join scoped_members on scoped_members.signup_day <= days.day
    left join held on held.day = days.day and held.member_key = scoped_members.member_key
),

final as (
    select
        days.day,
        count(grid.day) as members
    from days
    left join grid
        on grid.day = days.day
        and list_has_all(grid.tags, $all_tags::varchar[])
        and (len($any_tags::varchar[]) = 0 or list_has_any(grid.tags, $any_tags::varchar[]))
        and not list_has_any(grid.tags, $none_tags::varchar[])
    group by days.day
)

select * from final
order by day
