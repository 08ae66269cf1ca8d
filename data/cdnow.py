"""The CDNOW purchase history as MemberLens contract files: real data for tests and benches.

CDNOW (an online CD shop) published the purchases of the 23,570 customers who made their
first purchase in the first quarter of 1997, up to 1998-06-30: 69,659 purchase rows
(``master``), and a 1/10 sample of the customers (``sample``, 2,357 customers, 6,919 rows)
used by Fader, Hardie & Lee (2005). Both files ship inside the ``lifetimes`` 0.11.3 wheel;
the wheel is downloaded with pip (never installed or imported) into the git-ignored
``.cache/lifetimes`` folder and the files are read from it with zipfile.

The shape is the one most shops can export: members and orders, no events; purchase days
without a time of day; a few $0.00 purchases. As contract files:

- ``members``: ``member_id`` (the CDNOW customer id), ``signup_at`` = the day of the first
  purchase (everyone was acquired by their first purchase);
- ``orders``: one order per purchase row, ``order_id`` = ``<customer id>-<row number>``,
  ``paid_at`` = the purchase day (a date, no time), ``amount`` = the dollar value. Several
  purchases of one customer on one day stay separate orders, as in the file.

``python -m data.cdnow OUT [--kind sample|master] [--format csv|parquet]`` writes them.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd

from core.config import PROJECT_ROOT

WHEEL_CACHE = PROJECT_ROOT / ".cache" / "lifetimes"
WHEEL_VERSION = "0.11.3"
MEMBERS = {
    "sample": "lifetimes/datasets/CDNOW_sample.txt",
    "master": "lifetimes/datasets/CDNOW_master.txt",
}
# The sample has an extra column: the customer's index within the sample.
COLUMNS = {
    "sample": ["customer_id", "customer_index", "date", "quantity", "amount"],
    "master": ["customer_id", "date", "quantity", "amount"],
}


def wheel_path() -> Path:
    """The ``lifetimes`` wheel in ``.cache/lifetimes``, downloaded with pip when missing."""
    found = sorted(WHEEL_CACHE.glob(f"[Ll]ifetimes-{WHEEL_VERSION}-*.whl"))
    if not found:
        WHEEL_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", f"lifetimes=={WHEEL_VERSION}"]
            + ["-d", str(WHEEL_CACHE), "--quiet"],
            check=True,
            timeout=300,
        )
        found = sorted(WHEEL_CACHE.glob(f"[Ll]ifetimes-{WHEEL_VERSION}-*.whl"))
    return found[0]


def read_transactions(kind: str = "sample") -> pd.DataFrame:
    """The purchase rows: ``customer_id`` (str), ``date`` (datetime), ``quantity``, ``amount``.

    Row order is the file's (by customer, then day)."""
    if kind not in MEMBERS:
        raise ValueError(f"kind must be one of {sorted(MEMBERS)}, not {kind!r}")
    with zipfile.ZipFile(wheel_path()) as wheel:
        text = wheel.read(MEMBERS[kind]).decode("ascii")
    frame = pd.read_csv(
        io.StringIO(text),
        sep=r"\s+",
        header=None,
        names=COLUMNS[kind],
        skiprows=1 if kind == "master" else 0,  # the master file has a header line
        dtype={"customer_id": str, "date": str},
    )
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame[["customer_id", "date", "quantity", "amount"]]


def contract_frames(kind: str = "sample") -> dict[str, pd.DataFrame]:
    """``members`` and ``orders`` frames in the import contract's columns (SPEC §2)."""
    purchases = read_transactions(kind)
    members = (
        purchases.groupby("customer_id", sort=True)["date"]
        .min()
        .dt.strftime("%Y-%m-%d")
        .rename("signup_at")
        .reset_index()
        .rename(columns={"customer_id": "member_id"})
    )
    row_number = purchases.groupby("customer_id").cumcount() + 1
    orders = pd.DataFrame(
        {
            "order_id": purchases["customer_id"] + "-" + row_number.astype(str),
            "member_id": purchases["customer_id"],
            "paid_at": purchases["date"].dt.strftime("%Y-%m-%d"),
            "amount": purchases["amount"].map(lambda value: f"{value:.2f}"),
        }
    )
    return {"members": members, "orders": orders}


def write_contract_files(out_dir: str | Path, kind: str = "sample", fmt: str = "csv") -> Path:
    """Write ``members`` and ``orders`` as ``.csv`` or ``.parquet`` into ``out_dir``."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format must be csv or parquet, not {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for table, frame in contract_frames(kind).items():
        if fmt == "csv":
            frame.to_csv(out / f"{table}.csv", index=False)
        else:
            frame.to_parquet(out / f"{table}.parquet", index=False)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m data.cdnow", description=__doc__.split("\n")[0]
    )
    parser.add_argument("out", help="folder to write members and orders into")
    parser.add_argument("--kind", choices=sorted(MEMBERS), default="sample")
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    args = parser.parse_args(argv)
    out = write_contract_files(args.out, args.kind, args.format)
    print(f"wrote the CDNOW {args.kind} as members and orders ({args.format}) to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
