-- Every parsed report, flagged is_current for the one report kept per agency_key and
-- report_year (several files can be the same agency-year): the latest parsed_at, then
-- the highest report_id. A report without a report year cannot be placed and is never current.
select
    *,
    report_year is not null
    and row_number() over (
        partition by agency_key, report_year
        order by parsed_at desc nulls last, report_id desc
    ) = 1 as is_current
from {{ ref('stg_parsed_reports') }}
