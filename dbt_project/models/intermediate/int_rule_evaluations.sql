-- One row per current report and check of its template version (R01-R04), plus one row
-- per cell failing R05. A check states sum(total side) = sum(parts side):
--   * cells read or inferred (value, inferred) are operands;
--   * absent cells (the row is not printed) are skipped;
--   * blank or unreadable cells (or a cell missing from the parse) are blank operands.
-- status:
--   passed          no blank operand and the sums are equal (within 1e-9)
--   failed          no blank operand and the sums differ; or blanks only on the parts side
--                   while the known parts already exceed the total (counts are
--                   non-negative, so the blanks cannot mend it): blank_involved = true
--   not_assessable  any other check with a blank operand
--   not_printed     every operand is in rows the report does not print (e.g. 2021 （六）1/2)
-- R05: a count that is negative or not an integer, or a negative amount, is a failed check
-- of its own ('R05:<row>:<column>'), expected NULL and actual the value.

{% set tolerance = 1e-9 %}

with reports as (
    select report_id, template_version
    from {{ ref('int_current_reports') }}
    where is_current
),

checks as (
    select reports.report_id, rule_checks.*
    from reports
    join {{ ref('stg_rule_checks') }} as rule_checks
        on rule_checks.template_version = reports.template_version
),

terms as (
    select
        checks.report_id,
        checks.check_id,
        rule_terms.side,
        cells.value,
        case
            when cells.cell_status in ('value', 'inferred') then 'operand'
            when cells.cell_status = 'absent' then 'skipped'
            else 'blank'
        end as term_kind
    from checks
    join {{ ref('stg_rule_terms') }} as rule_terms
        on rule_terms.template_version = checks.template_version
        and rule_terms.check_id = checks.check_id
    left join {{ ref('int_report_cells') }} as cells
        on cells.report_id = checks.report_id
        and cells.table_key = rule_terms.table_key
        and cells.row_key = rule_terms.row_key
        and cells.column_key = rule_terms.column_key
),

sums as (
    select
        report_id,
        check_id,
        coalesce(sum(value) filter (where side = 'total' and term_kind = 'operand'), 0) as total_side_sum,
        coalesce(sum(value) filter (where side = 'parts' and term_kind = 'operand'), 0) as parts_side_sum,
        count(*) filter (where term_kind = 'operand') as n_operands,
        count(*) filter (where side = 'total' and term_kind = 'blank') as n_blank_total,
        count(*) filter (where side = 'parts' and term_kind = 'blank') as n_blank_parts,
        count(*) filter (where term_kind = 'skipped') as n_absent
    from terms
    group by report_id, check_id
),

identity_checks as (
    select
        checks.report_id,
        checks.template_version,
        checks.rule_id,
        checks.rule_name,
        checks.rule_text_zh,
        checks.check_id,
        checks.anchor_table as table_key,
        checks.anchor_row as row_key,
        checks.anchor_column as column_key,
        sums.total_side_sum,
        sums.parts_side_sum,
        sums.n_operands,
        sums.n_blank_total + sums.n_blank_parts as n_blank_operands,
        sums.n_absent as n_absent_cells,
        sums.n_blank_total + sums.n_blank_parts > 0 as blank_involved,
        case
            -- every operand is in rows the report does not print: nothing to judge
            when sums.n_operands = 0 and sums.n_blank_total + sums.n_blank_parts = 0 then 'not_printed'
            when sums.n_blank_total + sums.n_blank_parts = 0 then
                case
                    when abs(sums.total_side_sum - sums.parts_side_sum) <= {{ tolerance }} then 'passed'
                    else 'failed'
                end
            when sums.n_blank_total = 0
                and sums.parts_side_sum - sums.total_side_sum > {{ tolerance }} then 'failed'
            else 'not_assessable'
        end as status
    from checks
    join sums
        on sums.report_id = checks.report_id
        and sums.check_id = checks.check_id
),

number_checks as (
    select
        cells.report_id,
        cells.template_version,
        rules.rule_id,
        rules.rule_name,
        rules.rule_text_zh,
        'R05:' || cells.row_key || ':' || cells.column_key as check_id,
        cells.table_key,
        cells.row_key,
        cells.column_key,
        cast(null as double) as total_side_sum,
        cast(null as double) as parts_side_sum,
        1 as n_operands,
        0 as n_blank_operands,
        0 as n_absent_cells,
        false as blank_involved,
        'failed' as status,
        cells.value
    from {{ ref('int_report_cells') }} as cells
    join {{ ref('stg_template_columns') }} as columns
        on columns.template_version = cells.template_version
        and columns.table_key = cells.table_key
        and columns.row_key = cells.row_key
        and columns.column_key = cells.column_key
    join {{ ref('stg_rules') }} as rules
        on rules.rule_id = 'R05'
    where cells.cell_status in ('value', 'inferred')
        and (
            (columns.kind = 'count' and (cells.value < 0 or cells.value <> floor(cells.value)))
            or (columns.kind = 'amount' and cells.value < 0)
        )
)

select
    *,
    parts_side_sum as expected,
    total_side_sum as actual
from identity_checks

union all by name

select
    * exclude (value),
    cast(null as double) as expected,
    value as actual
from number_checks
