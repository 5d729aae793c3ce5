-- Every parsed report as a version of its agency-year (agency_key, report_year): versions
-- ordered by published_at (undated last), then file path (docs/monitoring.md). The latest
-- version is the current one: the marts and the findings R01-R09 use it. A report without
-- a report year cannot be placed: it has no version number and is never current.
with versions as (
    select
        *,
        case when report_year is not null then
            row_number() over (
                partition by agency_key, report_year
                order by published_at nulls last, file_path, report_id
            )
        end as version_no,
        case when report_year is not null then
            count(*) over (partition by agency_key, report_year)
        end as n_versions
    from {{ ref('int_reports') }}
)

select
    *,
    coalesce(version_no = n_versions, false) as is_current
from versions
