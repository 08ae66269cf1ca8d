-- Every tag spell of one member: when each tag was gained and lost (left_on null: held).
select tag, joined_on, left_on
from tag_spells
where member_key = $member_key
order by joined_on, tag
