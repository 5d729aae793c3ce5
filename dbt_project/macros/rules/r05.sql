{#- R05: an operand count that is negative or not an integer, a signed change not an integer,
    or a negative amount (the column kinds of stg_template_columns), is a failed check of its
    own ('R05:<row>:<column>'), expected NULL and actual the value. Only failures are rows. -#}
{% macro rule_r05() -%}
    select
        cells.report_id,
        cells.template_version,
        'R05' as rule_id,
        'R05:' || cells.row_key || ':' || cells.column_key as check_id,
        cells.table_key,
        cells.row_key,
        cells.column_key,
        cast(null as double) as total_side_sum,
        cast(null as double) as parts_side_sum,
        cast(null as double) as expected,
        cells.value as actual,
        cast(null as varchar) as detail,
        1 as n_operands,
        0 as n_blank_operands,
        0 as n_unread_operands,
        0 as n_absent_cells,
        false as blank_involved,
        'failed' as status
    from {{ ref('int_report_cells') }} as cells
    join {{ ref('stg_template_columns') }} as columns
        on columns.template_version = cells.template_version
        and columns.table_key = cells.table_key
        and columns.row_key = cells.row_key
        and columns.column_key = cells.column_key
    where cells.is_operand
        and (
            (columns.kind = 'count' and (cells.value < 0 or cells.value <> floor(cells.value)))
            or (columns.kind = 'signed' and cells.value <> floor(cells.value))
            or (columns.kind = 'amount' and cells.value < 0)
        )
{%- endmacro %}
