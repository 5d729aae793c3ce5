select
    status,
    status_zh,
    status_order
from {{ source('landing', 'compliance_statuses') }}
