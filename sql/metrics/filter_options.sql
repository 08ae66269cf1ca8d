-- The allow-lists for the global filters: every value present in the store.
-- attribute names match the GlobalFilters fields (regions, devices, tiers, channels).
with member_values as (
    select 'regions' as attribute, region as value, null::integer as sort_key from members
    union
    select 'devices', device, null from members
    union
    select 'channels', channel, null from members
),

tier_values as (
    select 'tiers' as attribute, tier_code as value, rank as sort_key from tiers
),

final as (
    select attribute, value, sort_key
    from member_values
    where value is not null and value <> ''
    union all
    select attribute, value, sort_key
    from tier_values
)

select attribute, value
from final
order by attribute, sort_key nulls last, value
