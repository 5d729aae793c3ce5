select
    file_path,
    sha256,
    format,
    reason,
    parser_version
from {{ source('landing', 'quarantined_files') }}
