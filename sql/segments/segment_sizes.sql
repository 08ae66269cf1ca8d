-- A segment's size on each snapshot day in [$start, $end]: members signed up by that day,
-- in the attribute filters (current attributes) and meeting the tag conditions with the tags
-- they held that day (see segment_members.sql for the conditions and the fixed set).
--
-- Only tags the definition names can decide: a member holding none of them meets the
-- conditions exactly when there are no all/any tags. So the size is the members signed up
-- by the day (a running count of signups) less those holding a named tag, plus those
-- holding a named tag who meet the conditions; no member × day grid is built.
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

signups as (
    select signup_day, count(*) as members
    from scoped_members
    group by signup_day
),

signed_up as (
    select days.day, coalesce(sum(signups.members), 0) as members
    from days
    left join signups on signups.signup_day <= days.day
    group by days.day
),

-- one bit per tag the definition names; a member's held named tags as one mask per day
named as (
    select list_distinct(
        list_concat($all_tags::varchar[], $any_tags::varchar[], $none_tags::varchar[])
    ) as tags
),

named_tags as (
    select
        unnest(named.tags) as tag,
        cast(1 as bigint) << cast(generate_subscripts(named.tags, 1) - 1 as bigint) as bit
    from named
),

masks as (
    select
        coalesce(sum(bit) filter (where list_contains($all_tags::varchar[], tag)), 0) as all_mask,
        coalesce(sum(bit) filter (where list_contains($any_tags::varchar[], tag)), 0) as any_mask,
        coalesce(sum(bit) filter (where list_contains($none_tags::varchar[], tag)), 0)
            as none_mask
    from named_tags
),

-- (day, member) for members in scope holding at least one named tag that day
holding as (
    select days.day, tag_spells.member_key, bit_or(named_tags.bit) as held
    from days
    inner join tag_spells
        on tag_spells.joined_on <= days.day
        and (tag_spells.left_on is null or tag_spells.left_on > days.day)
    inner join named_tags on named_tags.tag = tag_spells.tag
    inner join scoped_members
        on scoped_members.member_key = tag_spells.member_key
        and scoped_members.signup_day <= days.day
    group by days.day, tag_spells.member_key
),

held as (
    select
        holding.day,
        count(*) as holding,
        count(*) filter (
            where holding.held & masks.all_mask = masks.all_mask
            and (masks.any_mask = 0 or holding.held & masks.any_mask <> 0)
            and holding.held & masks.none_mask = 0
        ) as meeting
    from holding
    cross join masks
    group by holding.day
),

final as (
    select
        days.day,
        cast(
            case
                when len($all_tags::varchar[]) = 0 and len($any_tags::varchar[]) = 0
                    then signed_up.members - coalesce(held.holding, 0)
                else 0
            end + coalesce(held.meeting, 0) as bigint
        ) as members
    from days
    inner join signed_up on signed_up.day = days.day
    left join held on held.day = days.day
)

select * from final
order by day
