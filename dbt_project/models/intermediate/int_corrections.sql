-- Every valid correction (stg_corrections) resolved against the reports: applied when its
-- bytes (sha256) are a current report's; stale when they are not (the file was re-published,
-- changed or removed: a correction never moves to other bytes); duplicate when an earlier
-- row of the same cell says the same (the latest corrected_at, then the last file and line,
-- is applied). Conflicting values for one cell never get here (rejected on landing).
with reports as (
    select report_id, sha256, file_path, agency_key, agency_id, agency_name, report_year,
        template_version, is_current, is_generated
    from {{ ref('int_report_versions') }}
),

current_versions as (
    select agency_key, report_year, file_path
    from {{ ref('int_report_versions') }}
    where is_current
),

files as (
    select file_path, sha256 from {{ ref('stg_raw_report_files') }}
),

resolved as (
    select
        corrections.*,
        reports.report_id,
        reports.agency_key,
        reports.agency_id,
        reports.agency_name,
        reports.report_year,
        reports.template_version,
        reports.is_generated,
        coalesce(reports.is_current, false) as is_current,
        current_versions.file_path as current_file_path,
        files.sha256 as path_sha256,
        row_number() over (
            partition by corrections.sha256, corrections.table_key, corrections.row_key, corrections.column_key
            order by corrections.corrected_at desc, corrections.source_file desc, corrections.line_no desc
        ) as rank_in_cell
    from {{ ref('stg_corrections') }} as corrections
    left join reports on reports.sha256 = corrections.sha256
    left join current_versions
        on current_versions.agency_key = reports.agency_key
        and current_versions.report_year = reports.report_year
    left join files on files.file_path = corrections.file_path
)

select
    * exclude (current_file_path, path_sha256, rank_in_cell),
    case
        when not is_current then 'stale'
        when rank_in_cell > 1 then 'duplicate'
        else 'applied'
    end as correction_status,
    case
        when report_id is null and path_sha256 is not null then
            'the file ' || file_path || ' has changed since it was corrected (its bytes are now '
            || left(path_sha256, 12) || '…): read the new file again'
        when report_id is null then
            'no file under the raw folder has these bytes (changed, replaced or removed)'
        when report_year is null then 'the report has no report year: it is never current'
        when not is_current then
            'superseded: the current version of ' || coalesce(agency_id, agency_key) || ' ' || report_year
            || ' is ' || coalesce(current_file_path, '?')
        when rank_in_cell > 1 then 'the same value for the same cell is given again by a later row'
    end as status_detail
from resolved
