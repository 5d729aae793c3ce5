"""The collect folder as rows of landing.fetch_log and landing.collected_reports (light: no Dagster)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..landing_tables import Row, landing_table
from .collector import read_fetch_log, read_reports


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _time(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def fetch_log_rows(collect_dir: Path) -> list[Row]:
    row = landing_table("fetch_log").row
    return [
        row(
            agency_id=e["agency_id"],
            purpose=e["purpose"],
            url=e["url"],
            final_url=e.get("final_url"),
            fetched_at=_time(e["fetched_at"]),
            status=e.get("status"),
            content_type=e.get("content_type"),
            size_bytes=e.get("size_bytes"),
            sha256=e.get("sha256"),
            etag=e.get("etag"),
            last_modified=e.get("last_modified"),
            printed_published_at=_date(e.get("printed_published_at")),
            not_modified=bool(e.get("not_modified")),
            first_seen_at=_time(e.get("first_seen_at")),
            failure=e.get("failure"),
            detail=e.get("detail"),
            attempts=e.get("attempts"),
        )
        for e in read_fetch_log(collect_dir)
    ]


def collected_report_rows(collect_dir: Path) -> list[Row]:
    row = landing_table("collected_reports").row
    return [
        row(
            agency_id=r["agency_id"],
            title=r.get("title"),
            report_year=r.get("report_year"),
            list_url=r.get("list_url"),
            article_url=r.get("article_url"),
            report_url=r["report_url"],
            file_path=r["file_path"],
            sha256=r["sha256"],
            size_bytes=r.get("size_bytes"),
            content_type=r.get("content_type"),
            printed_published_at=_date(r.get("printed_published_at")),
            list_published_at=_date(r.get("list_published_at")),
            first_seen_at=_time(r["first_seen_at"]),
            last_seen_at=_time(r["last_seen_at"]),
            missing_since=_time(r.get("missing_since")),
        )
        for r in read_reports(collect_dir)
    ]
