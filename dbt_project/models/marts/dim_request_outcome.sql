-- The rows of section 三 (requests) of both templates, merged on row_key; labels and order
-- come from the 2021 template where the row exists there.
with request_rows as (
    select *
    from {{ ref('stg_template_rows') }}
    where table_key = 'requests'
),

row_keys as (
    select
        row_key,
        bool_or(template_version = '2019') as in_2019,
        bool_or(template_version = '2021') as in_2021
    from request_rows
    group by row_key
),

preferred as (
    select *
    from request_rows
    qualify row_number() over (
        partition by row_key
        order by case template_version when '2021' then 0 else 1 end, template_version desc
    ) = 1
)

select
    row_keys.row_key,
    preferred.label,
    preferred.full_label,
    preferred.group_label,
    preferred.outcome_group,
    preferred.outcome_group_label,
    preferred.row_order,
    row_keys.in_2019,
    row_keys.in_2021,
    preferred.outcome_group is not null as is_outcome
from row_keys
join preferred on preferred.row_key = row_keys.row_key
