-- The applicant columns of section 三 (requests), the same on every row of both templates.
select
    column_key,
    label,
    column_order,
    column_key = 'total' as is_total,
    case
        when column_key in (
            {%- for key in var('legal_entity_columns') %}'{{ key }}'{{ ", " if not loop.last }}{% endfor -%}
        ) then '{{ var("legal_entity_label") }}'
    end as parent_label
from {{ ref('stg_template_columns') }}
where table_key = 'requests'
qualify row_number() over (
    partition by column_key
    order by template_version desc, row_key asc
) = 1
