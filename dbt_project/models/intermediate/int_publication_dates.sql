-- The publication date of each report content (sha256) and where it comes from, by precedence:
-- publications.csv (a person's date: the manual override), the 发布时间 printed on the report's
-- article page, the date beside its link on the list page, the day the collector first saw it
-- (in China's time zone: deadlines are Beijing dates). The earliest date of each source counts
-- (the same bytes published at two addresses were published at the first).
with manual as (
    select files.sha256, min(publications.published_at) as published_at, 'publications_csv' as source, 1 as source_rank
    from {{ ref('stg_publications') }} as publications
    join {{ ref('stg_raw_report_files') }} as files on files.file_path = publications.file_path
    where publications.published_at is not null
    group by files.sha256
),

printed as (
    select sha256, min(printed_published_at) as published_at, 'printed' as source, 2 as source_rank
    from {{ ref('stg_collected_reports') }}
    where printed_published_at is not null
    group by sha256
),

listed as (
    select sha256, min(list_published_at) as published_at, 'list_page' as source, 3 as source_rank
    from {{ ref('stg_collected_reports') }}
    where list_published_at is not null
    group by sha256
),

first_seen as (
    select
        sha256,
        min(cast(first_seen_at + interval 8 hour as date)) as published_at,
        'first_seen' as source,
        4 as source_rank
    from {{ ref('stg_collected_reports') }}
    group by sha256
),

evidence as (
    select * from manual
    union all
    select * from printed
    union all
    select * from listed
    union all
    select * from first_seen
)

select
    sha256,
    published_at,
    source as published_at_source
from evidence
qualify row_number() over (partition by sha256 order by source_rank) = 1
