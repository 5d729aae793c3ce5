-- Rows of agencies.csv and publications.csv not applied as written (pipelines/metadata.py):
-- rejected (row_applied false) or applied with a field left empty (row_applied true).
select
    source_file,
    line_no,
    file_kind,
    reason,
    row_applied,
    fields
from {{ source('landing', 'rejected_metadata_rows') }}
