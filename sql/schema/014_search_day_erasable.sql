-- Schema version 14: search_day.keyword may be null, as events.keyword is once a member is
-- erased (core/privacy.py clears the free text a member typed in both); the search views
-- leave null keywords out, as they do for events.
alter table search_day alter column keyword drop not null;
