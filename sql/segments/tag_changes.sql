-- Who joined or left tag $tag on snapshot day $day: a spell starting that day is a join, a
-- spell ending that day (left_on = $day, i.e. no longer held on $day) is a leave.
with changes as (
    select member_key, 'joined' as change
    from tag_spells
    where tag = $tag and joined_on = cast($day as date)
    union all
    select member_key, 'left' as change
    from tag_spells
    where tag = $tag and left_on = cast($day as date)
),

final as (
    select changes.change, changes.member_key, members.member_id
    from changes
    inner join members on members.member_key = changes.member_key
)

select * from final
order by change, member_id
