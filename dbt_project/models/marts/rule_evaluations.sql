-- Every rule evaluation (passed, failed, not_assessable) of current reports, with the
-- report's agency and year.
select
    evaluations.report_id,
    reports.agency_key,
    reports.agency_id,
    coalesce(agencies.name, reports.agency_name) as agency_name,
    reports.report_year,
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
    evaluations.blank_involved,
    evaluations.total_side_sum,
    evaluations.parts_side_sum,
    evaluations.n_operands,
    evaluations.n_blank_operands,
    evaluations.n_absent_cells
from {{ ref('int_rule_evaluations') }} as evaluations
join {{ ref('int_current_reports') }} as reports
    on reports.report_id = evaluations.report_id
left join {{ ref('dim_agency') }} as agencies
    on agencies.agency_key = reports.agency_key
