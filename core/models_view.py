"""What the Churn and Models pages show of a fit, as plain tables and sentences (no
Streamlit).

``ctx`` is the page context of :mod:`core.ui` (its ``t`` translates, ``number`` formats).
"""

from __future__ import annotations

import pandas as pd

from core.churn import ChurnFit

HOLDOUT_FIGURES = ("auc", "auc_active", "concordance")


def holdout_table(ctx, fit: ChurnFit) -> pd.DataFrame:
    """The holdout side by side: one row per model, its kind, members scored, AUC over every
    member, AUC over the active members, concordance, and why a model has no figures."""
    frame = fit.holdout
    selected = (fit.summary.get("holdout") or {}).get("selected")
    rows = []
    for row in frame.to_dict(orient="records"):
        name = ctx.t(f"models.model.{row['model']}")
        if row["model"] == selected:
            name = ctx.t("models.selected_mark", name=name)
        rows.append(
            {
                ctx.t("models.col.model"): name,
                ctx.t("models.col.kind"): ctx.t(f"models.kind.{row['kind']}"),
                ctx.t("models.col.members"): ""
                if _missing(row["members"])
                else ctx.int(row["members"]),
                **{
                    ctx.t(f"models.col.{figure}"): ""
                    if _missing(row[figure])
                    else ctx.number(row[figure], 3)
                    for figure in HOLDOUT_FIGURES
                },
                ctx.t("models.col.note"): ""
                if _missing(row["note"])
                else ctx.t(f"models.reason.{row['note']}"),
            }
        )
    return pd.DataFrame(rows)


def left_out_lines(ctx, fit: ChurnFit) -> list[str]:
    """One sentence per rule a model left data out by, and per model that was not fitted.

    Member ids are data: the sentences escape them for the Markdown they are shown in."""
    lines = [
        ctx.t_md(
            f"models.left_out.{entry['model']}.{entry['rule']}",
            count=ctx.int(entry["count"]),
            examples=", ".join(entry["examples"]),
        )
        for entry in fit.summary.get("left_out", [])
    ]
    for model, note in (fit.summary.get("notes") or {}).items():
        if model in ("holdout", "cox", "ltv"):
            continue  # said where that model is shown
        reasons = [part.split(": ")[-1] for part in str(note).split("; ")]
        lines.append(
            ctx.t(
                "models.not_fitted",
                model=ctx.t(f"models.part.{model}"),
                reason=", ".join(ctx.t(f"models.reason.{reason}") for reason in reasons),
            )
        )
    return lines


def why_not(ctx, fit: ChurnFit, part: str) -> str:
    """Why ``part`` of the fit (``holdout``, ``cox``, ``ltv`` …) is missing, in words."""
    reason = (fit.summary.get("notes") or {}).get(part) or "not_fitted"
    return ctx.t(f"models.reason.{reason}")


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def km_groups_table(ctx, groups: pd.DataFrame) -> pd.DataFrame:
    """The Kaplan-Meier groups with translated headers: members, churned, median lifetime
    (blank when the curve never reaches one half) and the share never back after day one."""
    return pd.DataFrame(
        {
            ctx.t("churn.km_col.group"): groups["group"],
            ctx.t("churn.km_col.members"): [ctx.int(value) for value in groups["members"]],
            ctx.t("churn.km_col.churned"): [ctx.int(value) for value in groups["churned"]],
            ctx.t("churn.km_col.median_days"): [
                "" if _missing(value) else ctx.int(value) for value in groups["median_days"]
            ],
            ctx.t("churn.km_col.first_day_only"): [
                ctx.percent(value) for value in groups["first_day_only"]
            ],
        }
    )
