-- Approval requests one person may see, newest first: their own, and those of the kinds
-- they may approve ($kinds). $status null: every status.
with visible as (
    select
        request_id,
        kind,
        status,
        summary,
        reason,
        requested_by,
        requested_role,
        requested_at,
        expires_at,
        decided_by,
        decided_at,
        decision_note,
        executed_by,
        executed_at,
        result
    from approval_requests
    where (requested_by = $actor or list_contains($kinds::varchar[], kind))
        and ($status is null or status = $status)
),

final as (
    select * from visible
    order by request_id desc
)

select * from final
