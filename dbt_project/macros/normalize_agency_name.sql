{#- An agency name as matched against the registry: no whitespace, brackets, quotes or
    separators, so that "淮安市 洪泽区人民政府" or "（淮安市）洪泽区人民政府" find their entry.
    The characters are reference data (stg_agency_name_noise, from pipelines/template.py). -#}
{% macro normalize_agency_name(expression) -%}
    regexp_replace({{ expression }}, (select noise.pattern from {{ ref('stg_agency_name_noise') }} as noise), '', 'g')
{%- endmacro %}
