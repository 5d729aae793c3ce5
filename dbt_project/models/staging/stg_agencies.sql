-- The agency registry (every agencies.csv under the raw folder), names trimmed. kind falls
-- back to the level when the registry leaves it empty (agency_kind: departments: department;
-- every other level, townships included: government). registry_dir is the folder of the registry file
-- ('' at the raw root, else ending in '/').
select
    agency_id,
    {{ trim_whitespace('name') }} as name,
    aliases,
    level,
    parent_id,
    {{ agency_kind('kind', 'level') }} as kind,
    first_year,
    last_year,
    coalesce(is_generated, false) as is_generated,
    source_file,
    case
        when contains(source_file, '/') then regexp_replace(source_file, '/[^/]*$', '') || '/'
        else ''
    end as registry_dir
from {{ source('landing', 'agencies') }}
