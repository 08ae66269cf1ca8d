-- Survival input: one row per member who signed up by $as_of, with the first and last day
-- of activity on or before $as_of (member_day), and the member attributes KM groups by.
-- A member without any activity row keeps the signup day as both first and last day.
-- Members are in the filter scope by region, device, tier and channel.
with scoped_members as (
    select member_key, member_id, signup_at, tier, channel, device, status
    from members
    where cast(signup_at as date) <= cast($as_of as date)
      and member_in_scope(
          region, device, tier, channel, member_key,
          $regions, $devices, $tiers, $channels, $segment
      )
),

activity as (
    select member_key, max(day) as last_active_day
    from member_day
    where day <= cast($as_of as date)
    group by member_key
),

final as (
    select
        scoped_members.member_key,
        scoped_members.member_id,
        cast(scoped_members.signup_at as date) as signup_day,
        greatest(
            coalesce(activity.last_active_day, cast(scoped_members.signup_at as date)),
            cast(scoped_members.signup_at as date)
        ) as last_active_day,
        coalesce(scoped_members.tier, 'normal') as tier,
        coalesce(scoped_members.channel, '') as channel,
        coalesce(scoped_members.device, '') as device,
        scoped_members.status
    from scoped_members
    left join activity on activity.member_key = scoped_members.member_key
)

select * from final
order by member_key
