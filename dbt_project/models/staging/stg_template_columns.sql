select
    template_version,
    table_key,
    row_key,
    column_key,
    column_order,
    label,
    kind
from {{ source('landing', 'template_columns') }}
