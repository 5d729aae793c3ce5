{#- An agency's kind: the registry's, else the kind its level gives (stg_agency_kinds: a level
    ending with a kind's level_suffix, else the kind with no suffix: every other level, townships
    included); NULL without a level. -#}
{% macro agency_kind(kind, level) -%}
    coalesce(
        {{ kind }},
        (
            select kinds.agency_kind
            from {{ ref('stg_agency_kinds') }} as kinds
            where {{ level }} is not null
                and (kinds.level_suffix is null or ends_with({{ level }}, kinds.level_suffix))
            order by kinds.level_suffix is null, kinds.agency_kind
            limit 1
        )
    )
{%- endmacro %}
