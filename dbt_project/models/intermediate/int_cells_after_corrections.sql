-- Every parsed cell of every report with the applied corrections (int_corrections) in place:
-- a corrected cell has cell_status 'corrected' and the person's value (or is blank when the
-- person says so); what the parser read stays beside it (parsed_value, parsed_status,
-- raw_text). is_operand (the rules use the number) and is_read come from stg_cell_statuses;
-- a corrected blank is not an operand.
with applied as (
    select * from {{ ref('int_corrections') }}
    where correction_status = 'applied'
),

cells as (
    select
        cells.report_id,
        cells.table_key,
        cells.row_key,
        cells.column_key,
        case when applied.report_id is not null then applied.value else cells.value end as value,
        case when applied.report_id is not null then 'corrected' else cells.cell_status end as cell_status,
        case when applied.report_id is not null then applied.is_blank else cells.is_blank end as is_blank,
        cells.value as parsed_value,
        cells.cell_status as parsed_status,
        cells.raw_text,
        cells.source_location,
        applied.corrected_by,
        applied.corrected_at,
        applied.note as correction_note
    from {{ ref('stg_parsed_cells') }} as cells
    left join applied
        on applied.report_id = cells.report_id
        and applied.table_key = cells.table_key
        and applied.row_key = cells.row_key
        and applied.column_key = cells.column_key
)

select
    cells.*,
    statuses.is_operand and not cells.is_blank as is_operand,
    statuses.is_read
from cells
join {{ ref('stg_cell_statuses') }} as statuses on statuses.cell_status = cells.cell_status
