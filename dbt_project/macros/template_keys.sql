{#- Keys of the template read from the landing reference tables (written from pipelines/template.py
    by the template_reference asset), so that every pivot follows the template rather than a list
    kept here. At parse time (dbt parse, sqlfluff) there is no warehouse to read: one stand-in key
    keeps the rendered SQL well-formed; it never reaches a run. -#}
{% macro template_keys(query) -%}
    {%- if not execute %}{{ return(['parse_time_key']) }}{% endif -%}
    {%- set keys = run_query(query).columns[0].values() | list -%}
    {%- if not keys -%}
        {{ exceptions.raise_compiler_error("the template reference tables give no keys for: " ~ query
            ~ " (is landing.template_rows loaded? the template_reference asset writes it)") }}
    {%- endif -%}
    {{ return(keys) }}
{%- endmacro %}

{#- Section 三's flow rows (一 new_received, 二 carried_over, （七） total_processed, 四 carried_forward):
    the rows outside every outcome group, in template order. -#}
{% macro request_flow_rows() -%}
    {{ return(template_keys("select row_key from " ~ source('landing', 'template_rows')
        ~ " where table_key = 'requests' and outcome_group is null group by row_key order by min(row_order)")) }}
{%- endmacro %}

{#- Section 三's outcome groups ((一) granted … (六) other), in template order. -#}
{% macro request_outcome_groups() -%}
    {{ return(template_keys("select outcome_group from " ~ source('landing', 'template_rows')
        ~ " where table_key = 'requests' and outcome_group is not null group by outcome_group order by min(row_order)")) }}
{%- endmacro %}

{#- Section 三's applicant columns without the 总计 column, in template order. -#}
{% macro request_applicant_columns() -%}
    {{ return(template_keys("select column_key from " ~ source('landing', 'template_columns')
        ~ " where table_key = 'requests' and column_key <> 'total' group by column_key order by min(column_order)")) }}
{%- endmacro %}

{#- Section 四's result columns of one block (upheld, corrected, other, pending, total), in template order. -#}
{% macro review_result_columns() -%}
    {{ return(template_keys("select column_key from " ~ source('landing', 'template_columns')
        ~ " where table_key = 'review_litigation' and row_key = 'review' group by column_key order by min(column_order)")) }}
{%- endmacro %}
