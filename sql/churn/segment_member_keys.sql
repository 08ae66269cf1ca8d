-- Members of one saved segment, as materialised by refresh or by saving the segment.
select member_key from segment_members where segment_id = $segment_id
