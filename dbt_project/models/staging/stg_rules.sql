select
    rule_id,
    rule_name,
    rule_text_zh
from {{ source('landing', 'rules') }}
