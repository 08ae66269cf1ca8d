"""core/samples.py: small samples are left out of best/worst call-outs.

Hand-worked: channels a (40 members, 50%), b (29, 90%), c (30, 20%), d (100, unknown rate).
b has the highest rate but only 29 members, so the best is a (50%) and the worst c (20%);
d has no rate. With only a and b, one group is large enough: no call-out.
"""

import pandas as pd

from core import samples

FRAME = pd.DataFrame(
    {
        "channel": ["a", "b", "c", "d"],
        "members": [40, 29, 30, 100],
        "d30": [0.5, 0.9, 0.2, None],
    }
)


def test_best_and_worst_leave_out_groups_under_thirty():
    found = samples.best_and_worst(FRAME, "d30", "members")
    assert (found.best["channel"], found.worst["channel"]) == ("a", "c")


def test_no_call_out_with_fewer_than_two_large_groups():
    assert samples.best_and_worst(FRAME.iloc[:2], "d30", "members") is None


def test_large_enough_is_thirty_or_more():
    assert samples.large_enough(FRAME, "members").tolist() == [True, False, True, True]
