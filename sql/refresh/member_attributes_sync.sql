-- Copies the members' current attributes onto the rows of a rollup table where they differ
-- (after tier recomputes, profile edits, overrides and member imports). $member_keys limits
-- the members looked at (null = everyone). `rollup_table` is replaced by core/rollups.py with
-- the name of each registered rollup that carries member attributes (a fixed allow-list).
update rollup_table
set
    signup_day = cast(members.signup_at as date),
    region = members.region,
    device = members.device,
    tier = members.tier,
    channel = members.channel
from members
where members.member_key = rollup_table.member_key
  and ($member_keys::integer[] is null or list_contains($member_keys::integer[], members.member_key))
  and (
      rollup_table.signup_day is distinct from cast(members.signup_at as date)
      or rollup_table.region is distinct from members.region
      or rollup_table.device is distinct from members.device
      or rollup_table.tier is distinct from members.tier
      or rollup_table.channel is distinct from members.channel
  )
