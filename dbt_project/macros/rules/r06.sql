{#- R06 'R06:<column>': this year's carried_over = last year's carried_forward (current versions
    of both years; no check without last year's report); not_printed when either is absent,
    not_assessable when either is not an operand (blank, unreadable). -#}
{% macro rule_r06(tolerance=1e-9) -%}
    with reports as (
        {{ rules_current_reports() }}
    )

    select
        reports.report_id,
        reports.template_version,
        'R06' as rule_id,
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
{%- endmacro %}
