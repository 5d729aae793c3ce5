-- One row per parsed report as landed, the printed agency name trimmed (empty → null).
-- Matching it to the registry is int_reports' work.
select
    report_id,
    sha256,
    file_path,
    format,
    nullif({{ trim_whitespace('agency_name') }}, '') as agency_name,
    report_year,
    template_version,
    n_warnings,
    parser_version,
    parsed_at
from {{ source('landing', 'parsed_reports') }}
