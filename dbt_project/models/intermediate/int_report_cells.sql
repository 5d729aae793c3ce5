-- The cells of current reports, corrections applied (int_cells_after_corrections), with the
-- report's agency and year.
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
    cells.is_operand,
    cells.source_location,
    cells.parsed_value,
    cells.parsed_status,
    cells.corrected_by,
    cells.corrected_at,
    cells.correction_note
from {{ ref('int_cells_after_corrections') }} as cells
join {{ ref('int_report_versions') }} as reports
    on reports.report_id = cells.report_id
where reports.is_current
