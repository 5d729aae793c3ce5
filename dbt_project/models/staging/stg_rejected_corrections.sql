-- Rows of the corrections files that are not applied, with the reason.
select
    source_file,
    line_no,
    reason,
    sha256,
    file_path,
    table_key,
    row_key,
    column_key,
    value_text,
    corrected_by,
    corrected_at,
    note
from {{ source('landing', 'rejected_corrections') }}
