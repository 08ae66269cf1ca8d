-- The approved scope of a member-data export: the chosen members ($keys) with their id
-- and the personal columns named by the caller from an allow-list (selected in Python).
with chosen as (
    select unnest($keys::integer[]) as member_key
),

final as (
    select
        members.member_key,
        members.member_id,
        members.name,
        members.phone,
        members.email,
        members.address
    from members
    semi join chosen on chosen.member_key = members.member_key
    order by members.member_id
)

select * from final
