-- Publication metadata (every publications.csv under the raw folder): when each report file
-- was published. file_path is relative to the raw folder, like raw_report_files.file_path.
select
    file_path,
    published_at,
    source_file
from {{ source('landing', 'publications') }}
