-- Each chosen member's best contact hour (SPEC §4): the hour of day in which they were active
-- on the most distinct days over the $days days ending $as_of; ties go to the hour with more
-- events, then the earlier hour. Members without events in the window have no row.
-- $keys: member keys to compute (integer list). Read from the member_hour rollup (one row per
-- member, day and hour: the rows of an hour are its active days).
with chosen as (
    select unnest($keys::integer[]) as member_key
),

hourly as (
    select
        member_hour.member_key,
        cast(member_hour.hour as bigint) as hour_of_day,
        count(*) as active_days,
        sum(member_hour.events) as events
    from member_hour
    semi join chosen on chosen.member_key = member_hour.member_key
    where member_hour.day > cast($as_of as date) - cast($days as integer)
      and member_hour.day <= cast($as_of as date)
    group by member_hour.member_key, member_hour.hour
),

ranked as (
    select
        member_key,
        hour_of_day,
        row_number() over (
            partition by member_key order by active_days desc, events desc, hour_of_day
        ) as pick
    from hourly
),

final as (
    select member_key, hour_of_day as best_hour
    from ranked
    where pick = 1
)

select * from final
order by member_key
