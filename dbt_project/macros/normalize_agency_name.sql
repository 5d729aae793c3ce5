{#- An agency name as matched against the registry: no whitespace, brackets, quotes or
    separators, so that "淮安市 洪泽区人民政府" or "（淮安市）洪泽区人民政府" find their entry.
    The same normalisation as pipelines/rules.py (_NAME_NOISE). -#}
{% macro normalize_agency_name(expression) -%}
    regexp_replace({{ expression }}, '[\s\x{00a0}\x{3000}()（）\[\]［］【】《》「」“”"''·•、，,.．\-－—]+', '', 'g')
{%- endmacro %}
