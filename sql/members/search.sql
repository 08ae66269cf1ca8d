-- Members matching what was typed ($text): the exact member id, phone or e-mail (so a
-- partial number cannot list strangers), or a part of the nickname. At most $row_limit.
with typed as (
    select trim($text) as text, lower(trim($text)) as lowered
),

matched as (
    select
        members.member_key,
        members.member_id,
        members.nickname,
        members.name,
        members.phone,
        members.email,
        members.status,
        members.tier,
        members.tier_override,
        members.signup_at,
        case
            when members.member_id = typed.text then 0
            when members.phone = typed.text then 1
            when lower(members.email) = typed.lowered then 2
            else 3
        end as match_rank
    from members
    cross join typed
    where members.member_id = typed.text
        or members.phone = typed.text
        or lower(members.email) = typed.lowered
        or (length(typed.text) >= 2 and contains(lower(members.nickname), typed.lowered))
),

final as (
    select * exclude (match_rank)
    from matched
    order by match_rank, member_id
    limit $row_limit
)

select * from final
