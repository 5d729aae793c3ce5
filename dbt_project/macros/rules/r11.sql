{#- R11 'R11': an expected agency-year (int_expected_agency_years) has a current report;
    report_id NULL when failed. -#}
{% macro rule_r11() -%}
    select
        expected.agency_key,
        expected.agency_id,
        expected.report_year,
        reports.report_id,
        reports.template_version,
        'R11' as rule_id,
        'R11' as check_id,
        case when reports.report_id is null then 'failed' else 'passed' end as status,
        case when reports.report_id is null then 'no report found'
             else 'report found' end as detail
    from {{ ref('int_expected_agency_years') }} as expected
    left join ({{ rules_current_reports() }}) as reports
        on reports.agency_key = expected.agency_key
        and reports.report_year = expected.report_year
{%- endmacro %}
