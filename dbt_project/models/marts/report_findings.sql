-- One row per failed check per current report: what a disclosure office is asked to fix.
select
    report_id,
    agency_key,
    agency_id,
    agency_name,
    report_year,
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
    blank_involved
from {{ ref('rule_evaluations') }}
where status = 'failed'
