{#- Use the configured schema name as is (staging, intermediate, marts), without the
    default "<target schema>_" prefix. Models without a schema go to the target schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
