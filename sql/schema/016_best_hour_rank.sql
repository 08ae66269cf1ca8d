-- Schema version 16: the best contact hour rule as one definition. A member's best hour is
-- the hour of day with the most active days, then the most events, then the earlier hour:
-- arg_max(hour, best_hour_rank(active_days, events, hour)) over the member's hours (90 days
-- ending the as-of date). sql/segments/best_contact_hours.sql orders by the same three keys.
create or replace macro best_hour_rank(active_days, events, hour) as
    cast(active_days as bigint) * 1000000000000
    + cast(events as bigint) * 100
    + (23 - cast(hour as bigint));
