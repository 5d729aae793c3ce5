-- Every report version the collector found on an agency's website (landing.collected_reports,
-- pipelines/collect/): one row per agency, report URL and content; file_path is relative to the
-- raw folder, like raw_report_files.file_path.
select
    agency_id,
    title,
    report_year,
    list_url,
    article_url,
    report_url,
    file_path,
    sha256,
    size_bytes,
    content_type,
    printed_published_at,
    list_published_at,
    first_seen_at,
    last_seen_at,
    missing_since,
    missing_since is not null as is_missing
from {{ source('landing', 'collected_reports') }}
