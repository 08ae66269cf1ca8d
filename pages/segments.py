"""Tags and segments: tag sizes over time, who joined or left on a day, the thresholds, the
saved-segment editor (all / any / none of tags) and one segment against everyone."""

import altair as alt
import pandas as pd
import streamlit as st

from core import charts, segments, ui
from core.filters import AS_OF_PARAM, GlobalFilters
from core.permissions import Capability

ctx = ui.page_guard("segments")
filters, as_of = ui.sidebar_filters(ctx)

st.title(ctx.t("segments.title"))
if as_of is None:
    st.info(ctx.t("overview.no_data"))
    st.stop()
snapshot = segments.latest_snapshot(ctx.store, as_of)
if snapshot is None:
    st.info(ctx.t("segments.no_snapshot"))
    st.stop()


tag_name = ctx.labeller("tag")


period = filters.period(as_of)
tab_tags, tab_segments = st.tabs([ctx.t("segments.sizes"), ctx.t("segments.editor")])

with tab_tags:
    counts = ui.cached_segments(ctx, "tag_counts", as_of, filters)
    per_row = 4  # a tag name such as 高价值流失风险 fits a card four to a row at 1440 px
    for offset in range(0, len(counts), per_row):
        row = counts.iloc[offset : offset + per_row].itertuples(index=False)
        for column, (tag, members) in zip(st.columns(per_row), row, strict=False):
            column.metric(tag_name(tag), ctx.count_card(members), border=True)
    sizes = ui.cached_segments(ctx, "tag_sizes", period.start, period.end)
    sizes["tag_name"] = [tag_name(tag) for tag in sizes["tag"]]
    # a point opens the tag's members on that day (the member list's tag source): the chart
    # counts every member, so the link carries no other filter
    ui.drill_chart(
        ctx,
        alt.Chart(sizes.assign(day_key=pd.to_datetime(sizes["day"]).dt.strftime("%Y-%m-%d")))
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title=ctx.t("chart.day"), axis=charts.date_axis(ctx.lang)),
            y=alt.Y("members:Q", title=ctx.t("chart.members")),
            color=alt.Color("tag_name:N", title=ctx.t("segments.tag")),
            tooltip=[
                alt.Tooltip("tag_name:N", title=ctx.t("segments.tag")),
                charts.date_tooltip("day:T", ctx.t("chart.day"), ctx.lang),
                alt.Tooltip("members:Q", title=ctx.t("chart.members"), format=","),
            ],
        ),
        key="drill_tag_sizes",
        fields=["tag", "day_key"],
        target=lambda point: {"tag": point["tag"], AS_OF_PARAM: point["day_key"]},
        filters=GlobalFilters(),
        width="stretch",
    )
    st.caption(ctx.t("segments.snapshot_note", days=segments.SNAPSHOT_BACKFILL_DAYS))
    ui.table_behind(ctx, sizes[["day", "tag", "members"]], "tag_sizes", {"tag": "tag"})

    st.subheader(ctx.t("segments.changes"))
    days = [d for d in segments.snapshot_days(ctx.store) if d <= as_of]
    left, right = st.columns(2)
    tag = left.selectbox(ctx.t("segments.tag"), segments.TAGS, format_func=tag_name)
    day = right.selectbox(ctx.t("segments.day"), list(reversed(days)))
    changes = segments.tag_changes(ctx.store, tag, day)
    joined = changes[changes["change"] == "joined"]["member_id"].tolist()
    left_ = changes[changes["change"] == "left"]["member_id"].tolist()
    a, b = st.columns(2)
    a.markdown(f"**{ctx.t('segments.joined', n=ctx.int(len(joined)))}**")
    a.dataframe({ctx.t("col.member_id"): joined[:1000]}, hide_index=True)
    b.markdown(f"**{ctx.t('segments.left', n=ctx.int(len(left_)))}**")
    b.dataframe({ctx.t("col.member_id"): left_[:1000]}, hide_index=True)
    if ctx.can(Capability.VIEW_MEMBER_LIST):
        st.page_link(
            "pages/member_list.py",
            label=ctx.t("segments.open_list"),
            icon=":material/list_alt:",
            query_params={"tag": tag, **filters.to_query_params()},
        )

    if ctx.can(Capability.MANAGE_TAGS):
        with st.expander(ctx.t("segments.thresholds")):
            st.caption(ctx.t("segments.thresholds_note"))
            thresholds = segments.tag_thresholds(ctx.store)
            with st.form("ml_thresholds"):
                values = {}
                for name, params in segments.TAG_PARAMS.items():
                    st.markdown(f"**{tag_name(name)}**")
                    cols = st.columns(len(params))
                    for col, (param, (_, low, high, whole)) in zip(
                        cols, params.items(), strict=True
                    ):
                        current = thresholds[name][param]
                        values[(name, param)] = col.number_input(
                            ctx.t(f"param.{param}"),
                            min_value=int(low) if whole else float(low),
                            max_value=int(high) if whole else float(high),
                            value=int(current) if whole else float(current),
                            key=f"ml_thr_{name}_{param}",
                        )
                if st.form_submit_button(ctx.t("segments.save_threshold")):
                    try:
                        for (name, param), value in values.items():
                            if value != thresholds[name][param]:
                                segments.set_tag_threshold(
                                    ctx.store, ctx.role, ctx.account.username, name, param, value
                                )
                    except segments.SegmentError as exc:
                        st.error(ctx.t_md(exc.code, **exc.values))
                    else:
                        ui.saved(ctx.t("segments.threshold_saved"))

