"""Data status (admins): schema version, rows per table, event span, store settings, imports
and rejects."""

import zoneinfo

import pandas as pd
import streamlit as st

from core import auth, exports, ingest, labels, metrics, settings, ui
from core import currency as currencies
from core.permissions import Capability

ctx = ui.page_guard("data")
UPLOAD_RESULT_KEY = "data_upload_result"

st.title(ctx.t("data.title"))
status = metrics.store_status(ctx.store)
st.caption(ctx.t_md("data.store", path=status.path))

# the zone (Asia/Shanghai) and the date need wider cards than a version number
first, second, third, fourth = st.columns([1, 1, 2, 2])
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
            ctx.t("data.table"): [ctx.label("table", name) for name in status.row_counts],
            ctx.t("data.rows"): [ctx.int(n) for n in status.row_counts.values()],
        }
    )
    ui.table(ctx, counts, hide_index=True, width="stretch")
with right:
    st.subheader(ctx.t("data.event_range"))
    st.write(f"{ctx.t('data.first_event')}: {status.first_event or '—'}")
    st.write(f"{ctx.t('data.last_event')}: {status.last_event or '—'}")

st.subheader(ctx.t("data.kinds"))
kinds = ui.data_kinds_table(ctx)
st.dataframe(kinds, hide_index=True, width="stretch")

if ctx.can(Capability.MANAGE_SETTINGS):
    st.subheader(ctx.t("settings.title"))
    st.caption(ctx.t("settings.intro"))
    user = ctx.account.username
    current = settings.all_settings(ctx.store)
    tz_locked = settings.business_tz_locked(ctx.store)
    choices = {
        "currency": sorted(currencies.CURRENCIES),
        "spend_basis": list(settings.SPEND_BASES),
        "business_tz": sorted(zoneinfo.available_timezones()),
    }
    for key, spec in settings.SETTINGS.items():
        with st.form(f"setting_{key}"):
            label = spec.label(ctx.lang)
            if key == "churn_window_days":
                auto = st.checkbox(ctx.t("settings.auto"), value=current[key] is None)
                days = st.number_input(
                    label,
                    min_value=settings.CHURN_WINDOW_MIN_DAYS,
                    max_value=settings.CHURN_WINDOW_MAX_DAYS,
                    value=current[key] or 30,
                    step=7,
                    help=ctx.t(spec.description),
                )
                value = None if auto else int(days)
            else:
                options = choices[key]
                value = st.selectbox(
                    label,
                    options,
                    index=options.index(current[key]),
                    format_func=(
                        (lambda code: ctx.t(f"tier_rules.basis.{code}"))
                        if key == "spend_basis"
                        else str
                    ),
                    disabled=key == "business_tz" and tz_locked,
                    help=ctx.t(spec.description),
                )
            if key == "business_tz" and tz_locked:
                st.caption(ctx.t("settings.locked_tz"))
            if st.form_submit_button(ctx.t("settings.save")):
                saved = ui.attempt(
                    ctx,
                    lambda k, v: (settings.set_setting(ctx.store, k, v, user, ctx.role),),
                    key,
                    settings.as_text(value),
                )
                if saved is not None:  # (new value,); None: refused, the error is shown
                    st.cache_data.clear()  # money labels, tiers and churn windows changed
                    shown = settings.as_text(saved[0])
                    ui.saved(ctx.t_md("settings.saved", label=label, value=shown))

    st.subheader(ctx.t("labels.title"))
    st.caption(ctx.t("labels.intro"))
    kind = st.segmented_control(
        ctx.t("labels.kind"),
        labels.EDITABLE_KINDS,
        default="channel",
        format_func=lambda k: ctx.t(f"labels.kind.{k}"),
        key="labels_kind",
    )
    with st.form("code_label"):
        code = st.selectbox(
            ctx.t("labels.code"),
            labels.codes_in_use(ctx.store, kind or "channel"),
            accept_new_options=True,
            format_func=labels.labeller(kind or "channel", ctx.lang, ctx.store),
            key="labels_code",
        )
        label_zh = st.text_input(
            ctx.t("labels.zh"), max_chars=labels.MAX_LABEL_CHARS, key="labels_zh"
        )
        label_en = st.text_input(
            ctx.t("labels.en"), max_chars=labels.MAX_LABEL_CHARS, key="labels_en"
        )
        if st.form_submit_button(ctx.t("labels.save")):
            args = (ctx.store, kind or "channel", code, label_zh, label_en, user, ctx.role)
            if ui.attempt(ctx, lambda *a: (labels.set_code_label(*a),), *args) is not None:
                st.cache_data.clear()  # every page names these codes
                st.success(ctx.t_md("labels.saved", code=code))
    shown = labels.code_labels(ctx.store)
    shown["kind"] = shown["kind"].map(lambda k: ctx.t(f"labels.kind.{k}"))
    ui.table(ctx, shown, hide_index=True, width="stretch", placeholder="")

