-- The kinds of agency with their R10 publication deadline and the level suffix that gives an
-- agency the kind when the registry leaves it empty (REPORT_DEADLINES in pipelines/template.py).
select
    agency_kind,
    deadline_month,
    deadline_day,
    level_suffix
from {{ source('landing', 'agency_kinds') }}
