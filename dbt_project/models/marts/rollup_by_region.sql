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
    -- region_key below is a column to leave out, not a reference
    with_yoy.* exclude (region_key),  -- noqa: RF02
    own.report_id as own_report_id,
    {%- for col in ['new_received', 'total_processed', 'granted', 'review_total', 'litigation_total'] %}
    own.{{ col }} as own_{{ col }},
    own.{{ col }} - with_yoy.{{ col }} as own_minus_members_{{ col }},
    {%- endfor %}
    own.report_id is not null
        -- equal, or both not reported (is not distinct from, spelled out for the linter's parser)
        and coalesce(own.new_received = with_yoy.new_received, own.new_received is null and with_yoy.new_received is null)
        and coalesce(
            own.total_processed = with_yoy.total_processed,
            own.total_processed is null and with_yoy.total_processed is null
        ) as own_equals_members
from with_yoy
left join {{ ref('dim_agency') }} as regions on regions.agency_key = with_yoy.region_key
left join {{ ref('int_agency_year_figures') }} as own
    on own.agency_key = with_yoy.region_key
    and own.report_year = with_yoy.report_year
