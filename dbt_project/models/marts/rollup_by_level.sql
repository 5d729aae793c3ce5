-- As rollup_by_year, per administrative level (city/county government, department, township).
with sums as (
    select
        report_year,
        is_generated,
        level,
        {{ rollup_sums() }}
    from {{ ref('int_agency_year_figures') }}
    group by report_year, is_generated, level
),

rates as (
    select *, {{ rollup_rates() }}
    from sums
)

select *, {{ rollup_yoy('is_generated, level') }}
from rates
