-- Drill-down from a weekday × hour cell of the heatmap (pages/hours.py, everyone): the
-- members in the filter scope active in [$start, $end] on ISO weekday $weekday (1 = Monday)
-- in hour $hour, from the member_hour rollup as sql/metrics/hours_heatmap.sql counts them
-- (``members``: each member once per cell).
select distinct member_hour.member_key
from member_hour
where member_hour.day >= cast($start as date)
  and member_hour.day <= cast($end as date)
  and isodow(member_hour.day) = $weekday
  and member_hour.hour = $hour
  and member_in_scope(
      member_hour.region, member_hour.device, member_hour.tier, member_hour.channel,
      member_hour.member_key, $regions, $devices, $tiers, $channels, $segment
  )
order by member_hour.member_key
