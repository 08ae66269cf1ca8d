"""Paths (点击路径): where sessions go from step to step — the transition matrix, loops
(A → B → A), a Sankey after or before a chosen step, what changed against the comparison
period — and the dwell time per page (页面停留时长)."""

import streamlit as st

from core import charts, paths, ui

CHANGES_SHOWN = 10
LOOPS_SHOWN = 10
MATRIX_STEPS = 8
CHANGE_MIN_TRANSITIONS = 5
REPEATS = {"collapse": "paths.repeats.collapse", "keep": "paths.repeats.keep"}
DIRECTIONS = {"after": "paths.direction.after", "before": "paths.direction.before"}
SANKEY_NOTES = {"after": "paths.sankey_note.after", "before": "paths.sankey_note.before"}

ctx = ui.page_guard("paths")
filters, as_of = ui.sidebar_filters(ctx)

st.title(ctx.t("paths.title"))
if as_of is None:
    st.info(ctx.t("analytics.no_data"))
    st.stop()
period = filters.period(as_of)
st.caption(ctx.t("analytics.period", start=period.start, end=period.end, as_of=as_of))
shape = ui.cached_view(ctx, "path_shape", filters, as_of)
if shape.note is not None:
    st.info(ctx.t(shape.note), icon=":material/info:")
    st.stop()
