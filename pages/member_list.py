"""Member list: the members of a tag, a saved segment, an alert or a chart element clicked on
an analytics page (drill-down, core/drilldown.py), personal data by role."""

import streamlit as st

from core import drilldown, masking, members, segments, ui
from core.permissions import Capability

ctx = ui.page_guard("member_list")
filters, as_of = ui.sidebar_filters(ctx)

st.title(ctx.t("member_list.title"))
if as_of is None:
    st.info(ctx.t("overview.no_data"))
    st.stop()

saved = {str(s.segment_id): s for s in segments.list_segments(ctx.store)}
fired = segments.alerts(ctx.store)
alert_ids = [str(a) for a in fired["alert_id"]]
drill = None
if drilldown.DRILL_PARAM in st.query_params:  # a click on a chart (``?drill=…&value=…``)
    try:
        drill = drilldown.DrillTarget.from_link(
            st.query_params.get(drilldown.DRILL_PARAM), st.query_params.get(drilldown.VALUE_PARAM)
        )
    except drilldown.DrillError:
        st.warning(ctx.t("drill.bad_link"), icon=":material/link_off:")
        for name in drilldown.PARAMS & set(st.query_params):
            del st.query_params[name]
sources = ("tag", "segment", "alert", *(("drill",) if drill is not None else ()))
# a saved segment is the global segment filter (``?segment=``, checked by the sidebar); a tag,
# an alert or a drill-down target is this page's own parameter
if drill is not None:
    source_in_link = "drill"
elif st.query_params.get("tag"):
    source_in_link = "tag"
elif st.query_params.get("alert"):
    source_in_link = "alert"
else:
    source_in_link = "segment" if filters.segment is not None else "tag"
source = st.radio(
    ctx.t("member_list.source"),
    sources,
    index=sources.index(source_in_link),
    format_func=lambda name: ctx.t(f"member_list.source.{name}"),
    horizontal=True,
)


def _pick(options: list[str], label: str, format_func) -> str | None:
    if source == "segment":
        wanted = None if filters.segment is None else str(filters.segment)
    else:
        wanted = st.query_params.get(source)
    index = options.index(wanted) if wanted in options else 0
    choice = st.selectbox(label, options, index=index, format_func=format_func)
    for name in ("tag", "alert", *drilldown.PARAMS):
        if name != source and name in st.query_params:
            del st.query_params[name]
    if source == "segment" and choice != wanted:
        st.query_params["segment"] = choice
        st.rerun()  # the sidebar and every figure follow the global segment filter
    if source != "segment":
        st.query_params[source] = choice
    return choice


drill_text = None
if source == "drill":
    drill_text = ui.drill_text(ctx, drill, filters, as_of)
    st.info(ui.md_escape(drill_text), icon=":material/ads_click:")
    keys = drilldown.member_keys(ctx.store, drill, filters, as_of)
elif source == "tag":
    tag = _pick(list(segments.TAGS), ctx.t("segments.tag"), ctx.labeller("tag"))
    definition = segments.SegmentDefinition.for_tag(tag, filters)
    keys = segments.segment_member_keys(ctx.store, definition, as_of)
    if filters.segment is not None:  # within the global segment too
        members = set(segments.segment_member_keys_now(ctx.store, filters.segment))
        keys = [k for k in keys if k in members]
elif source == "segment":
    if not saved:
        st.info(ctx.t("member_list.no_segments"))
        st.stop()
    chosen = _pick(list(saved), ctx.t("segments.pick"), lambda sid: saved[sid].name)
    keys = segments.segment_member_keys(ctx.store, saved[chosen].definition, as_of)
else:
    if not alert_ids:
        st.info(ctx.t("member_list.no_alerts"))
        st.stop()
    by_id = fired.set_index(fired["alert_id"].astype(str))

    def _alert_label(alert_id: str) -> str:
        row = by_id.loc[alert_id]
        return ctx.t(
            "alert.label",
            group=ui.alert_group_text(ctx, row["group_kind"], row["group_value"]),
            start=row["start_day"].isoformat(),
            days=int(row["decline_days"]),
            drop=ctx.percent(row["drop_share"]),
        )

    chosen = _pick(alert_ids, ctx.t("member_list.source.alert"), _alert_label)
    keys = segments.alert_member_keys(ctx.store, int(chosen))

left, right = st.columns([3, 1])
sort = left.selectbox(
    ctx.t("member_list.sort"),
    segments.MEMBER_LIST_SORTS,
    format_func=lambda column: ctx.t(f"col.{column}"),
)
descending = right.toggle(ctx.t("member_list.descending"), value=True)
frame = segments.member_list(ctx.store, ctx.role, keys, as_of, sort, descending)
st.caption(ctx.t("member_list.count", n=ctx.int(len(frame)), as_of=as_of.isoformat()))
if masking.masks_pii(ctx.role):
    st.caption(ctx.t("member_list.masked"))
ui.table(ctx, frame, ui.MEMBER_FILE_KINDS)  # the same labels as the download
if ctx.can(Capability.VIEW_PII):
    st.download_button(
        ctx.t("member_list.export"),
        data=segments.member_list_export(frame, ctx.role, lambda f: ui.shown_file(ctx, f)),
        file_name=f"memberlens_members_{source}.csv",
        mime="text/csv",
        on_click="ignore",
    )
elif ctx.can(Capability.REQUEST_MEMBER_EXPORT) and len(frame):
    with st.form("member_list_export_request"):
        st.caption(ctx.t("member_list.request_hint"))
        reason = st.text_input(ctx.t("common.reason"), max_chars=500)
        if st.form_submit_button(ctx.t("member_list.request_export")):
            what = ctx.t(
                "member_list.source_label",
                source=ctx.t(f"member_list.source.{source}"),
                choice=drill_text or st.query_params.get(source) or str(filters.segment),
            )
            request_id = ui.attempt(
                ctx, members.request_member_list_export, ctx.store, ctx.account.username,
                ctx.role, keys, what, reason, as_of,
            )  # fmt: skip
            if request_id is not None:
                st.success(ctx.t("members.requested", id=request_id))
if source == "drill" and len(frame) and ctx.can(Capability.SAVE_SEGMENTS):
    with st.form("member_list_save_segment"):
        st.caption(ctx.t("drill.save_hint"))
        name = st.text_input(ctx.t("segments.name"), max_chars=80)
        if st.form_submit_button(ctx.t("drill.save")):
            definition = segments.SegmentDefinition(members=tuple(keys))
            segment_id = ui.attempt(
                ctx, segments.save_segment, ctx.store, ctx.role, ctx.account.username, name,
                definition,
            )  # fmt: skip
            if segment_id is not None:
                st.success(
                    ctx.t("drill.saved", name=ui.md_escape(name.strip()), n=ctx.int(len(keys)))
                )
                st.page_link(
                    "pages/segments.py",
                    label=ctx.t("drill.open_segment"),
                    icon=":material/group:",
                    query_params={"segment": str(segment_id)},
                )
if len(frame) and ctx.can(Capability.VIEW_MEMBER_PROFILE):
    member = st.selectbox(ctx.t("profile.pick"), frame["member_id"].head(500).tolist())
    st.page_link(
        "pages/member_profile.py",
        label=ctx.t("member_list.open_profile"),
        icon=":material/badge:",
        query_params={"member": member},
    )
