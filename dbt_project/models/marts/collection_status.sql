-- Reporting season by season (the season of report year Y is January–March of Y+1), for every
-- registered agency whose website the collector visits: has its report of the year appeared on
-- its site yet, when it was first seen, its publication date (int_publication_dates) and whether
-- it is still linked. A season is one whose report year a collected report names, or the current
-- one (the year of the latest fetch, minus one), so an agency that has published nothing yet has
-- its row.
with visited as (
    select distinct agency_id
    from {{ source('landing', 'fetch_log') }}
    where purpose = 'list'
),

seasons as (
    select distinct report_year
    from {{ ref('stg_collected_reports') }}
    where report_year is not null
    union
    select max(year(fetched_at)) - 1 as report_year
    from {{ source('landing', 'fetch_log') }}
    having count(*) > 0
),

collected as (
    select
        reports.agency_id,
        reports.report_year,
        min(reports.first_seen_at) as first_seen_at,
        min(dates.published_at) as published_at,
        arg_min(dates.published_at_source, dates.published_at) as published_at_source,
        count(distinct reports.sha256) as n_versions,
        bool_and(reports.is_missing) as is_missing,
        arg_min(reports.report_url, reports.first_seen_at) as report_url
    from {{ ref('stg_collected_reports') }} as reports
    left join {{ ref('int_publication_dates') }} as dates on dates.sha256 = reports.sha256
    where reports.report_year is not null
    group by reports.agency_id, reports.report_year
)

select
    agencies.agency_id,
    agencies.name as agency_name,
    seasons.report_year,
    seasons.report_year + 1 as season,
    {{ report_deadline('agencies.kind', 'seasons.report_year') }} as deadline,
    collected.agency_id is not null as is_published,
    collected.first_seen_at,
    collected.published_at,
    collected.published_at_source,
    coalesce(collected.n_versions, 0) as n_versions,
    coalesce(collected.is_missing, false) as is_missing,
    collected.report_url
from {{ ref('stg_agencies') }} as agencies
join visited on visited.agency_id = agencies.agency_id
cross join seasons
left join collected
    on collected.agency_id = agencies.agency_id
    and collected.report_year = seasons.report_year
where
    (agencies.first_year is null or seasons.report_year >= agencies.first_year)
    and (agencies.last_year is null or seasons.report_year <= agencies.last_year)
