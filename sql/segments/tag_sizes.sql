-- Members holding each tag on each snapshot day in [$start, $end] (days without a snapshot
-- are left out: their size is unknown, not zero). Every tag is listed on every day.
with days as (
    select day
    from tag_snapshot_days
    where day between cast($start as date) and cast($end as date)
),

tags as (
    select distinct tag from tag_settings
),

held as (
    select days.day, tag_spells.tag, count(*) as members
    from days
    inner join tag_spells
        on tag_spells.joined_on <= days.day
        and (tag_spells.left_on is null or tag_spells.left_on > days.day)
    group by days.day, tag_spells.tag
),

final as (
    select days.day, tags.tag, coalesce(held.members, 0) as members
    from days
    cross join tags
    left join held on held.day = days.day and held.tag = tags.tag
)

select * from final
order by day, tag
