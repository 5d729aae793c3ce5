{#- R01-R04: each check of stg_rule_checks states sum(total side) = sum(parts side) over its
    terms (stg_rule_terms), on the current version of each agency-year, corrections applied
    (int_report_cells). Its terms are:
      * operands: cells whose number the rules use (is_operand: value, placed, inferred,
        corrected to a number);
      * skipped: cells of rows printed collapsed into another row (rules_collapsed_rows);
      * blank: cells printed blank (or corrected to blank): not reported, never 0;
      * unknown: unreadable cells, absent cells (other than the skipped ones) and cells missing
        from the parse: the report may print a number there that nobody has read.
    status:
      not_printed     every term is skipped, or the anchor cell itself is absent (not made)
      not_assessable  any unknown term (never computed as if the cell were 0); or a blank term,
                      unless the exception below applies
      passed          only operands and the sums are equal (within tolerance)
      failed          only operands and the sums differ; or blanks only on the parts side
                      while the known parts already exceed the total (counts are
                      non-negative, so the blanks cannot mend it): blank_involved = true
    expected/actual are the parts and total sums; anchor_value/anchor_expected the anchor cell
    as printed and as the other terms require it (the anchor is on the total side). -#}
{% macro rule_identities(tolerance=1e-9) -%}
    with reports as (
        {{ rules_current_reports() }}
    ),

    checks as (
        select reports.report_id, rule_checks.*
        from reports
        join {{ ref('stg_rule_checks') }} as rule_checks
            on rule_checks.template_version = reports.template_version
    ),

    collapsed as (
        {{ rules_collapsed_rows() }}
    ),

    terms as (
        select
            checks.report_id,
            checks.check_id,
            rule_terms.side,
            cells.value,
            cells.cell_status,
            case
                when cells.is_operand then 'operand'
                when cells.cell_status = 'absent' and collapsed.report_id is not null then 'skipped'
                when cells.is_blank then 'blank'
                else 'unknown'
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
        left join collapsed
            on collapsed.report_id = checks.report_id
            and collapsed.table_key = rule_terms.table_key
            and collapsed.row_key = rule_terms.row_key
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
            count(*) filter (where term_kind = 'unknown') as n_unknown,
            -- unknown terms that are not a row printed absent: cells nobody has read
            count(*) filter (where term_kind = 'unknown' and cell_status is distinct from 'absent') as n_unread,
            count(*) filter (where term_kind = 'skipped') as n_absent
        from terms
        group by report_id, check_id
    ),

    anchors as (
        -- a check whose anchor cell is not printed is not made (not_printed)
        select checks.report_id, checks.check_id, cells.cell_status as anchor_status, cells.value as anchor_value
        from checks
        left join {{ ref('int_report_cells') }} as cells
            on cells.report_id = checks.report_id
            and cells.table_key = checks.anchor_table
            and cells.row_key = checks.anchor_row
            and cells.column_key = checks.anchor_column
    )

    select
        checks.report_id,
        checks.template_version,
        checks.rule_id,
        checks.check_id,
        checks.anchor_table as table_key,
        checks.anchor_row as row_key,
        checks.anchor_column as column_key,
        sums.total_side_sum,
        sums.parts_side_sum,
        sums.parts_side_sum as expected,
        sums.total_side_sum as actual,
        cast(null as varchar) as detail,
        sums.n_operands,
        sums.n_blank_total + sums.n_blank_parts as n_blank_operands,
        sums.n_unknown as n_unread_operands,
        sums.n_absent as n_absent_cells,
        sums.n_blank_total + sums.n_blank_parts > 0 as blank_involved,
        anchors.anchor_value,
        case when sums.n_blank_total + sums.n_blank_parts = 0 and sums.n_unknown = 0
            then sums.parts_side_sum - (sums.total_side_sum - anchors.anchor_value)
        end as anchor_expected,
        -- why a check could not be made for want of a cell: 'unread' (a cell not read) before
        -- 'absent' (an operand's row not printed); NULL when no cell is unknown
        case
            when sums.n_unread > 0 then 'unread'
            when sums.n_unknown > 0 then 'absent'
        end as unknown_reason,
        case
            -- every term is in rows the report does not print: nothing to judge
            when sums.n_operands + sums.n_blank_total + sums.n_blank_parts + sums.n_unknown = 0 then 'not_printed'
            when anchors.anchor_status = 'absent' then 'not_printed'
            -- a cell nobody has read: the check waits for a person (never computed as 0)
            when sums.n_unknown > 0 then 'not_assessable'
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
    join anchors
        on anchors.report_id = checks.report_id
        and anchors.check_id = checks.check_id
{%- endmacro %}
