{#- R10 'R10': the first publication (version 1) of an agency-year is on or before the deadline
    of its kind (report_deadline); not_assessable without a date or without the agency's kind. -#}
{% macro rule_r10() -%}
    with first_versions as (
        select
            versions.report_id,
            versions.template_version,
            versions.published_at as first_published_at,
            {{ report_deadline('agencies.kind', 'versions.report_year') }} as deadline
        from {{ ref('int_report_versions') }} as versions
        left join {{ ref('stg_agencies') }} as agencies on agencies.agency_id = versions.agency_id
        where versions.version_no = 1
    )

    select
        report_id,
        template_version,
        'R10' as rule_id,
        'R10' as check_id,
        case
            when first_published_at is null or deadline is null then 'not_assessable'
            when first_published_at <= deadline then 'passed'
            else 'failed'
        end as status,
        deadline,
        first_published_at,
        'first published ' || coalesce(cast(first_published_at as varchar), 'unknown')
            || ', deadline ' || coalesce(cast(deadline as varchar), 'unknown (kind of agency unknown)') as detail
    from first_versions
{%- endmacro %}
