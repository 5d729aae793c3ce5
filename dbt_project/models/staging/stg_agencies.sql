-- The agency registry (every agencies.csv under the raw folder), names trimmed. kind falls
-- back to the level when the registry leaves it empty (departments: department; every other
-- level, townships included: government). registry_dir is the folder of the registry file
-- ('' at the raw root, else ending in '/').
select
    agency_id,
    {{ trim_whitespace('name') }} as name,
    aliases,
    level,
    parent_id,
    coalesce(
        kind,
        case
            when level like '%department' then 'department'
            when level is not null then 'government'
        end
    ) as kind,
    first_year,
    last_year,
    coalesce(is_generated, false) as is_generated,
    source_file,
    case
        when contains(source_file, '/') then regexp_replace(source_file, '/[^/]*$', '') || '/'
        else ''
    end as registry_dir
from {{ source('landing', 'agencies') }}
