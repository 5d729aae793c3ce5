select
    cell_status,
    label_zh,
    is_operand,
    is_read,
    status_order
from {{ source('landing', 'cell_statuses') }}
