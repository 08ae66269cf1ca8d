-- The gaps between consecutive active days (an event or a paid order, member_day) that are
-- complete by $as_of: the churn window rule (core/churn_window.py) takes a high percentile of
-- them. One row: the number of gaps and their 90th percentile in days (null without gaps).
-- next_day is member_day's chain column (the member's next active day, or null).
with gaps as (
    select next_day - day as gap_days
    from member_day
    where next_day is not null
      and next_day <= cast($as_of as date)
),

final as (
    select
        count(*) as gaps,
        quantile_cont(gap_days, cast($percentile as double)) as percentile_days
    from gaps
)

select * from final
