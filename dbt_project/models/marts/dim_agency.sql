-- The agency registry (every registry file), plus one row per unregistered reporting body
-- seen in a report (is_generated from the registry folder holding its reports).
with registry as (
    select
        agencies.agency_id as agency_key,
        agencies.agency_id,
        agencies.name,
        agencies.aliases,
        agencies.level,
        agencies.kind,
        agencies.parent_id,
        parents.name as parent_name,
        agencies.first_year,
        agencies.last_year,
        agencies.is_generated,
        agencies.source_file as registry_file,
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
        cast(null as varchar) as kind,
        cast(null as varchar) as parent_id,
        cast(null as varchar) as parent_name,
        cast(null as integer) as first_year,
        cast(null as integer) as last_year,
        bool_or(is_generated) as is_generated,
        min(registry_file) as registry_file,
        false as is_registered
    from {{ ref('int_reports') }}
    where agency_id is null
    group by agency_key
)

select * from registry
union all
select * from unregistered
