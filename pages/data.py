"""Data status (admins): schema version, rows per table, event span, imports and rejects."""

import pandas as pd
import streamlit as st

from core import auth, metrics, ui

ctx = ui.page_guard("data")

st.title(ctx.t("data.title"))
status = metrics.store_status(ctx.store)
st.caption(ctx.t("data.store", path=status.path))

first, second, third, fourth = st.columns(4)
first.metric(ctx.t("data.schema_version"), status.schema_version, border=True)
second.metric(
    ctx.t("data.demo"), ctx.t("data.yes") if status.demo else ctx.t("data.no"), border=True
)
third.metric(ctx.t("data.business_tz"), status.business_tz, border=True)
fourth.metric(
    ctx.t("data.last_active_day"),
    str(status.last_active_day) if status.last_active_day else "—",
    border=True,
)

left, right = st.columns(2)
with left:
    st.subheader(ctx.t("data.row_counts"))
    counts = pd.DataFrame(
        {
            ctx.t("data.table"): list(status.row_counts),
            ctx.t("data.rows"): [ctx.int(n) for n in status.row_counts.values()],
        }
    )
    st.dataframe(counts, hide_index=True, width="stretch")
with right:
    st.subheader(ctx.t("data.event_range"))
    st.write(f"{ctx.t('data.first_event')}: {status.first_event or '—'}")
    st.write(f"{ctx.t('data.last_event')}: {status.last_event or '—'}")

st.subheader(ctx.t("data.imports"))
imports = metrics.recent_imports(ctx.store)
if imports.empty:
    st.info(ctx.t("data.no_imports"))
else:
    st.dataframe(imports, hide_index=True, width="stretch")
    chosen = st.selectbox(ctx.t("data.pick_import"), imports["import_id"].tolist())
    st.subheader(ctx.t("data.rejects", import_id=chosen))
    rejects = metrics.import_rejects(ctx.store, chosen)
    if rejects.empty:
        st.info(ctx.t("data.no_rejects"))
    else:
        st.dataframe(rejects, hide_index=True, width="stretch")

st.subheader(ctx.t("data.access_log"))
st.dataframe(auth.recent_access(ctx.store), hide_index=True, width="stretch")
