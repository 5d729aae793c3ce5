{#- The reports the rules judge: the current (latest) version of each agency-year. -#}
{% macro rules_current_reports() -%}
    select report_id, template_version, agency_key, agency_id, agency_name, report_year
    from {{ ref('int_report_versions') }}
    where is_current
{%- endmacro %}
