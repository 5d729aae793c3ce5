-- Section 三 outcome cells summed by year, level, parent region, outcome group and applicant
-- column: the long form behind the rollups (sum further for any coarser grouping).
select
    cells.report_year,
    cells.is_generated,
    agencies.level,
    agencies.parent_id as region_key,
    template_rows.outcome_group,
    template_rows.outcome_group_label,
    cells.column_key,
    count(distinct cells.report_id) as n_reports,
    sum(cells.value) as value,
    count(*) filter (where cells.cell_status in ('blank', 'unreadable')) as n_blank_cells
from {{ ref('int_report_cells') }} as cells
join {{ ref('stg_template_rows') }} as template_rows
    on template_rows.template_version = cells.template_version
    and template_rows.table_key = cells.table_key
    and template_rows.row_key = cells.row_key
left join {{ ref('dim_agency') }} as agencies on agencies.agency_key = cells.agency_key
where cells.table_key = 'requests' and template_rows.outcome_group is not null
group by all
