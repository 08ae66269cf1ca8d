-- Tier codes with their display names, in rank order.
select tier_code, name_zh, name_en, rank
from tiers
order by rank
