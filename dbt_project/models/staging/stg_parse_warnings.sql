select
    report_id,
    seq,
    table_key,
    row_key,
    column_key,
    message
from {{ source('landing', 'parse_warnings') }}
