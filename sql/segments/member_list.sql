-- The member list for the chosen members ($keys) as of $as_of: attributes, tags held on the
-- latest snapshot day on or before $as_of, last active day, trailing-12-month paid spend and
-- best contact hour (the same definition as best_contact_hours.sql, 90 days).
-- Personal columns (name, phone, email, address) are masked by the caller (core/masking.py).
with bounds as (
    select cast($as_of as date) as day, cast($as_of as date) + 1 as day_end
),

chosen as (
    select unnest($keys::integer[]) as member_key
),

snapshot as (
    select max(tag_snapshot_days.day) as day
    from tag_snapshot_days
    cross join bounds
    where tag_snapshot_days.day <= bounds.day
),

held as (
    select tag_spells.member_key, list(tag_spells.tag order by tag_spells.tag) as tags
    from tag_spells
    cross join snapshot
    semi join chosen on chosen.member_key = tag_spells.member_key
    where tag_spells.joined_on <= snapshot.day
      and (tag_spells.left_on is null or tag_spells.left_on > snapshot.day)
    group by tag_spells.member_key
),

last_active as (
    select member_day.member_key, max(member_day.day) as last_active
    from member_day
    cross join bounds
    semi join chosen on chosen.member_key = member_day.member_key
    where member_day.day <= bounds.day
    group by member_day.member_key
),

spend as (
    select orders.member_key, sum(orders.amount) as spend_12m, count(*) as orders_12m
    from orders
    cross join bounds
    semi join chosen on chosen.member_key = orders.member_key
    where orders.status = 'paid'
      and orders.paid_at >= bounds.day_end - interval 12 month
      and orders.paid_at < bounds.day_end
    group by orders.member_key
),

-- from the member_hour rollup (events and orders; the rows of one hour are its active days)
hourly as (
    select
        member_hour.member_key,
        cast(member_hour.hour as bigint) as hour_of_day,
        count(*) as active_days,
        sum(member_hour.events) as events
    from member_hour
    cross join bounds
    semi join chosen on chosen.member_key = member_hour.member_key
    where member_hour.day > bounds.day - 90
      and member_hour.day <= bounds.day
    group by member_hour.member_key, member_hour.hour
),

best_hour as (
    select member_key, hour_of_day as best_hour
    from (
        select
            member_key,
            hour_of_day,
            row_number() over (
                partition by member_key order by active_days desc, events desc, hour_of_day
            ) as pick
        from hourly
    )
    where pick = 1
),

final as (
    select
        members.member_key,
        members.member_id,
        members.nickname,
        members.name,
        members.phone,
        members.email,
        members.tier,
        members.channel,
        members.region,
        members.status,
        cast(members.signup_at as date) as signup_day,
        coalesce(held.tags, []::varchar[]) as tags,
        last_active.last_active,
        coalesce(spend.spend_12m, 0) as spend_12m,
        coalesce(spend.orders_12m, 0) as orders_12m,
        best_hour.best_hour
    from members
    semi join chosen on chosen.member_key = members.member_key
    left join held on held.member_key = members.member_key
    left join last_active on last_active.member_key = members.member_key
    left join spend on spend.member_key = members.member_key
    left join best_hour on best_hour.member_key = members.member_key
)

select * from final
order by member_id
