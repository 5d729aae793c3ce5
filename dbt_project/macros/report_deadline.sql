{#- The publication deadline of a report for `year` (Art. 49, R10): 31 January of the next
    year for departments, 31 March for governments (townships included); NULL when the
    kind is unknown. -#}
{% macro report_deadline(kind, year) -%}
    case {{ kind }}
        when 'department' then make_date(cast({{ year }} as integer) + 1, 1, 31)
        when 'government' then make_date(cast({{ year }} as integer) + 1, 3, 31)
    end
{%- endmacro %}
