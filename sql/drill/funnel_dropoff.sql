-- Drill-down from a funnel step's bar (pages/funnel.py, per member, not split): the members
-- in the filter scope who reached step $step (1 page_view … 4 order_paid) over [$start,
-- $end] and not step $step + 1 (step 4: who paid). The members of the member funnel of
-- sql/metrics/funnel_steps.sql: one member chain of the funnel_day rollup, the reach of its
-- first day in the range.
with chains as (
    select
        funnel_day.member_key,
        [
            funnel_day.reach_1 < cast($end as date) + 1,
            coalesce(funnel_day.reach_2 < cast($end as date) + 1, false),
            coalesce(funnel_day.reach_3 < cast($end as date) + 1, false),
            coalesce(funnel_day.reach_4 < cast($end as date) + 1, false),
            false
        ] as reached
    from funnel_day
    where funnel_day.chain = 'member'
      and funnel_day.day >= cast($start as date)
      and funnel_day.day < cast($end as date) + 1
      and (funnel_day.prev_day is null or funnel_day.prev_day < cast($start as date))
      and funnel_day.reach_1 < cast($end as date) + 1
      and not funnel_day.shared
      and member_in_scope(
          funnel_day.region, funnel_day.device, funnel_day.tier, funnel_day.channel,
          funnel_day.member_key, $regions, $devices, $tiers, $channels, $segment
      )
)

select member_key
from chains
where reached[$step] and not reached[$step + 1]
order by member_key
