-- The audit log for the admin page, newest first. Every filter is optional (null: all);
-- $start (inclusive) and $end (exclusive) are UTC times: the bounds of the chosen days in the
-- business time zone (core/audit.audit_rows).
with filtered as (
    select
        audit_id,
        logged_at,
        actor,
        role,
        action,
        target,
        reason,
        before_json,
        after_json,
        row_hash
    from audit_log
    where ($start is null or logged_at >= cast($start as timestamp))
        and ($end is null or logged_at < cast($end as timestamp))
        and ($actor is null or actor = $actor)
        and ($action_prefix is null or starts_with(action, $action_prefix))
        and ($target is null or target = $target)
),

final as (
    select * from filtered
    order by audit_id desc
    limit $row_limit
)

select * from final
