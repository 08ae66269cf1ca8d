-- Drill-down from a channel's bar (pages/channels.py): the members in the filter scope who
-- signed up in [$start, $end] through channel $value ('' = no channel). The same members as
-- the channel table's ``signups`` (sql/metrics/channels_summary.sql, member_facts rollup).
select facts.member_key
from member_facts as facts
where facts.signup_day between cast($start as date) and cast($end as date)
  and coalesce(facts.channel, '') = $value
  and member_in_scope(
      facts.region, facts.device, facts.tier, facts.channel,
      facts.member_key, $regions, $devices, $tiers, $channels, $segment
  )
order by facts.member_key
