-- Parsed reports with the reporting body matched to the registry: the trimmed printed
-- name equals a registered name or one of its '|'-separated aliases (a name match wins
-- over an alias match; ties go to the lowest agency_id).
with reports as (
    select
        *,
        nullif({{ trim_whitespace('agency_name') }}, '') as printed_name
    from {{ source('landing', 'parsed_reports') }}
),

agency_names as (
    select agency_id, name as match_name, 1 as match_rank
    from {{ ref('stg_agencies') }}
    union all
    select agency_id, {{ trim_whitespace('alias') }} as match_name, 2 as match_rank
    from (
        select agency_id, unnest(string_split(aliases, '|')) as alias
        from {{ ref('stg_agencies') }}
        where aliases is not null
    )
),

matches as (
    select reports.report_id, agency_names.agency_id
    from reports
    join agency_names on agency_names.match_name = reports.printed_name
    qualify row_number() over (
        partition by reports.report_id
        order by agency_names.match_rank, agency_names.agency_id
    ) = 1
)

select
    reports.report_id,
    reports.sha256,
    reports.file_path,
    reports.format,
    reports.printed_name as agency_name,
    reports.report_year,
    reports.template_version,
    reports.n_warnings,
    reports.parser_version,
    reports.parsed_at,
    matches.agency_id,
    coalesce(
        matches.agency_id,
        'unregistered:' || coalesce(reports.printed_name, 'unnamed report ' || reports.report_id)
    ) as agency_key,
    matches.agency_id is not null as is_registered
from reports
left join matches on matches.report_id = reports.report_id
