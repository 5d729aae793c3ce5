-- The facts together hold exactly the parsed cells of current reports, cell by cell:
-- fct_requests (outcome rows), fct_request_flow (four flow cells per row, a cell present
-- when its status is), fct_proactive_disclosure and fct_review_litigation. Returns every
-- cell found on one side only (or more often on one side than on the other).
with fact_cells as (
    select report_id, 'requests' as table_key, row_key, column_key
    from {{ ref('fct_requests') }}
    {%- for row in ['new_received', 'carried_over', 'total_processed', 'carried_forward'] %}
    union all
    select report_id, 'requests' as table_key, '{{ row }}' as row_key, column_key
    from {{ ref('fct_request_flow') }}
    where {{ row }}_status is not null
    {%- endfor %}
    union all
    select report_id, 'proactive' as table_key, row_key, column_key
    from {{ ref('fct_proactive_disclosure') }}
    union all
    select report_id, 'review_litigation' as table_key, row_key, column_key
    from {{ ref('fct_review_litigation') }}
),

report_cells as (
    select report_id, table_key, row_key, column_key
    from {{ ref('int_report_cells') }}
),

only_in_facts as (
    select * from fact_cells
    except all
    select * from report_cells
),

only_in_report_cells as (
    select * from report_cells
    except all
    select * from fact_cells
)

select 'only in facts' as problem, * from only_in_facts
union all
select 'not in any fact' as problem, * from only_in_report_cells
