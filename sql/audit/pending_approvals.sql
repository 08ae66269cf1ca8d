-- How many approval requests one person may decide now (the menu badge): pending, not
-- expired, of the kinds they may approve ($kinds), and not their own (nobody approves
-- their own request). Read-only: expiry is marked when the approvals page lists them.
with waiting as (
    select request_id
    from approval_requests
    where status = 'pending'
        and expires_at > $now
        and list_contains($kinds::varchar[], kind)
        and requested_by <> $actor
),

final as (
    select count(*) as pending from waiting
)

select * from final
