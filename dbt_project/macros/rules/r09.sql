{#- R09 'R09:<table>:<row>': every template row of the report's version is printed: failed only
    when the row's cells are absent (positively not printed); rows printed collapsed into another
    row (rules_collapsed_rows, the 2021 （六）1 and 2) are accepted; a row with no parsed cell is
    not_assessable. -#}
{% macro rule_r09() -%}
    with reports as (
        {{ rules_current_reports() }}
    ),

    collapsed as (
        {{ rules_collapsed_rows() }}
    ),

    printed_rows as (
        select
            reports.report_id,
            reports.template_version,
            template_rows.table_key,
            template_rows.row_key,
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
    )

    select
        printed_rows.report_id,
        printed_rows.template_version,
        'R09' as rule_id,
        'R09:' || printed_rows.table_key || ':' || printed_rows.row_key as check_id,
        printed_rows.table_key,
        printed_rows.row_key,
        case
            when printed_rows.is_printed then 'passed'
            when collapsed.report_id is not null then 'passed'
            -- absence is a finding only when the parser saw it (cells marked absent)
            when not printed_rows.has_cells then 'not_assessable'
            else 'failed'
        end as status,
        case
            when printed_rows.is_printed then 'printed'
            when collapsed.report_id is not null
                then 'not printed: ' || collapsed.row_key || ' printed collapsed into its group''s row (accepted)'
            when not printed_rows.has_cells then 'no parsed cell for the row'
            else 'template row not printed'
        end as detail
    from printed_rows
    left join collapsed
        on collapsed.report_id = printed_rows.report_id
        and collapsed.table_key = printed_rows.table_key
        and collapsed.row_key = printed_rows.row_key
{%- endmacro %}
