-- The headline figures of each current report, one row per agency-year: section 三 flow
-- rows and outcome groups (column 总计), new requests by applicant type, section 四 results
-- (the two litigation blocks summed). Blank and unreadable cells are NULL (not reported).
{% set applicants = request_applicant_columns() %}
{% set outcomes = request_outcome_groups() %}
{% set review = review_result_columns() %}

with cells as (
    select cells.*, template_rows.outcome_group
    from {{ ref('int_report_cells') }} as cells
    left join {{ ref('stg_template_rows') }} as template_rows
        on template_rows.template_version = cells.template_version
        and template_rows.table_key = cells.table_key
        and template_rows.row_key = cells.row_key
)

select
    cells.report_id,
    cells.agency_key,
    cells.agency_id,
    cells.report_year,
    cells.is_generated,
    agencies.level,
    agencies.parent_id as region_key,
    {%- for row in request_flow_rows() %}
    sum(cells.value) filter (where cells.table_key = 'requests' and cells.row_key = '{{ row }}' and cells.column_key = 'total') as {{ row }},
    {%- endfor %}
    {%- for group in outcomes %}
    sum(cells.value) filter (where cells.table_key = 'requests' and cells.outcome_group = '{{ group }}' and cells.column_key = 'total') as {{ group }},
    {%- endfor %}
    {%- for col in applicants %}
    sum(cells.value) filter (where cells.table_key = 'requests' and cells.row_key = 'new_received' and cells.column_key = '{{ col }}') as new_received_{{ col }},
    {%- endfor %}
    sum(cells.value) filter (where cells.table_key = 'requests' and cells.row_key = 'new_received'
        and cells.column_key in ({% for c in var('legal_entity_columns') %}'{{ c }}'{{ ", " if not loop.last }}{% endfor %})) as new_received_legal_entity,
    {%- for col in review %}
    sum(cells.value) filter (where cells.table_key = 'review_litigation' and cells.row_key = 'review' and cells.column_key = '{{ col }}') as review_{{ col }},
    {%- endfor %}
    {%- for col in review %}
    sum(cells.value) filter (where cells.table_key = 'review_litigation' and cells.row_key in ('litigation_direct', 'litigation_after_review')
        and cells.column_key = '{{ col }}') as litigation_{{ col }}{{ "," if not loop.last }}
    {%- endfor %}
from cells
left join {{ ref('dim_agency') }} as agencies on agencies.agency_key = cells.agency_key
group by all
