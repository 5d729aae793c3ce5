-- The parsed cells of current reports, with the report's agency and year.
select
    reports.report_id,
    reports.agency_id,
    reports.agency_key,
    reports.agency_name,
    reports.report_year,
    reports.template_version,
    reports.is_generated,
    cells.table_key,
    cells.row_key,
    cells.column_key,
    cells.value,
    cells.raw_text,
    cells.cell_status,
    cells.is_blank,
    cells.source_location
from {{ ref('stg_parsed_cells') }} as cells
join {{ ref('int_current_reports') }} as reports
    on reports.report_id = cells.report_id
where reports.is_current
