{#- R12 'R12:<target>:<number>': a figure the narrative quotes equals the table's figure
    (stg_narrative_targets: the sum of its cells). `figures` is a relation of (report_id, seq,
    target, number, quote): the figures text extraction found (pipelines/check.py; the warehouse
    holds no narrative, so `ogi check` alone runs this rule). Judged only when every cell of the
    sum is an operand (a blank, unread or absent cell: no check); a number quoted twice for one
    target is judged once (its first quote). Only failures are rows, in the order quoted. -#}
{% macro rule_r12(figures, tolerance=1e-6) -%}
    with firsts as (
        select *
        from {{ figures }}
        qualify row_number() over (partition by report_id, target, number order by seq) = 1
    ),

    table_figures as (
        select
            firsts.report_id,
            firsts.seq,
            firsts.target,
            firsts.number,
            firsts.quote,
            any_value(targets.anchor_table) as table_key,
            any_value(targets.anchor_row) as row_key,
            any_value(targets.anchor_column) as column_key,
            any_value(targets.description_zh) as description_zh,
            sum(cells.value) as table_value,
            bool_and(coalesce(cells.is_operand, false)) as all_operands
        from firsts
        join {{ ref('stg_narrative_targets') }} as targets on targets.target = firsts.target
        left join {{ ref('int_report_cells') }} as cells
            on cells.report_id = firsts.report_id
            and cells.table_key = targets.table_key
            and cells.row_key = targets.row_key
            and cells.column_key = targets.column_key
        group by all
    )

    select
        report_id,
        seq,
        'R12' as rule_id,
        'R12:' || target || ':' || number as check_id,
        table_key,
        row_key,
        column_key,
        table_value as expected,
        number as actual,
        quote,
        description_zh,
        'failed' as status
    from table_figures
    where all_operands and abs(table_value - number) >= {{ tolerance }}
    order by seq
{%- endmacro %}
