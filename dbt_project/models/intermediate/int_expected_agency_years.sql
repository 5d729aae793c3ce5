-- The agency-years that must have a report (R11, docs/monitoring.md): a registered agency
-- with a first_year, every year first_year..last_year (empty last_year: still reporting)
-- for which some agency of the same registry file has a current report. Years beyond the
-- data are not judged; agencies without first_year (the real registry) are not monitored.
with reported_years as (
    select distinct agencies.source_file, reports.report_year
    from {{ ref('int_report_versions') }} as reports
    join {{ ref('stg_agencies') }} as agencies on agencies.agency_id = reports.agency_id
    where reports.is_current
)

select
    agencies.agency_id,
    agencies.agency_id as agency_key,
    reported_years.report_year,
    agencies.kind,
    agencies.source_file as registry_file,
    agencies.is_generated,
    {{ report_deadline('agencies.kind', 'reported_years.report_year') }} as deadline
from {{ ref('stg_agencies') }} as agencies
join reported_years
    on reported_years.source_file = agencies.source_file
    and reported_years.report_year >= agencies.first_year
    and (agencies.last_year is null or reported_years.report_year <= agencies.last_year)
where agencies.first_year is not null
