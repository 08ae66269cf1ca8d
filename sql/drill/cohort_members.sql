-- Drill-down from a retention matrix cell (pages/retention.py): the members of the cohort
-- whose bucket is [$cohort_start, $cohort_end], by signup day ($by = 'signup', every member
-- in the filter scope, active or not) or first active day ($by = 'first_activity'), as
-- sql/metrics/retention_cohorts.sql sizes its cohorts (cohort_size).
select members.member_key
from members
where $by = 'signup'
  and cast(members.signup_at as date) between cast($cohort_start as date)
      and cast($cohort_end as date)
  and member_in_scope(
      members.region, members.device, members.tier, members.channel,
      members.member_key, $regions, $devices, $tiers, $channels, $segment
  )
union all
select member_day.member_key
from member_day
where $by = 'first_activity'
  and member_day.prev_day is null
  and member_day.first_day between cast($cohort_start as date) and cast($cohort_end as date)
  and member_in_scope(
      member_day.region, member_day.device, member_day.tier, member_day.channel,
      member_day.member_key, $regions, $devices, $tiers, $channels, $segment
  )
order by 1
