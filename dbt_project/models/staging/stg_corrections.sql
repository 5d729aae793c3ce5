-- Every valid row of the corrections files (pipelines/corrections.py validated it on landing).
select
    source_file,
    line_no,
    sha256,
    file_path,
    table_key,
    row_key,
    column_key,
    value,
    is_blank,
    corrected_by,
    corrected_at,
    note
from {{ source('landing', 'corrections') }}