st.caption(ctx.t("paths.rules", minutes=paths.SESSION_GAP_S // 60))

step_name = ctx.labeller("step")
repeats = (
    st.segmented_control(
        ctx.t("paths.repeats"),
        ("collapse", "keep"),
        format_func=lambda code: ctx.t(REPEATS[code]),
        **ui.url_bound(ctx, "paths_repeats"),
    )
    or "collapse"
)
keep = repeats == "keep"
transitions = ui.cached_view(ctx, "path_transitions", filters, as_of, keep_repeats=keep)
if transitions.empty:
    st.info(ctx.t("analytics.empty"))
    st.stop()

# -- the transition matrix ------------------------------------------------------------------
st.subheader(ctx.t("paths.matrix"))
volumes = paths.step_volumes(transitions)
matrix = paths.transition_matrix(transitions, MATRIX_STEPS)
order = [step_name(step) for step in [*volumes.index[:MATRIX_STEPS], paths.OTHER, paths.EXIT]]
titles = {
    "from": ctx.t("paths.from_step"),
    "to": ctx.t("paths.to_step"),
    "share": ctx.t("paths.share"),
    "transitions": ctx.t("col.transitions"),
    "step": ctx.t("paths.step"),
    "sessions": ctx.t("col.sessions"),
}
shown = matrix.assign(
    from_step=matrix["from_step"].map(step_name), to_step=matrix["to_step"].map(step_name)
)
ui.chart(ctx, charts.transition_heatmap(shown, titles, order))
st.caption(ctx.t("paths.matrix_note", steps=min(MATRIX_STEPS, len(volumes))))
ui.table_behind(
    ctx, transitions, f"path_transitions_{repeats}", {"from_step": "step", "to_step": "step"}
)

# -- loops ----------------------------------------------------------------------------------
st.subheader(ctx.t("paths.loops"))
loops = ui.cached_view(ctx, "path_loops", filters, as_of)
if loops.empty:
    st.caption(ctx.t("paths.no_loops"))
else:
    first = loops.iloc[0]
    st.markdown(
        ctx.t_md(
            "paths.top_loop",
            loop=f"{step_name(first.from_step)} → {step_name(first.via_step)} → "
            f"{step_name(first.from_step)}",
            loops=ctx.int(first.loops),
            sessions=ctx.int(first.sessions),
        )
    )
    ui.table_behind(
        ctx, loops.head(LOOPS_SHOWN), "path_loops", {"from_step": "step", "via_step": "step"}
    )

# -- the Sankey -----------------------------------------------------------------------------
st.subheader(ctx.t("paths.sankey"))
steps = [step for step in volumes.index if step not in paths.PSEUDO_STEPS]
left, middle, right, last = st.columns([3, 3, 1, 1])
with left:
    direction = (
        st.segmented_control(
            ctx.t("paths.direction"),
            paths.PATH_DIRECTIONS,
            format_func=lambda code: ctx.t(DIRECTIONS[code]),
            **ui.url_bound(ctx, "paths_direction"),
        )
        or "after"
    )
with middle:
    anchor = st.selectbox(
        ctx.t("paths.anchor"),
        steps,
        format_func=step_name,
        **ui.url_bound(ctx, "paths_step", values=steps),
    )
with right:
    depth = st.number_input(
        ctx.t("paths.depth"),
        min_value=1,
        max_value=paths.MAX_DEPTH,
        step=1,
        **ui.url_bound(ctx, "paths_depth", int),
    )
with last:
    top = st.number_input(
        ctx.t("paths.top"),
        min_value=1,
        max_value=paths.MAX_TOP,
        step=1,
        **ui.url_bound(ctx, "paths_top", int),
    )
anchored = {"start_step": anchor} if direction == "after" else {"end_step": anchor}
flows = ui.cached_view(
    ctx, "path_flows", filters, as_of, depth=int(depth), top=int(top), **anchored
)
if flows.empty:
    st.info(ctx.t("analytics.empty"))
else:
    named = flows.assign(
        from_step=flows["from_step"].map(step_name), to_step=flows["to_step"].map(step_name)
    )
    layout = paths.sankey_layout(named, forward=direction == "after")
    ui.chart(ctx, charts.sankey(layout, titles))
    st.caption(ctx.t(SANKEY_NOTES[direction], top=int(top)))
    ui.table_behind(
        ctx,
        flows,
        f"path_flows_{direction}",
        {"from_step": "step", "to_step": "step"},
    )

# -- what changed ---------------------------------------------------------------------------
compared = period.compared(filters.compare)
st.subheader(ctx.t("paths.changes"))
st.caption(
    ctx.t(
        "paths.changes_note",
        start=compared.start,
        end=compared.end,
        minimum=CHANGE_MIN_TRANSITIONS,
    )
)
changes = ui.cached_view(
    ctx,
    "path_changes",
    filters,
    as_of,
    min_transitions=CHANGE_MIN_TRANSITIONS,
    keep_repeats=keep,
)
moved = changes.dropna(subset=["share_change"]).head(CHANGES_SHOWN)
if moved.empty:
    st.caption(ctx.t("paths.no_changes"))
else:
    table = ui.labelled(ctx, moved, {"from_step": "step", "to_step": "step"})
    st.dataframe(
        ui.headed(ctx, table),
        hide_index=True,
        width="stretch",
        column_config=ui.column_config(ctx, table, {c: ui.header(ctx, c) for c in table.columns}),
    )

# -- dwell time -----------------------------------------------------------------------------
st.subheader(ctx.t("paths.dwell"))
if shape.dwell_note is not None:
    st.info(ctx.t(shape.dwell_note), icon=":material/info:")
    st.stop()
by = (
    st.segmented_control(
        ctx.t("paths.dwell_by"),
        ("none", *paths.DWELL_GROUPS),
        format_func=lambda code: ctx.t(f"dimension.{code}") if code != "none" else "—",
        **ui.url_bound(ctx, "paths_dwell_by"),
    )
    or "none"
)
group = None if by == "none" else by
# tier, channel and device are codes with labels; a segment is shown by its name
kinds = {group: group} if group in ("tier", "channel", "device") else {}
dwell = ui.cached_view(ctx, "path_dwell", filters, as_of, by=group)
if dwell.empty:
    st.info(ctx.t("analytics.empty"))
    st.stop()
ui.chart(
    ctx,
    charts.dwell_bars(
        ui.labelled(ctx, dwell, kinds),
        {
            "page": ctx.t("col.page"),
            "median_s": ctx.t("col.median_s"),
            "p90_s": ctx.t("col.p90_s"),
            "views": ctx.t("col.views"),
            "group": ctx.t(f"dimension.{group}") if group else "",
        },
        group,
    ),
)
st.caption(ctx.t("paths.dwell_note", minutes=paths.DWELL_CAP_S // 60))
ui.table_behind(ctx, dwell, f"path_dwell_{by}", kinds)
