-- Every rule evaluation of an agency-year (agency_key, report_year, check_id).
--
-- R01-R05 on the current (latest) version of each agency-year, corrections applied
-- (int_report_cells). A check states sum(total side) = sum(parts side); its terms are:
--   * operands: cells whose number the rules use (is_operand: value, placed, inferred,
--     corrected to a number);
--   * skipped: the 2021 （六）1 and 2 absent under a （六）其他处理 printed as one row;
--   * blank: cells printed blank (or corrected to blank): not reported, never 0;
--   * unknown: unreadable cells, absent cells (other than the skipped ones) and cells missing
--     from the parse: the report may print a number there that nobody has read.
-- status:
--   not_printed     every term is skipped, or the anchor cell itself is absent (not made)
--   not_assessable  any unknown term (never computed as if the cell were 0); or a blank term,
--                   unless the exception below applies
--   passed          only operands and the sums are equal (within 1e-9)
--   failed          only operands and the sums differ; or blanks only on the parts side
--                   while the known parts already exceed the total (counts are
--                   non-negative, so the blanks cannot mend it): blank_involved = true
-- R05: an operand count that is negative or not an integer, a signed change not an integer,
-- or a negative amount, is a failed check of its own ('R05:<row>:<column>'), expected NULL
-- and actual the value.
--
-- The compliance rules (docs/monitoring.md):
--   R06 'R06:<column>'       this year's carried_over = last year's carried_forward (current
--                            versions of both years; no check without last year's report);
--                            not_printed when either is absent, not_assessable when either
--                            is not an operand (blank, unreadable)
--   R08 'R08'                template_version = the version required for the year
--   R09 'R09:<table>:<row>'  a template row of the report's version is printed: failed only
--                            when the row's cells are absent (positively not printed); 2021
--                            （六）1 and 2 absent under a printed （六） (the one-row layout)
--                            are accepted; a row with no parsed cell is not_assessable
--   R10 'R10'                the first publication (version 1) is on or before the deadline;
--                            not_assessable without a date or without the agency's kind
--   R11 'R11'                an expected agency-year (int_expected_agency_years) has a report;
--                            report_id NULL when failed
--   R00 'R00'                the printed agency name matches the registry
{% set tolerance = 1e-9 %}

with reports as (
    select report_id, template_version, agency_key, agency_id, report_year
    from {{ ref('int_report_versions') }}
    where is_current
),

checks as (
    select reports.report_id, rule_checks.*
    from reports
    join {{ ref('stg_rule_checks') }} as rule_checks
        on rule_checks.template_version = reports.template_version
),

one_row_other as (
    -- 2021 reports printing （六）其他处理 as one row: （六）3 printed, （六）1 and 2 absent.
    select cells.report_id
    from {{ ref('int_report_cells') }} as cells
    join reports on reports.report_id = cells.report_id
    where cells.template_version = '2021' and cells.table_key = 'requests'
        and cells.row_key in ('other_other', 'other_overdue_correction', 'other_overdue_fee')
    group by cells.report_id
    having bool_or(cells.row_key = 'other_other' and cells.cell_status <> 'absent')
        and not bool_or(cells.row_key <> 'other_other' and cells.cell_status <> 'absent')
),

terms as (
    select
        checks.report_id,
        checks.check_id,
        rule_terms.side,
        cells.value,
        case
            when cells.is_operand then 'operand'
            when cells.cell_status = 'absent' and one_row_other.report_id is not null
                and rule_terms.table_key = 'requests'
                and rule_terms.row_key in ('other_overdue_correction', 'other_overdue_fee') then 'skipped'
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
    left join one_row_other on one_row_other.report_id = checks.report_id
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
        count(*) filter (where term_kind = 'skipped') as n_absent
    from terms
    group by report_id, check_id
),

anchors as (
    -- a check whose anchor cell is not printed is not made (not_printed)
    select checks.report_id, checks.check_id, cells.cell_status as anchor_status
    from checks
    left join {{ ref('int_report_cells') }} as cells
        on cells.report_id = checks.report_id
        and cells.table_key = checks.anchor_table
        and cells.row_key = checks.anchor_row
        and cells.column_key = checks.anchor_column
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
        sums.n_unknown as n_unread_operands,
        sums.n_absent as n_absent_cells,
        sums.n_blank_total + sums.n_blank_parts > 0 as blank_involved,
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
        0 as n_unread_operands,
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
    where cells.is_operand
        and (
            (columns.kind = 'count' and (cells.value < 0 or cells.value <> floor(cells.value)))
            or (columns.kind = 'signed' and cells.value <> floor(cells.value))
            or (columns.kind = 'amount' and cells.value < 0)
        )
),

rules as (
    select * from {{ ref('stg_rules') }}
),

r06 as (
    select
        reports.report_id,
        reports.template_version,
        'R06:' || this_year.column_key as check_id,
        'requests' as table_key,
        'carried_over' as row_key,
        this_year.column_key,
        last_year.value as expected,
        this_year.value as actual,
        case
            when this_year.cell_status = 'absent' or last_year.cell_status = 'absent' then 'not_printed'
            when not this_year.is_operand or not last_year.is_operand then 'not_assessable'
            when abs(this_year.value - last_year.value) <= {{ tolerance }} then 'passed'
            else 'failed'
        end as status,
        this_year.is_blank or last_year.is_blank as blank_involved,
        'last year ' || prev.report_year || ' carried_forward ' || coalesce(cast(last_year.value as varchar), last_year.cell_status)
            || ', this year carried_over ' || coalesce(cast(this_year.value as varchar), this_year.cell_status) as detail
    from reports
    join reports as prev
        on prev.agency_key = reports.agency_key
        and prev.report_year = reports.report_year - 1
    join {{ ref('int_report_cells') }} as this_year
        on this_year.report_id = reports.report_id
        and this_year.table_key = 'requests'
        and this_year.row_key = 'carried_over'
    join {{ ref('int_report_cells') }} as last_year
        on last_year.report_id = prev.report_id
        and last_year.table_key = 'requests'
        and last_year.row_key = 'carried_forward'
        and last_year.column_key = this_year.column_key
),

r08 as (
    select
        reports.report_id,
        reports.template_version,
        'R08' as check_id,
        case
            when required.template_version is null then 'not_assessable'
            when required.template_version = reports.template_version then 'passed'
            else 'failed'
        end as status,
        'required template ' || coalesce(required.template_version, 'unknown') || ' ('
            || coalesce(required.notice, '') || '), printed ' || reports.template_version as detail
    from reports
    left join {{ ref('stg_template_versions') }} as required
        on reports.report_year >= required.first_report_year
        and (required.last_report_year is null or reports.report_year <= required.last_report_year)
),

printed_rows as (
    select
        reports.report_id,
        reports.template_version,
        template_rows.table_key,
        template_rows.row_key,
        template_rows.row_order,
        coalesce(bool_or(cells.cell_status <> 'absent'), false) as is_printed,
        count(cells.report_id) > 0 as has_cells
    from reports
    join {{ ref('stg_template_rows') }} as template_rows
        on template_rows.template_version = reports.template_version
    left join {{ ref('int_report_cells') }} as cells
        on cells.report_id = reports.report_id
        and cells.table_key = template_rows.table_key
        and cells.row_key = template_rows.row_key
    group by all
),

r09 as (
    select
        printed_rows.report_id,
        printed_rows.template_version,
        'R09:' || printed_rows.table_key || ':' || printed_rows.row_key as check_id,
        printed_rows.table_key,
        printed_rows.row_key,
        case
            when printed_rows.is_printed then 'passed'
            when one_row_other.report_id is not null and printed_rows.table_key = 'requests'
                and printed_rows.row_key in ('other_overdue_correction', 'other_overdue_fee') then 'passed'
            -- absence is a finding only when the parser saw it (cells marked absent)
            when not printed_rows.has_cells then 'not_assessable'
            else 'failed'
        end as status,
        case
            when printed_rows.is_printed then 'printed'
            when one_row_other.report_id is not null and printed_rows.table_key = 'requests'
                and printed_rows.row_key in ('other_overdue_correction', 'other_overdue_fee')
                then 'not printed: （六）其他处理 printed as one row (accepted)'
            when not printed_rows.has_cells then 'no parsed cell for the row'
            else 'template row not printed'
        end as detail
    from printed_rows
    left join one_row_other on one_row_other.report_id = printed_rows.report_id
),

first_versions as (
    select
        versions.report_id,
        versions.template_version,
        versions.published_at,
        agencies.kind,
        {{ report_deadline('agencies.kind', 'versions.report_year') }} as deadline
    from {{ ref('int_report_versions') }} as versions
    left join {{ ref('stg_agencies') }} as agencies on agencies.agency_id = versions.agency_id
    where versions.version_no = 1
),

r10 as (
    select
        report_id,
        template_version,
        'R10' as check_id,
        case
            when published_at is null or deadline is null then 'not_assessable'
            when published_at <= deadline then 'passed'
            else 'failed'
        end as status,
        'first published ' || coalesce(cast(published_at as varchar), 'unknown')
            || ', deadline ' || coalesce(cast(deadline as varchar), 'unknown (kind of agency unknown)') as detail
    from first_versions
),

-- The registered name one character away from an unregistered report's printed name: a hint
-- for the person resolving R00 (a misread character), never a match (two bodies' names may
-- differ by one character).
near_names as (
    select
        reports.report_id,
        min(agencies.name) as near_name,
        count(distinct agencies.agency_id) as n_near
    from {{ ref('int_report_versions') }} as reports
    join {{ ref('stg_agencies') }} as agencies
        on length({{ normalize_agency_name('agencies.name') }}) >= 5
        and levenshtein(
            {{ normalize_agency_name('agencies.name') }},
            {{ normalize_agency_name('reports.agency_name') }}
        ) = 1
    where reports.is_current and reports.agency_id is null
    group by reports.report_id
),

r00 as (
    select
        reports.report_id,
        reports.template_version,
        'R00' as check_id,
        case when reports.agency_id is null then 'failed' else 'passed' end as status,
        case
            when reports.agency_id is not null then 'registered as ' || reports.agency_id
            when near_names.n_near = 1
                then 'printed name matches no registered name or alias; one character differs from '
                    || near_names.near_name
            else 'printed name matches no registered name or alias'
        end as detail
    from reports
    left join near_names on near_names.report_id = reports.report_id
),

report_checks as (
    select
        *,
        parts_side_sum as expected,
        total_side_sum as actual,
        cast(null as varchar) as detail
    from identity_checks

    union all by name

    select
        * exclude (value),
        cast(null as double) as expected,
        value as actual,
        cast(null as varchar) as detail
    from number_checks

    union all by name

    select
        r.*,
        rules.rule_id,
        rules.rule_name,
        rules.rule_text_zh
    from (
        select 'R06' as rule_id_, * from r06
        union all by name select 'R08' as rule_id_, * from r08
        union all by name select 'R09' as rule_id_, * from r09
        union all by name select 'R10' as rule_id_, * from r10
        union all by name select 'R00' as rule_id_, * from r00
    ) as r
    join rules on rules.rule_id = r.rule_id_
),

r11 as (
    select
        expected.agency_key,
        expected.agency_id,
        expected.report_year,
        reports.report_id,
        reports.template_version,
        rules.rule_id,
        rules.rule_name,
        rules.rule_text_zh,
        'R11' as check_id,
        case when reports.report_id is null then 'failed' else 'passed' end as status,
        case when reports.report_id is null then 'no report found'
             else 'report found' end as detail
    from {{ ref('int_expected_agency_years') }} as expected
    left join reports
        on reports.agency_key = expected.agency_key
        and reports.report_year = expected.report_year
    join rules on rules.rule_id = 'R11'
)

select
    versions.agency_key,
    versions.agency_id,
    versions.report_year,
    versions.file_path,
    versions.version_no,
    report_checks.* exclude (rule_id_)
from report_checks
join {{ ref('int_report_versions') }} as versions
    on versions.report_id = report_checks.report_id

union all by name

select
    r11.*,
    versions.file_path,
    versions.version_no
from r11
left join {{ ref('int_report_versions') }} as versions
    on versions.report_id = r11.report_id
