-- Every cell of a current report that is still unreadable after corrections: what a person
-- reads and fills in (the workbook's 待人工核对 sheet, `ogi export`), one row per cell, with
-- the printed text if any, where it is in the file and the file's bytes (sha256) that a
-- correction names.
select
    cells.agency_key,
    cells.agency_id,
    coalesce(agencies.name, cells.agency_name) as agency_name,
    cells.is_generated,
    cells.report_year,
    cells.report_id,
    reports.file_path,
    reports.sha256,
    cells.template_version,
    cells.table_key,
    cells.row_key,
    template_rows.row_order,
    cells.column_key,
    template_columns.column_order,
    cells.raw_text,
    cells.source_location
from {{ ref('int_report_cells') }} as cells
join {{ ref('int_report_versions') }} as reports on reports.report_id = cells.report_id
left join {{ ref('dim_agency') }} as agencies on agencies.agency_key = cells.agency_key
left join {{ ref('stg_template_rows') }} as template_rows
    on template_rows.template_version = cells.template_version
    and template_rows.table_key = cells.table_key
    and template_rows.row_key = cells.row_key
left join {{ ref('stg_template_columns') }} as template_columns
    on template_columns.template_version = cells.template_version
    and template_columns.table_key = cells.table_key
    and template_columns.row_key = cells.row_key
    and template_columns.column_key = cells.column_key
where cells.cell_status = 'unreadable'
