-- Weekday × hour activity of the members in the filter scope over [$start, $end]: events
-- and distinct members per ISO weekday (1 = Monday) and hour of day, for everyone
-- ($group = 'all') or the high-value members ($group = 'high_value': the top
-- $high_value_share of the members signed up by $as_of by paid spend in the 12 months
-- ending $as_of, spenders only).
with bounds as (
    select
        cast($start as date) as start_day,
        cast($end as date) + 1 as after_day,
        cast($as_of as date) + 1 as as_of_end
),

scoped_members as (
    select member_key
    from members
    where (len($regions::varchar[]) = 0 or list_contains($regions::varchar[], region))
      and (len($devices::varchar[]) = 0 or list_contains($devices::varchar[], device))
      and (len($tiers::varchar[]) = 0 or list_contains($tiers::varchar[], tier))
      and (len($channels::varchar[]) = 0 or list_contains($channels::varchar[], channel))
      and ($segment::integer is null or member_key in (
          select segment_members.member_key from segment_members
          where segment_members.segment_id = $segment::integer
      ))
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

group_members as (
    select scoped_members.member_key
    from scoped_members
    where $group = 'all'
       or scoped_members.member_key in (select member_key from high_value)
),

final as (
    select
        isodow(events.event_time) as weekday,
        hour(events.event_time) as hour,
        count(*) as events,
        count(distinct events.member_key) as members
    from events
    semi join group_members on group_members.member_key = events.member_key
    cross join bounds
    where events.event_time >= bounds.start_day and events.event_time < bounds.after_day
    group by all
)

select * from final
order by weekday, hour
