-- Dwell time per page (页面停留时长; read from `path_steps`, sql/metrics/path_steps.sql, where
-- dwell_s is defined), optionally per $group ('none', 'tier', 'channel', 'device'). Every
-- page_view naming a page is a view, repeats included; the quantiles and mean are over the
-- views that have a dwell (timed_views), the quantiles interpolated (quantile_cont).
with views as (
    select
        coalesce(case $group
            when 'tier' then tier
            when 'channel' then channel
            when 'device' then device
            else 'all'
        end, '') as grp,
        step as page,
        member_key,
        dwell_s
    from path_steps
    where is_page
),

final as (
    select
        grp as "group",
        page,
        count(*) as views,
        count(distinct member_key) as members,
        count(dwell_s) as timed_views,
        quantile_cont(dwell_s, 0.5) as median_s,
        quantile_cont(dwell_s, 0.9) as p90_s,
        avg(dwell_s) as mean_s
    from views
    group by grp, page
)

select * from final
