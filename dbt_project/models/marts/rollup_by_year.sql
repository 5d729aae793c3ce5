-- Requests, outcomes and review/litigation summed over all current reports of a year
-- (generated cities apart from real reports), with rates and year-over-year change.
with sums as (
    select
        report_year,
        is_generated,
        {{ rollup_sums() }}
    from {{ ref('int_agency_year_figures') }}
    group by report_year, is_generated
),

rates as (
    select *, {{ rollup_rates() }}
    from sums
)

select *, {{ rollup_yoy('is_generated') }}
from rates
