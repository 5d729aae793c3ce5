{#- Trim ASCII whitespace, no-break spaces and the ideographic (full-width) space
    that Chinese documents often carry around names. -#}
{% macro trim_whitespace(expression) -%}
    trim({{ expression }}, ' ' || chr(9) || chr(10) || chr(13) || chr(160) || chr(12288))
{%- endmacro %}
