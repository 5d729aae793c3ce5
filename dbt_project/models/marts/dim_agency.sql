-- The agency registry, plus one row per unregistered reporting body seen in a report.
with registry as (
    select
        agencies.agency_id as agency_key,
        agencies.agency_id,
        agencies.name,
        agencies.aliases,
        agencies.level,
        agencies.parent_id,
        parents.name as parent_name,
        true as is_registered
    from {{ ref('stg_agencies') }} as agencies
    left join {{ ref('stg_agencies') }} as parents
        on parents.agency_id = agencies.parent_id
),

unregistered as (
    select
        agency_key,
        cast(null as varchar) as agency_id,
        any_value(agency_name) as name,
        cast(null as varchar) as aliases,
        cast(null as varchar) as level,
        cast(null as varchar) as parent_id,
        cast(null as varchar) as parent_name,
        false as is_registered
    from {{ ref('stg_parsed_reports') }}
    where agency_id is null
    group by agency_key
)

select * from registry
union all
select * from unregistered
