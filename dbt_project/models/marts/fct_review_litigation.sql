-- Section 四 cells of current reports: block (row_key: review, litigation_direct,
-- litigation_after_review) × result column (upheld, corrected, other, pending, total).
select
    cells.report_id,
    cells.agency_id,
    cells.agency_key,
    cells.report_year,
    cells.template_version,
    cells.is_generated,
    cells.row_key,
    template_rows.label as block_label,
    cells.column_key,
    template_columns.label as column_label,
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
join {{ ref('stg_template_columns') }} as template_columns
    on template_columns.template_version = cells.template_version
    and template_columns.table_key = cells.table_key
    and template_columns.row_key = cells.row_key
    and template_columns.column_key = cells.column_key
where cells.table_key = 'review_litigation'
