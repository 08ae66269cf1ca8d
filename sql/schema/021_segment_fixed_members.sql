-- Schema version 21: a segment saved from a drill-down list (a click on a chart, issue
-- 14.7) is a fixed set of members, one row each here; its attribute filters and tag
-- conditions are empty. A segment without rows here is defined by its conditions alone.
create table segment_fixed_members (
    segment_id integer not null,
    member_key integer not null,
    primary key (segment_id, member_key)
);
