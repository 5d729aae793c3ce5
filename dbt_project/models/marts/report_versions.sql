-- Every version of every agency-year: all parsed reports of one agency_key and report_year,
-- ordered by published_at (undated last) then file path; the latest is the one the marts use.
-- Each with its read quality after corrections (int_report_read_quality).
select
    reports.agency_key,
    reports.agency_id,
    coalesce(agencies.name, reports.agency_name) as agency_name,
    reports.is_generated,
    reports.report_year,
    reports.version_no,
    reports.n_versions,
    reports.is_current,
    reports.report_id,
    reports.file_path,
    reports.format,
    reports.published_at,
    reports.published_at_source,
    reports.template_version,
    reports.n_warnings,
    reports.agency_name as printed_agency_name,
    reports.sha256,
    quality.read_quality,
    quality.n_cells,
    quality.n_cells_read,
    quality.n_cells_unread,
    quality.n_cells_corrected
from {{ ref('int_report_versions') }} as reports
left join {{ ref('dim_agency') }} as agencies
    on agencies.agency_key = reports.agency_key
left join {{ ref('int_report_read_quality') }} as quality
    on quality.report_id = reports.report_id
where reports.report_year is not null
