-- Schema version 11: the global member filter as one definition. Every metric query keeps
-- a row when the member it is about is in the filter scope: the member's region, device,
-- tier and channel are in the chosen lists (an empty list means all) and, when a saved
-- segment is chosen, the member is one of its materialised members. Called on the rollup
-- tables' attribute columns (member_day, paid_orders, ...) or on members itself:
--   where member_in_scope(t.region, t.device, t.tier, t.channel, t.member_key,
--       $regions, $devices, $tiers, $channels, $segment)
-- A macro expands at bind time, so the optimizer sees the same predicate as written inline.
create or replace macro member_in_scope(
    region, device, tier, channel, member_key, regions, devices, tiers, channels, segment
) as
    (len(cast(regions as varchar[])) = 0 or list_contains(cast(regions as varchar[]), region))
    and (len(cast(devices as varchar[])) = 0 or list_contains(cast(devices as varchar[]), device))
    and (len(cast(tiers as varchar[])) = 0 or list_contains(cast(tiers as varchar[]), tier))
    and (
        len(cast(channels as varchar[])) = 0
        or list_contains(cast(channels as varchar[]), channel)
    )
    and (
        cast(segment as integer) is null
        or member_key in (
            select segment_members.member_key from segment_members
            where segment_members.segment_id = cast(segment as integer)
        )
    );