st.subheader(ctx.t("data.upload"))
st.caption(ctx.t("data.upload_help"))
with st.form("data_upload", clear_on_submit=True):
    uploads = st.file_uploader(
        ctx.t("data.upload_files"), type=["csv", "parquet"], accept_multiple_files=True
    )
    strict = st.toggle(ctx.t("data.upload_strict"), value=False)
    submitted = st.form_submit_button(ctx.t("data.upload_go"), type="primary")
if submitted and uploads:
    with st.status(ctx.t("data.upload_running"), expanded=True) as status:
        result = ui.attempt(
            ctx,
            ingest.import_uploads,
            ctx.store,
            {f.name: f.getvalue() for f in uploads},
            ctx.role,
            ctx.account.username,
            strict=strict,
            progress=status.write,
        )
        if result is None:
            status.update(state="error")
        else:
            status.update(label=ctx.t("data.upload_finished"), state="complete", expanded=False)
    if result is not None:
        # issue 14.11: run the page again, so the counts and data status at the top (read
        # before the import ran) show the new data at once; the result follows below
        st.cache_data.clear()  # every page reads the new data
        st.session_state[UPLOAD_RESULT_KEY] = result
        st.rerun()
result = st.session_state.pop(UPLOAD_RESULT_KEY, None)
if result is not None:
    counts = pd.DataFrame(
        [
            {"table": t, "read": f.read, "loaded": f.loaded, "rejected": f.rejected}
            for t, f in result.files.items()
        ]
    )
    if result.status == "rejected":
        st.error(ctx.t("data.upload_refused"))
    else:
        st.success(ctx.t("data.upload_done", import_id=result.import_id))
    for file_report in result.files.values():  # e.g. a file of 0 rows
        for code in file_report.warnings:
            st.warning(ctx.t_md(code, file=file_report.file, table=file_report.table))
    counts = ui.labelled(ctx, counts, {"table": "table"})
    ui.table(ctx, counts, hide_index=True, width="stretch")
    if not result.rejects.empty:
        st.download_button(
            ctx.t("data.upload_rejects"),
            exports.csv_bytes(result.rejects),
            file_name=f"import_{result.import_id}_rejects.csv",
            mime="text/csv",
            on_click="ignore",
        )

st.subheader(ctx.t("data.imports"))
imports = metrics.recent_imports(ctx.store)
if imports.empty:
    st.info(ctx.t("data.no_imports"))
else:
    ui.table(ctx, imports, hide_index=True, width="stretch", placeholder="")
    chosen = st.selectbox(ctx.t("data.pick_import"), imports["import_id"].tolist())
    st.subheader(ctx.t("data.rejects", import_id=chosen))
    rejects = metrics.import_rejects(ctx.store, chosen)
    if rejects.empty:
        st.info(ctx.t("data.no_rejects"))
    else:
        ui.table(ctx, rejects, hide_index=True, width="stretch", placeholder="")

st.subheader(ctx.t("data.access_log"))
ACCESS_KINDS = {"role": "role", "event": "access_event", "outcome": "audit_outcome"}
access = ui.labelled(ctx, auth.recent_access(ctx.store), ACCESS_KINDS)
zone = ctx.store.business_tz
ui.log_table(ctx, access, zone)
