-- The members an alert affects: in the alert's group, active on some day of the baseline
-- week [$baseline_start, $baseline_end] and on no day of the decline [$run_start, $run_end].
-- Group membership: the alert_group_members macro (sql/schema/013_alert_group_macro.sql).
with chosen as (
    select distinct member_key
    from alert_group_members($kind, $value, $keys, $run_end)
),

final as (
    select chosen.member_key
    from chosen
    where exists (
        select 1 from member_day
        where member_day.member_key = chosen.member_key
          and member_day.day between cast($baseline_start as date) and cast($baseline_end as date)
    )
      and not exists (
          select 1 from member_day
          where member_day.member_key = chosen.member_key
            and member_day.day between cast($run_start as date) and cast($run_end as date)
      )
)

select * from final
order by member_key
