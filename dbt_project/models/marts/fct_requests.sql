-- Section 三 outcome cells: one row per current report × outcome row (（一）…（六）) ×
-- applicant column. Flow rows (一、二、四) and （七）总计 are in fct_request_flow.
select
    cells.report_id,
    cells.agency_id,
    cells.agency_key,
    cells.report_year,
    cells.template_version,
    cells.is_generated,
    cells.row_key,
    template_rows.outcome_group,
    cells.column_key,
    cells.value,
    cells.is_blank,
    cells.cell_status,
    cells.raw_text,
    cells.source_location,
    cells.parsed_value,
    cells.parsed_status,
    cells.corrected_by,
    cells.corrected_at,
    cells.correction_note
from {{ ref('int_report_cells') }} as cells
join {{ ref('stg_template_rows') }} as template_rows
    on template_rows.template_version = cells.template_version
    and template_rows.table_key = cells.table_key
    and template_rows.row_key = cells.row_key
where cells.table_key = 'requests'
    and template_rows.outcome_group is not null
