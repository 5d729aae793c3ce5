select
    template_version,
    rule_id,
    rule_name,
    rule_text_zh,
    check_id,
    anchor_table,
    anchor_row,
    anchor_column
from {{ source('landing', 'rule_checks') }}
