"""Member 360 (会员360): one member's attributes (masked by role), tier and its history, tags
now and over time, orders, activity timeline, best contact hour and, once the churn model
provides member scores, churn risk."""

import altair as alt
import streamlit as st

from core import charts, segments, ui
from core.permissions import Capability

ctx = ui.page_guard("member_profile")
filters, as_of = ui.sidebar_filters(ctx)

st.title(ctx.t("profile.title"))
if as_of is None:
    st.info(ctx.t("overview.no_data"))
    st.stop()

member_id = st.query_params.get("member", "")
search_label = "profile.search" if ctx.can(Capability.LOOK_UP_MEMBERS) else "profile.search_id"
text = st.text_input(ctx.t(search_label), value=member_id, max_chars=100)
found = segments.find_member(ctx.store, text, ctx.role)
if text and found.empty:
    st.warning(ctx.t("profile.not_found"))
if found.empty:
    st.stop()
ids = found["member_id"].tolist()
member_id = st.selectbox(ctx.t("profile.pick"), ids) if len(ids) > 1 else ids[0]
st.query_params["member"] = member_id
member = ui.attempt(
    ctx,
    segments.member_360,
    ctx.store,
    ctx.role,
    segments.member_key_of(ctx.store, member_id),
    as_of,
    actor=ctx.account.username,
)
if member is None:
    st.stop()

left, right = st.columns([2, 1])
with left:
    st.subheader(ctx.t("profile.attributes"))
    st.dataframe(ui.attribute_rows(ctx, member.attributes), hide_index=True, width="stretch")
with right:
    hour = ctx.t("alerts.no_hour") if member.best_hour is None else f"{member.best_hour:02d}:00"
    st.metric(ctx.t("profile.best_hour"), hour, border=True)
    st.caption(ctx.t("profile.best_hour_note"))
    st.subheader(ctx.t("profile.tags_now"))
    if member.tags:
        st.markdown(" · ".join(ctx.label("tag", tag) for tag in member.tags))
    else:
        st.caption(ctx.t("profile.no_tags"))
    st.subheader(ctx.t("profile.churn"))
    try:
        from core import churn
    except ImportError:
        churn = None
    scores = getattr(churn, "member_scores", None) if churn is not None else None
    if scores is None:
        st.caption(ctx.t("profile.churn_unavailable"))
    else:
        score = scores(ctx.store, member.member_key, as_of, ui.cached_churn_window(ctx, as_of).days)
        if score is None:
            st.caption(ctx.t("profile.churn_unavailable"))
        else:
            st.write(
                ctx.t(
                    "profile.churn_value",
                    p=ctx.percent(score["churn_probability"]),
                    days=score["churn_window_days"],
                    action=ctx.label("action", score["action"]) or "—",
                )
            )

st.subheader(ctx.t("profile.tier"))
TIERS = {"from_tier": "tier", "to_tier": "tier"}
ui.table(ctx, member.tier_history, TIERS)
st.subheader(ctx.t("profile.tag_history"))
history = ui.labelled(ctx, member.tag_history, {"tag": "tag"})
ui.table(ctx, history, hide_index=True, width="stretch", placeholder="")
st.subheader(ctx.t("profile.timeline"))
if not member.timeline.empty:
    ui.chart(
        ctx,
        alt.Chart(member.timeline)
        .mark_bar()
        .encode(
            x=alt.X("day:T", title=ctx.t("chart.day"), axis=charts.date_axis(ctx.lang)),
            y=alt.Y("activity:Q", title=ctx.t("chart.activity")),
            tooltip=[
                charts.date_tooltip("day:T", ctx.t("chart.day"), ctx.lang),
                *(
                    alt.Tooltip(f"{name}:Q", title=ui.header(ctx, name))
                    for name in ("events", "page_views", "add_to_carts", "orders_paid", "orders")
                ),
            ],
        ),  # fmt: skip
        width="stretch",
    )
st.subheader(ctx.t("profile.orders"))
ui.table(ctx, member.orders, hide_index=True, width="stretch", placeholder="")
