-- Schema version 17: each member's hours of day over the 90 days ending as_of, for the
-- members in the filter scope, with the best-hour ranking key (best_hour_rank): one
-- definition for the best contact hour per member (sql/metrics/hours_best_contact.sql) and
-- its distribution over hours (sql/metrics/hours_best_distribution.sql). Read from the
-- member_hour rollup: the rows of one member and hour are its active days in that hour.
create or replace macro member_hours_ranked(as_of, regions, devices, tiers, channels, segment)
as table
select
    member_hour.member_key,
    cast(member_hour.hour as bigint) as hour,
    count(*) as active_days,
    cast(sum(member_hour.events) as bigint) as events,
    best_hour_rank(count(*), sum(member_hour.events), member_hour.hour) as rank_key
from member_hour
where member_hour.day >= cast(as_of as date) - 89
  and member_hour.day <= cast(as_of as date)
  and member_in_scope(
      member_hour.region, member_hour.device, member_hour.tier, member_hour.channel,
      member_hour.member_key, regions, devices, tiers, channels, segment
  )
group by member_hour.member_key, member_hour.hour;
