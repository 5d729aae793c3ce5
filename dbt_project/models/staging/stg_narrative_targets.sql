-- What a figure the narrative quotes is compared with (R12; NARRATIVE_TARGETS in
-- pipelines/template.py): one row per cell of the sum, with the cell reported.
select
    target,
    anchor_table,
    anchor_row,
    anchor_column,
    description_zh,
    table_key,
    row_key,
    column_key
from {{ source('landing', 'narrative_targets') }}
