-- Dwell time per page (页面停留时长; read from `path_steps`, sql/metrics/path_steps.sql, where
-- dwell_s is defined), optionally per $group ('none', 'tier', 'channel', 'device',
-- 'segment': the saved segments' names). Every
-- page_view naming a page is a view, repeats included; the quantiles and mean are over the
-- views that have a dwell (timed_views), the quantiles interpolated (quantile_cont).
with views as (
    select
        coalesce(case $group
            when 'tier' then path_steps.tier
            when 'channel' then path_steps.channel
            when 'device' then path_steps.device
            when 'segment' then saved_segments.name
            else 'all'
        end, '') as grp,
        path_steps.step as page,
        path_steps.member_key,
        path_steps.dwell_s
    from path_steps
    -- per segment: a view counts in every saved segment its member belongs to, and a
    -- member in none is left out (the join matches nothing for the other groups)
    left join segment_members
        on $group = 'segment'
        and segment_members.member_key = path_steps.member_key
    left join saved_segments on saved_segments.segment_id = segment_members.segment_id
    where path_steps.is_page
      and ($group <> 'segment' or saved_segments.name is not null)
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
