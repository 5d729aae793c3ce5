select
    report_id,
    table_key,
    row_key,
    column_key,
    value,
    raw_text,
    cell_status,
    is_blank,
    source_location
from {{ source('landing', 'parsed_cells') }}
