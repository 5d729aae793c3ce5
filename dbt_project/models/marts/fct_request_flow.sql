-- Section 三 flow rows, one row per current report × applicant column:
-- 一 new_received + 二 carried_over = （七） total_processed + 四 carried_forward (R03).
{% set flow_rows = request_flow_rows() %}

select
    report_id,
    agency_id,
    agency_key,
    report_year,
    template_version,
    is_generated,
    column_key,
    {%- for row in flow_rows %}
    any_value(value) filter (where row_key = '{{ row }}') as {{ row }},
    {%- endfor %}
    {%- for row in flow_rows %}
    coalesce(bool_or(is_blank) filter (where row_key = '{{ row }}'), false) as {{ row }}_is_blank,
    {%- endfor %}
    {%- for row in flow_rows %}
    any_value(cell_status) filter (where row_key = '{{ row }}') as {{ row }}_status{{ "," if not loop.last }}
    {%- endfor %}
from {{ ref('int_report_cells') }}
where table_key = 'requests'
    and row_key in ({% for row in flow_rows %}'{{ row }}'{{ ", " if not loop.last }}{% endfor %})
group by report_id, agency_id, agency_key, report_year, template_version, is_generated, column_key
