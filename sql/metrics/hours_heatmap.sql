-- Weekday × hour activity of the members in the filter scope over [$start, $end]: events
-- and distinct members per ISO weekday (1 = Monday) and hour of day, for everyone
-- ($group = 'all') or the high-value members ($group = 'high_value': the top
-- $high_value_share of the members signed up by $as_of by paid spend in the 12 months
-- ending $as_of, spenders only). Read from the member_hour rollup: a member counts once in a
-- cell, on its first day in range in that weekday and hour (prev_slot_day before $start).
with bounds as (
    select cast($as_of as date) + 1 as as_of_end
),

spend as (
    select
        members.member_key,
        coalesce(sum(orders.amount) filter (
            where orders.status = 'paid'
              and orders.paid_at >= bounds.as_of_end - interval 12 month
              and orders.paid_at < bounds.as_of_end
        ), 0) as spend
    from members
    cross join bounds
    left join orders on orders.member_key = members.member_key
    where members.signup_at < bounds.as_of_end
    group by members.member_key
),

high_value as (
    select member_key
    from (
        select
            member_key,
            spend,
            row_number() over (order by spend desc, member_key) as spend_rank,
            count(*) over () as population
        from spend
    )
    where spend > 0 and spend_rank <= ceil(population * $high_value_share)
),

final as (
    select
        isodow(member_hour.day) as weekday,
        cast(member_hour.hour as bigint) as hour,
        cast(sum(member_hour.events) as bigint) as events,
        count(*) filter (
            where member_hour.prev_slot_day is null
               or member_hour.prev_slot_day < cast($start as date)
        ) as members
    from member_hour
    where member_hour.day >= cast($start as date)
      and member_hour.day <= cast($end as date)
      and (len($regions::varchar[]) = 0 or list_contains($regions::varchar[], member_hour.region))
      and (len($devices::varchar[]) = 0 or list_contains($devices::varchar[], member_hour.device))
      and (len($tiers::varchar[]) = 0 or list_contains($tiers::varchar[], member_hour.tier))
      and (len($channels::varchar[]) = 0 or list_contains($channels::varchar[], member_hour.channel))
      and ($segment::integer is null or member_hour.member_key in (
          select segment_members.member_key from segment_members
          where segment_members.segment_id = $segment::integer
      ))
      and ($group = 'all' or member_hour.member_key in (select high_value.member_key from high_value))
    group by all
)

select * from final
order by weekday, hour
