-- A segment's members ($keys) against every member signed up by $as_of, over the 30 days
-- ending $as_of: members, active members, buyers and revenue in those 30 days, and 30-day
-- retention (of those active in the 30 days before, the share active again in these 30).
with bounds as (
    select cast($as_of as date) as day, cast($as_of as date) + 1 as day_end
),

everyone as (
    select members.member_key, 'everyone' as grp
    from members
    cross join bounds
    where cast(members.signup_at as date) <= bounds.day
),

chosen as (
    select everyone.member_key, 'segment' as grp
    from everyone
    semi join (select unnest($keys::integer[]) as member_key) as k
        on k.member_key = everyone.member_key
),

grouped as (
    select * from everyone
    union all
    select * from chosen
),

activity as (
    select
        member_day.member_key,
        bool_or(member_day.day > bounds.day - 30) as active_now,
        bool_or(member_day.day <= bounds.day - 30) as active_before
    from member_day
    cross join bounds
    where member_day.day between bounds.day - 59 and bounds.day
    group by member_day.member_key
),

buying as (
    select orders.member_key, sum(orders.amount) as revenue
    from orders
    cross join bounds
    where orders.status = 'paid'
      and orders.paid_at >= bounds.day_end - 30
      and orders.paid_at < bounds.day_end
    group by orders.member_key
),

final as (
    select
        grouped.grp,
        count(*) as members,
        count(*) filter (where activity.active_now) as active_30d,
        count(buying.member_key) as buyers_30d,
        coalesce(sum(buying.revenue), 0) as revenue_30d,
        count(*) filter (where activity.active_before) as active_before,
        count(*) filter (where activity.active_before and activity.active_now) as retained
    from grouped
    left join activity on activity.member_key = grouped.member_key
    left join buying on buying.member_key = grouped.member_key
    group by grouped.grp
)

select * from final
order by grp desc
