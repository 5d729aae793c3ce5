-- One row per failed check (docs/monitoring.md): what a disclosure office is asked to fix.
-- R01-R09 and R00 come from the current (latest) version, R10 from the first publication,
-- R11 has no report. A superseded version's findings are never here.
select
    agency_key,
    agency_id,
    agency_name,
    is_generated,
    report_year,
    report_id,
    file_path,
    version_no,
    template_version,
    rule_id,
    rule_name,
    rule_text_zh,
    check_id,
    table_key,
    row_key,
    column_key,
    expected,
    actual,
    detail,
    blank_involved
from {{ ref('rule_evaluations') }}
where status = 'failed'