with tab_segments:
    saved = {str(s.segment_id): s for s in segments.list_segments(ctx.store)}
    # the segment shown is the global segment filter (``?segment=``, checked by the sidebar)
    wanted = "" if filters.segment is None else str(filters.segment)
    options = ["", *saved]
    chosen = st.selectbox(
        ctx.t("segments.pick"),
        options,
        index=options.index(wanted) if wanted in options else 0,
        format_func=lambda sid: saved[sid].name if sid else ctx.t("segments.new"),
    )
    if chosen != wanted:
        if chosen:
            st.query_params["segment"] = chosen
        elif "segment" in st.query_params:
            del st.query_params["segment"]
        st.rerun()
    current = saved.get(chosen)
    st.caption(ctx.t("segments.editor_note"))
    base = current.definition if current else segments.SegmentDefinition()
    name = st.text_input(ctx.t("segments.name"), value=current.name if current else "")
    all_tags = st.multiselect(
        ctx.t("segments.all_tags"), segments.TAGS, default=list(base.all_tags), format_func=tag_name
    )
    any_tags = st.multiselect(
        ctx.t("segments.any_tags"), segments.TAGS, default=list(base.any_tags), format_func=tag_name
    )
    none_tags = st.multiselect(
        ctx.t("segments.none_tags"),
        segments.TAGS,
        default=list(base.none_tags),
        format_func=tag_name,
    )
    # a saved segment keeps its own attribute filters; a new one takes the sidebar's
    attributes = base if current else segments.SegmentDefinition.from_filters(filters)
    definition = segments.SegmentDefinition(
        regions=attributes.regions,
        devices=attributes.devices,
        tiers=attributes.tiers,
        channels=attributes.channels,
        all_tags=tuple(all_tags),
        any_tags=tuple(any_tags),
        none_tags=tuple(none_tags),
        members=base.members,  # a list saved from a drill-down keeps its members
    )
    if base.members:
        st.caption(ctx.t("drill.fixed_segment", n=ctx.int(len(base.members))))
    if ctx.can(Capability.SAVE_SEGMENTS):
        save, delete = st.columns(2)
        if save.button(ctx.t("segments.save"), type="primary"):
            try:
                new_id = segments.save_segment(
                    ctx.store, ctx.role, ctx.account.username, name, definition,
                    int(chosen) if chosen else None,
                )  # fmt: skip
            except segments.SegmentError as exc:
                st.error(ctx.t_md(exc.code, **exc.values))
            else:
                st.query_params["segment"] = str(new_id)
                st.success(ctx.t("segments.saved"))
                st.rerun()
        if current and delete.button(ctx.t("segments.delete")):
            try:
                segments.delete_segment(ctx.store, ctx.role, ctx.account.username, int(chosen))
            except segments.SegmentError as exc:
                st.error(ctx.t_md(exc.code, **exc.values))
            else:
                del st.query_params["segment"]
                st.rerun()
    else:
        st.caption(ctx.t("segments.readonly"))

    try:
        keys = ui.cached_segments(ctx, "segment_member_keys", definition, as_of)
    except segments.SegmentError as exc:
        st.error(ctx.t_md(exc.code, **exc.values))
        st.stop()
    st.subheader(ctx.t_md("segments.detail", name=name or ctx.t("segments.new")))
    st.metric(ctx.t("segments.size_now"), ctx.int(len(keys)), border=True)
    sizes = ui.cached_segments(ctx, "segment_sizes", definition, period.start, period.end)
    st.markdown(f"**{ctx.t('segments.size_over_time')}**")
    ui.chart(
        ctx,
        alt.Chart(sizes)
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title=ctx.t("chart.day"), axis=charts.date_axis(ctx.lang)),
            y=alt.Y("members:Q", title=ctx.t("chart.members")),
        ),
        width="stretch",
    )
    st.markdown(f"**{ctx.t('segments.vs_everyone')}**")
    kpis = ui.cached_segments(ctx, "segment_kpis", keys, as_of).set_index("grp")
    for grp in ("segment", "everyone"):
        row = kpis.loc[grp]
        cols = st.columns(4)
        cols[0].metric(f"{ctx.t(f'segments.group.{grp}')} · {ctx.t('segments.kpi.members')}",
                       ctx.count_card(row["members"]))  # fmt: skip
        cols[1].metric(ctx.t("segments.kpi.active_share"), ctx.percent(row["active_share"]))
        cols[2].metric(
            ctx.t("segments.kpi.revenue_per_member"), ctx.money_card(row["revenue_per_member"])
        )
        cols[3].metric(ctx.t("segments.kpi.retention_30d"), ctx.percent(row["retention_30d"]))
    st.caption(ctx.t("segments.retention_note"))
    mix = ui.cached_segments(ctx, "segment_tier_mix", keys, as_of)
    mix["tier"] = mix["tier_code"].map(ctx.labeller("tier"))
    mix["group"] = [ctx.t(f"segments.group.{g}") for g in mix["grp"]]
    st.markdown(f"**{ctx.t('segments.tier_mix')}**")
    ui.chart(
        ctx,
        alt.Chart(mix)
        .mark_bar()
        .encode(
            x=alt.X("share:Q", title=ctx.t("chart.share"), axis=alt.Axis(format="%")),
            y=alt.Y("group:N", title=None),
            color=alt.Color(
                "tier:N",
                title=ctx.t("chart.tier"),
                sort=mix["tier"].unique().tolist(),
                scale=charts.tier_scale_of(mix),
            ),
            tooltip=[
                alt.Tooltip("group:N", title=ctx.t("chart.group")),
                alt.Tooltip("tier:N", title=ctx.t("chart.tier")),
                alt.Tooltip("members:Q", title=ctx.t("chart.members"), format=","),
                alt.Tooltip("share:Q", title=ui.header(ctx, "share"), format=".1%"),
            ],
        ),
        width="stretch",
    )
    if chosen:
        st.caption(ctx.t("segments.share_link"))
        st.code(f"/segments?segment={chosen}", language=None)
        if ctx.can(Capability.VIEW_MEMBER_LIST):
            st.page_link(
                "pages/member_list.py",
                label=ctx.t("segments.open_list"),
                icon=":material/list_alt:",
                query_params={"segment": chosen},
            )
