select
    file_path,
    file_name,
    sha256,
    size_bytes,
    format,
    extension,
    modified_at
from {{ source('landing', 'raw_report_files') }}
