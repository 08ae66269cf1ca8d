-- Drill-down from a tier's bar on a snapshot day (pages/tiers.py, members per tier over
-- time): the members in the filter scope holding tier $value at the end of day $day. The
-- same spans as sql/metrics/tiers_over_time.sql: started on or before the day, ended after.
select distinct tier_spans.member_key
from tier_spans
where tier_spans.to_tier = $value
  and cast(tier_spans.valid_from as date) <= cast($day as date)
  and (tier_spans.valid_to is null or cast(tier_spans.valid_to as date) > cast($day as date))
  and member_in_scope(
      tier_spans.region, tier_spans.device, tier_spans.tier, tier_spans.channel,
      tier_spans.member_key, $regions, $devices, $tiers, $channels, $segment
  )
order by tier_spans.member_key
