-- Schema version 6: the members of every saved segment, materialised as of the store's
-- as-of date (the last day with events), so the global segment filter is one semi-join in
-- every metric query: `member_key in (select member_key from segment_members where
-- segment_id = $segment)`. Rebuilt for every segment by each refresh and for one segment
-- whenever it is saved, edited or deleted (in the same transaction as the change).
create table segment_members (
    segment_id integer not null,
    member_key integer not null,
    primary key (segment_id, member_key)
);

-- One row per segment whose members were built, with the day they are as of. A saved
-- segment without a row here (saved before this table existed) is built on first use.
create table segment_builds (
    segment_id integer primary key,
    as_of date,
    members integer not null,
    built_at timestamp not null
);
