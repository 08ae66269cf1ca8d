-- The spans of tier_history (sql/schema/015_tier_spans.sql): each change holds its to_tier
-- until the member's next change; with the member's current attributes, in start order.
select
    tier_history.member_key,
    tier_history.to_tier,
    tier_history.changed_at as valid_from,
    lead(tier_history.changed_at) over (
        partition by tier_history.member_key order by tier_history.changed_at
    ) as valid_to,
    cast(members.signup_at as date) as signup_day,
    members.region,
    members.device,
    members.tier,
    members.channel
from tier_history
left join members on members.member_key = tier_history.member_key
order by valid_from, tier_history.member_key
