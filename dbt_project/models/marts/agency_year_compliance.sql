-- One row per agency-year that is expected to report (int_expected_agency_years) or has a
-- report (is_expected = false for bodies not monitored, e.g. the real registry): whether a
-- report was found, its versions, the version used (the latest), publication against the
-- deadline, the template against the required one, completeness, the read quality of the
-- version used (after corrections), findings by rule and an overall status with its Chinese
-- label. A report only partly read is neither compliant nor 'issues': needs_review (待人工核对),
-- whatever its findings (they are still listed in report_findings).
{% set rules = ['R00', 'R01', 'R02', 'R03', 'R04', 'R05', 'R06', 'R08', 'R09', 'R10', 'R11'] %}

with agency_years as (
    select agency_key, report_year from {{ ref('int_expected_agency_years') }}
    union
    select agency_key, report_year from {{ ref('int_report_versions') }}
    where is_current
),

versions as (
    select
        agency_key,
        report_year,
        count(*) as n_versions,
        min(published_at) as first_published_at,
        max(published_at) as latest_published_at
    from {{ ref('int_report_versions') }}
    where report_year is not null
    group by agency_key, report_year
),

latest as (
    select *
    from {{ ref('int_report_versions') }}
    where is_current
),

completeness as (
    select
        report_id,
        count(*) filter (where cell_status <> 'absent') as n_cells_printed,
        count(*) as n_template_cells
    from {{ ref('int_report_cells') }}
    group by report_id
),

evaluations as (
    select
        agency_key,
        report_year,
        count(*) filter (where status = 'failed') as n_findings,
        {%- for rule in rules %}
        count(*) filter (where status = 'failed' and rule_id = '{{ rule }}') as findings_{{ rule | lower }},
        {%- endfor %}
        any_value(status) filter (where rule_id = 'R10') as r10_status,
        any_value(status) filter (where rule_id = 'R08') as r08_status
    from {{ ref('rule_evaluations') }}
    group by agency_key, report_year
),

required_templates as (
    select agency_years.agency_key, agency_years.report_year, templates.template_version
    from agency_years
    join {{ ref('stg_template_versions') }} as templates
        on agency_years.report_year >= templates.first_report_year
        and (templates.last_report_year is null or agency_years.report_year <= templates.last_report_year)
),

joined as (
    select
        agency_years.agency_key,
        agencies.agency_id,
        coalesce(agencies.name, latest.agency_name) as agency_name,
        agencies.level,
        agencies.kind,
        agencies.parent_id,
        coalesce(agencies.is_generated, latest.is_generated, false) as is_generated,
        agency_years.report_year,
        expected.agency_key is not null as is_expected,
        latest.report_id is not null as report_found,
        coalesce(versions.n_versions, 0) as n_versions,
        latest.version_no as version_used,
        latest.report_id,
        latest.file_path,
        versions.first_published_at,
        versions.latest_published_at,
        {{ report_deadline('agencies.kind', 'agency_years.report_year') }} as deadline,
        case evaluations.r10_status when 'passed' then true when 'failed' then false end as on_time,
        versions.first_published_at - {{ report_deadline('agencies.kind', 'agency_years.report_year') }} as days_late,
        latest.template_version,
        required_templates.template_version as required_template_version,
        case evaluations.r08_status when 'passed' then true when 'failed' then false end as template_ok,
        completeness.n_cells_printed,
        completeness.n_template_cells,
        completeness.n_cells_printed / nullif(completeness.n_template_cells, 0) as completeness,
        quality.read_quality,
        quality.n_cells_unread,
        quality.n_cells_corrected,
        coalesce(evaluations.n_findings, 0) as n_findings,
        {%- for rule in rules %}
        coalesce(evaluations.findings_{{ rule | lower }}, 0) as findings_{{ rule | lower }}{{ "," if not loop.last }}
        {%- endfor %}
    from agency_years
    left join {{ ref('dim_agency') }} as agencies on agencies.agency_key = agency_years.agency_key
    left join {{ ref('int_expected_agency_years') }} as expected
        on expected.agency_key = agency_years.agency_key
        and expected.report_year = agency_years.report_year
    left join latest
        on latest.agency_key = agency_years.agency_key
        and latest.report_year = agency_years.report_year
    left join versions
        on versions.agency_key = agency_years.agency_key
        and versions.report_year = agency_years.report_year
    left join completeness on completeness.report_id = latest.report_id
    left join {{ ref('int_report_read_quality') }} as quality on quality.report_id = latest.report_id
    left join evaluations
        on evaluations.agency_key = agency_years.agency_key
        and evaluations.report_year = agency_years.report_year
    left join required_templates
        on required_templates.agency_key = agency_years.agency_key
        and required_templates.report_year = agency_years.report_year
),

statuses as (
    select
        *,
        case
            when not report_found then 'missing'
            when agency_id is null then 'unregistered'
            when read_quality in ('partial', 'unread') then 'needs_review'
            when n_findings - findings_r10 > 0 then 'issues'
            when findings_r10 > 0 then 'late'
            else 'compliant'
        end as status
    from joined
)

select
    statuses.*,
    labels.status_zh
from statuses
left join {{ ref('stg_compliance_statuses') }} as labels on labels.status = statuses.status
