{#- R00 'R00': the printed agency name of a current report matches the registry (the matching
    itself is int_report_versions'). The registered name one character away from an
    unregistered report's printed name is a hint for the person resolving it (a misread
    character), never a match (two bodies' names may differ by one character). -#}
{% macro rule_r00() -%}
    with reports as (
        {{ rules_current_reports() }}
    ),

    near_names as (
        select
            reports.report_id,
            min(agencies.name) as near_name,
            count(distinct agencies.agency_id) as n_near
        from reports
        join {{ ref('stg_agencies') }} as agencies
            on length({{ normalize_agency_name('agencies.name') }}) >= 5
            and levenshtein(
                {{ normalize_agency_name('agencies.name') }},
                {{ normalize_agency_name('reports.agency_name') }}
            ) = 1
        where reports.agency_id is null
        group by reports.report_id
    )

    select
        reports.report_id,
        reports.template_version,
        'R00' as rule_id,
        'R00' as check_id,
        case when reports.agency_id is null then 'failed' else 'passed' end as status,
        case
            when reports.agency_id is not null then 'registered as ' || reports.agency_id
            when near_names.n_near = 1
                then 'printed name matches no registered name or alias; one character differs from '
                    || near_names.near_name
            else 'printed name matches no registered name or alias'
        end as detail
    from reports
    left join near_names on near_names.report_id = reports.report_id
{%- endmacro %}
