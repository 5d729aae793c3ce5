select
    template_version,
    check_id,
    side,
    table_key,
    row_key,
    column_key
from {{ source('landing', 'rule_terms') }}
