-- Parsed reports with the reporting body matched to the registry: the printed name equals a
-- registered name or one of its '|'-separated aliases, or does so once both are normalised
-- (exact name, then alias, then normalised name, then normalised alias; ties go to the lowest
-- agency_id). Each report gets its publication date by its content (int_publication_dates: publications.csv,
-- else the collector's evidence) with the date's source, its registry file (the matched agency's, else
-- the registry whose folder holds the report, the deepest one) and is_generated from that registry.
with reports as (
    select * from {{ ref('stg_parsed_reports') }}
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

-- Names and aliases normalised (no spaces, brackets, quotes, separators): matched last.
normalized_names as (
    select agency_id, {{ normalize_agency_name('match_name') }} as match_name, match_rank + 2 as match_rank
    from agency_names
),

registry_files as (
    select source_file, any_value(registry_dir) as registry_dir, bool_or(is_generated) as is_generated
    from {{ ref('stg_agencies') }}
    group by source_file
),

report_registry as (
    select reports.report_id, registry_files.source_file, registry_files.is_generated
    from reports
    join registry_files on starts_with(reports.file_path, registry_files.registry_dir)
    qualify row_number() over (
        partition by reports.report_id
        order by length(registry_files.registry_dir) desc, registry_files.source_file
    ) = 1
),

publication_dates as (
    -- publications.csv > printed 发布时间 > list page date > first seen (int_publication_dates)
    select * from {{ ref('int_publication_dates') }}
),

all_names as (
    select * from agency_names
    union all
    select * from normalized_names
),

-- Two equality joins (a name as printed, a name as normalised, each computed once per report)
-- rather than one join on either condition, which compares every report with every name.
printed_names as (
    select report_id, agency_name, {{ normalize_agency_name('agency_name') }} as normalized_agency_name
    from reports
),

candidates as (
    select printed.report_id, names.agency_id, names.match_rank
    from printed_names as printed
    join all_names as names on names.match_name = printed.agency_name
    union all
    select printed.report_id, names.agency_id, names.match_rank
    from printed_names as printed
    join normalized_names as names on names.match_name = printed.normalized_agency_name
),

matches as (
    select report_id, agency_id
    from candidates
    qualify row_number() over (
        partition by report_id
        order by match_rank, agency_id
    ) = 1
)

select
    reports.report_id,
    reports.sha256,
    reports.file_path,
    reports.format,
    reports.agency_name,
    reports.report_year,
    reports.template_version,
    reports.n_warnings,
    reports.parser_version,
    reports.parsed_at,
    matches.agency_id,
    coalesce(
        matches.agency_id,
        'unregistered:' || coalesce(reports.agency_name, 'unnamed report ' || reports.report_id)
    ) as agency_key,
    matches.agency_id is not null as is_registered,
    publication_dates.published_at,
    publication_dates.published_at_source,
    coalesce(agencies.source_file, report_registry.source_file) as registry_file,
    coalesce(agencies.is_generated, report_registry.is_generated, false) as is_generated
from reports
left join matches on matches.report_id = reports.report_id
left join {{ ref('stg_agencies') }} as agencies on agencies.agency_id = matches.agency_id
left join report_registry on report_registry.report_id = reports.report_id
left join publication_dates on publication_dates.sha256 = reports.sha256
