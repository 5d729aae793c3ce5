-- Every rule evaluation (passed, failed, not_assessable, not_printed) of an agency-year:
-- R01-R09 and R00 on the current version, R10 on the first publication, R11 per expected
-- agency-year; with the agency and the version the check was computed on.
select
    evaluations.agency_key,
    evaluations.agency_id,
    coalesce(agencies.name, reports.agency_name) as agency_name,
    coalesce(agencies.is_generated, reports.is_generated, false) as is_generated,
    evaluations.report_year,
    evaluations.report_id,
    evaluations.file_path,
    evaluations.version_no,
    evaluations.template_version,
    evaluations.rule_id,
    evaluations.rule_name,
    evaluations.rule_text_zh,
    evaluations.check_id,
    evaluations.table_key,
    evaluations.row_key,
    evaluations.column_key,
    evaluations.status,
    evaluations.expected,
    evaluations.actual,
    evaluations.detail,
    coalesce(evaluations.blank_involved, false) as blank_involved,
    evaluations.total_side_sum,
    evaluations.parts_side_sum,
    evaluations.n_operands,
    evaluations.n_blank_operands,
    evaluations.n_unread_operands,
    evaluations.n_absent_cells
from {{ ref('int_rule_evaluations') }} as evaluations
left join {{ ref('int_report_versions') }} as reports
    on reports.report_id = evaluations.report_id
left join {{ ref('dim_agency') }} as agencies
    on agencies.agency_key = evaluations.agency_key
