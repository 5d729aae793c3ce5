{#- The rows a current report leaves out because it prints them collapsed into another row
    (stg_collapsible_rows: the 2021 （六）1 and 2 under a （六）其他处理 printed as one row): the
    row standing for them is printed and every row of the group is absent. (report_id,
    table_key, row_key); R01–R04 skip these cells, R09 accepts their absence. -#}
{% macro rules_collapsed_rows() -%}
    with groups as (
        select template_version, table_key, collapsed_into_row, row_key, false as is_head
        from {{ ref('stg_collapsible_rows') }}
        union all
        select distinct template_version, table_key, collapsed_into_row, collapsed_into_row as row_key, true as is_head
        from {{ ref('stg_collapsible_rows') }}
    ),

    collapsed as (
        select cells.report_id, cells.template_version, groups.table_key, groups.collapsed_into_row
        from {{ ref('int_report_cells') }} as cells
        join groups
            on groups.template_version = cells.template_version
            and groups.table_key = cells.table_key
            and groups.row_key = cells.row_key
        group by all
        having bool_or(groups.is_head and cells.cell_status <> 'absent')
            and not bool_or(not groups.is_head and cells.cell_status <> 'absent')
    )

    select collapsed.report_id, rows.table_key, rows.row_key
    from collapsed
    join {{ ref('stg_collapsible_rows') }} as rows
        on rows.template_version = collapsed.template_version
        and rows.table_key = collapsed.table_key
        and rows.collapsed_into_row = collapsed.collapsed_into_row
{%- endmacro %}
