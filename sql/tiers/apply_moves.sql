-- Apply the tier moves computed into _tier_moves: the history row first, then the member.
insert into tier_history (member_key, from_tier, to_tier, changed_at, reason, actor, note)
select
    member_key,
    current_tier,
    new_tier,
    $as_of,
    case when is_override then 'manual_override' else 'rule_recompute' end,
    $actor,
    $note
from _tier_moves
