"""Builds of the member × active week and member × active month rollups (``member_week``,
``member_month``; sql/schema/009_period_rollups.sql), registered in
:data:`core.rollups.ROLLUPS` after ``member_day``, which they are built from.

The weekly and monthly retention matrix and lifecycle read them (SPEC §9): one row per member
and active period with the member's previous and next active period, so counting members per
period needs no distinct and no test of "first active day in the period".

``build_*(cur, since)`` rebuilds every row of the members with an active day on or after
``since`` (all rows when None): a new day can change such a member's rows before ``since``
too (the next active period of its last period before), and no other member's rows change.
``tests/test_period_rollups.py`` checks the tables against their definition from events.
"""

from __future__ import annotations

from datetime import date

import duckdb

from core.sqlfiles import sql_text

PERIOD_TABLES = {"member_week": "week", "member_month": "month"}


def build_member_week(cur: duckdb.DuckDBPyConnection, since: date | None) -> None:
    _rebuild(cur, "member_week", since)


def build_member_month(cur: duckdb.DuckDBPyConnection, since: date | None) -> None:
    _rebuild(cur, "member_month", since)


def _rebuild(cur: duckdb.DuckDBPyConnection, table: str, since: date | None) -> None:
    unit = PERIOD_TABLES[table]  # a fixed allow-list of table names, never user text
    if since is None:
        cur.execute(f"delete from {table}")  # noqa: S608
    else:
        cur.execute(
            f"delete from {table} where member_key in "  # noqa: S608
            "(select member_key from member_day where day >= $since)",
            {"since": since},
        )
    cur.execute(
        f"insert into {table} " + sql_text("refresh/member_period"),  # noqa: S608
        {"unit": unit, "since": since},
    )
