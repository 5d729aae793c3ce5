-- Every rule evaluation of an agency-year (agency_key, report_year, check_id): one row per
-- check with its status (passed, failed, not_assessable, not_printed). Each rule is written
-- once, as a macro under macros/rules/ (docs/monitoring.md): this model only puts them
-- together with the version they were computed on and the rule's name and text.
-- pipelines/rules.py runs this same model on an in-memory DuckDB for `ogi check` and the
-- generator's self-check.
--   R01-R04 rule_identities   sum(total side) = sum(parts side) of every check of the template
--   R05     rule_r05          valid numbers by column kind
--   R06     rule_r06          this year's carried_over = last year's carried_forward
--   R08     rule_r08          the template version the year requires
--   R09     rule_r09          every template row printed (collapsed rows accepted)
--   R10     rule_r10          first publication by the deadline of the agency's kind
--   R00     rule_r00          the printed name matches the registry
--   R11     rule_r11          an expected agency-year has a report
with report_checks as (
    select * from ({{ rule_identities() }})
    union all by name
    select * from ({{ rule_r05() }})
    union all by name
    select * from ({{ rule_r06() }})
    union all by name
    select * from ({{ rule_r08() }})
    union all by name
    select * from ({{ rule_r09() }})
    union all by name
    select * from ({{ rule_r10() }})
    union all by name
    select * from ({{ rule_r00() }})
),

rules as (
    select rule_id, rule_name, rule_text_zh from {{ ref('stg_rules') }}
)

select
    versions.agency_key,
    versions.agency_id,
    versions.agency_name,
    versions.report_year,
    versions.file_path,
    versions.version_no,
    report_checks.*,
    rules.rule_name,
    rules.rule_text_zh
from report_checks
join {{ ref('int_report_versions') }} as versions
    on versions.report_id = report_checks.report_id
-- left: an evaluation never depends on its rule text being there
left join rules on rules.rule_id = report_checks.rule_id

union all by name

select
    r11.*,
    versions.file_path,
    versions.version_no,
    rules.rule_name,
    rules.rule_text_zh
from ({{ rule_r11() }}) as r11
left join rules on rules.rule_id = r11.rule_id
left join {{ ref('int_report_versions') }} as versions
    on versions.report_id = r11.report_id
