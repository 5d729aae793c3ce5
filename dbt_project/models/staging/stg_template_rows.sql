select
    template_version,
    table_key,
    row_key,
    row_order,
    label,
    group_label,
    full_label,
    outcome_group,
    outcome_group_label
from {{ source('landing', 'template_rows') }}
