{#- The publication deadline of a report for `year` (Art. 49, R10): the kind's month and day of
    the next year (stg_agency_kinds, from pipelines/template.py: 31 January for departments,
    31 March for governments, townships included); NULL when the kind is unknown. -#}
{% macro report_deadline(kind, year) -%}
    (
        select make_date(cast({{ year }} as integer) + 1, kinds.deadline_month, kinds.deadline_day)
        from {{ ref('stg_agency_kinds') }} as kinds
        where kinds.agency_kind = {{ kind }}
    )
{%- endmacro %}
