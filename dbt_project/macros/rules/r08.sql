{#- R08 'R08': the report's template_version is the version required for its year
    (stg_template_versions); not_assessable for a year no version covers. -#}
{% macro rule_r08() -%}
    select
        reports.report_id,
        reports.template_version,
        'R08' as rule_id,
        'R08' as check_id,
        case
            when required.template_version is null then 'not_assessable'
            when required.template_version = reports.template_version then 'passed'
            else 'failed'
        end as status,
        required.template_version as required_template,
        'required template ' || coalesce(required.template_version, 'unknown') || ' ('
            || coalesce(required.notice, '') || '), printed ' || reports.template_version as detail
    from ({{ rules_current_reports() }}) as reports
    left join {{ ref('stg_template_versions') }} as required
        on reports.report_year >= required.first_report_year
        and (required.last_report_year is null or reports.report_year <= required.last_report_year)
{%- endmacro %}
