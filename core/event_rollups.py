"""Builds of the rollups that replace the raw events in the funnel, time-of-day and search
views (SPEC §9, issue 8), registered in :data:`core.rollups.ROLLUPS`:

``funnel_day``
    one row per funnel chain (a member, a member on one device, or a session) and day with
    funnel events: the day's map from steps reached before the day to steps reached at its
    end, the chain's previous day, and the day each step is reached when the chain starts
    on that day (``sql/refresh/funnel_day_steps.sql``, ``sql/refresh/funnel_day.sql``);
``member_hour``
    events per member, day and hour of day, with the member's previous day active in the
    same weekday and hour (``sql/refresh/member_hour.sql``);
``search_day``
    searches per member, day and keyword, with the member's previous day searching the
    keyword (``sql/refresh/search_day.sql``).

Each ``build_*(cur, since)`` rebuilds the rows of the days on or after ``since`` (all rows
when None); a funnel chain with new days is rebuilt whole from its stored day maps.
``tests/test_event_rollups.py`` checks the tables and every view against raw events.
"""

from __future__ import annotations

from datetime import date

import duckdb

from core.sqlfiles import sql_text


def build_funnel_day(cur: duckdb.DuckDBPyConnection, since: date | None) -> None:
    cur.execute(
        "create or replace temp table funnel_day_steps as " + sql_text("refresh/funnel_day_steps"),
        {"since": since},
    )
    if since is None:
        cur.execute("delete from funnel_day")
    else:
        cur.execute(
            "insert into funnel_day_steps " + sql_text("refresh/funnel_day_reopen"),
            {"since": since},
        )
        cur.execute(sql_text("refresh/funnel_day_clear"), {"since": since})
    cur.execute("insert into funnel_day " + sql_text("refresh/funnel_day"))
    cur.execute("drop table funnel_day_steps")


def build_member_hour(cur: duckdb.DuckDBPyConnection, since: date | None) -> None:
    _rebuild_days(cur, "member_hour", since)


def build_search_day(cur: duckdb.DuckDBPyConnection, since: date | None) -> None:
    _rebuild_days(cur, "search_day", since)


def _rebuild_days(cur: duckdb.DuckDBPyConnection, table: str, since: date | None) -> None:
    # table is one of the two names above (a fixed allow-list), never user text
    if since is None:
        cur.execute(f"delete from {table}")  # noqa: S608
    else:
        cur.execute(f"delete from {table} where day >= $since", {"since": since})  # noqa: S608
    cur.execute(f"insert into {table} " + sql_text(f"refresh/{table}"), {"since": since})  # noqa: S608
