select
    agency_id,
    {{ trim_whitespace('name') }} as name,
    aliases,
    level,
    parent_id
from {{ source('landing', 'agencies') }}
