-- The parser writes every cell of the report's template (status 'absent' for a row not
-- printed): a template cell missing from a current report is a broken landing contract.
select reports.report_id, columns.template_version, columns.table_key, columns.row_key, columns.column_key
from {{ ref('int_report_versions') }} as reports
join {{ ref('stg_template_columns') }} as columns
    on columns.template_version = reports.template_version
left join {{ ref('stg_parsed_cells') }} as cells
    on cells.report_id = reports.report_id
    and cells.table_key = columns.table_key
    and cells.row_key = columns.row_key
    and cells.column_key = columns.column_key
where reports.is_current
    and cells.report_id is null
