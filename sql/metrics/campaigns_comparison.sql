-- Campaign comparison: for each campaign overlapping [$start, $end], new members (signups
-- of the members in the filter scope) during the campaign against the same-length period
-- just before it, overall and for the campaign's channel. core/metrics.py leaves the growth
-- empty when the campaign ends after $as_of or its "before" period starts before the data.
with bounds as (
    select cast($start as date) as start_day, cast($end as date) as end_day
),

scoped_members as (
    select member_key, channel, cast(signup_at as date) as signup_day
    from members
    where member_in_scope(
        region, device, tier, channel, member_key,
        $regions, $devices, $tiers, $channels, $segment
    )
),

chosen as (
    select
        campaigns.campaign_id,
        campaigns.name,
        campaigns.channel,
        campaigns.start_date,
        campaigns.end_date,
        cast(campaigns.end_date - campaigns.start_date + 1 as integer) as days,
        campaigns.start_date - cast(campaigns.end_date - campaigns.start_date + 1 as integer) as before_start
    from campaigns
    cross join bounds
    where campaigns.start_date <= bounds.end_day and campaigns.end_date >= bounds.start_day
),

final as (
    select
        chosen.campaign_id,
        chosen.name,
        chosen.channel,
        chosen.start_date,
        chosen.end_date,
        chosen.days,
        chosen.before_start,
        count(scoped_members.member_key) filter (
            where scoped_members.signup_day between chosen.start_date and chosen.end_date
        ) as signups_during,
        count(scoped_members.member_key) filter (
            where scoped_members.signup_day between chosen.before_start and chosen.start_date - 1
        ) as signups_before,
        count(scoped_members.member_key) filter (
            where scoped_members.signup_day between chosen.start_date and chosen.end_date
              and scoped_members.channel = chosen.channel
        ) as channel_signups_during,
        count(scoped_members.member_key) filter (
            where scoped_members.signup_day between chosen.before_start and chosen.start_date - 1
              and scoped_members.channel = chosen.channel
        ) as channel_signups_before
    from chosen
    left join scoped_members
        on scoped_members.signup_day between chosen.before_start and chosen.end_date
    group by all
)

select * from final
order by start_date, campaign_id
