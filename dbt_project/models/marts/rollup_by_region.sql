-- Per parent region (the agency every member's parent_id names: a county government for its
-- departments and townships, a city for its departments and counties) and year: the member
-- agencies' reports summed, and beside them the region's own report. own_minus_members_*
-- compares the two as information only: a region may report its own office's work or a
-- region-wide aggregate, no rule says they must agree (never a test failure).
with members as (
    select
        region_key,
        report_year,
        bool_or(is_generated) as is_generated,
        {{ rollup_sums() }}
    from {{ ref('int_agency_year_figures') }}
    where region_key is not null
    group by region_key, report_year
),

member_rates as (
    select *, {{ rollup_rates() }}
    from members
),

with_yoy as (
    select *, {{ rollup_yoy('region_key') }}
    from member_rates
)

select
    with_yoy.region_key,
    regions.name as region_name,
    regions.level as region_level,
    with_yoy.* exclude (region_key),
    own.report_id as own_report_id,
    {%- for col in ['new_received', 'total_processed', 'granted', 'review_total', 'litigation_total'] %}
    own.{{ col }} as own_{{ col }},
    own.{{ col }} - with_yoy.{{ col }} as own_minus_members_{{ col }},
    {%- endfor %}
    own.report_id is not null
        and own.new_received is not distinct from with_yoy.new_received
        and own.total_processed is not distinct from with_yoy.total_processed as own_equals_members
from with_yoy
left join {{ ref('dim_agency') }} as regions on regions.agency_key = with_yoy.region_key
left join {{ ref('int_agency_year_figures') }} as own
    on own.agency_key = with_yoy.region_key
    and own.report_year = with_yoy.report_year
