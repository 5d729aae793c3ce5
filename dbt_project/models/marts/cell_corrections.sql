-- Every row of every corrections file and what became of it (docs/monitoring.md):
--   applied    the cell of a current report now holds the person's value (cell_status 'corrected')
--   duplicate  a later row gives the same cell the same value (that one is applied)
--   stale      the corrected bytes are no longer a current report (re-published, changed or
--              removed): never applied to another file; read the current file again
--   rejected   the row is not valid (landing.rejected_corrections: unknown file or key,
--              not a number, negative count, conflicting values, ...)
-- with the cell as the parser read it and the agency-year it belongs to.
with corrections as (
    select
        corrections.source_file,
        corrections.line_no,
        corrections.correction_status,
        corrections.status_detail,
        corrections.sha256,
        corrections.file_path,
        corrections.report_id,
        corrections.agency_key,
        corrections.agency_id,
        coalesce(agencies.name, corrections.agency_name) as agency_name,
        coalesce(agencies.is_generated, corrections.is_generated, false) as is_generated,
        corrections.report_year,
        corrections.table_key,
        corrections.row_key,
        corrections.column_key,
        corrections.value,
        corrections.is_blank,
        cast(null as varchar) as value_text,
        cells.value as parsed_value,
        cells.cell_status as parsed_status,
        cells.raw_text,
        cells.source_location,
        corrections.corrected_by,
        corrections.corrected_at,
        corrections.note
    from {{ ref('int_corrections') }} as corrections
    left join {{ ref('stg_parsed_cells') }} as cells
        on cells.report_id = corrections.report_id
        and cells.table_key = corrections.table_key
        and cells.row_key = corrections.row_key
        and cells.column_key = corrections.column_key
    left join {{ ref('dim_agency') }} as agencies on agencies.agency_key = corrections.agency_key
),

rejected as (
    select
        source_file,
        line_no,
        'rejected' as correction_status,
        reason as status_detail,
        sha256,
        file_path,
        cast(null as varchar) as report_id,
        cast(null as varchar) as agency_key,
        cast(null as varchar) as agency_id,
        cast(null as varchar) as agency_name,
        false as is_generated,
        cast(null as integer) as report_year,
        table_key,
        row_key,
        column_key,
        cast(null as double) as value,
        cast(null as boolean) as is_blank,
        value_text,
        cast(null as double) as parsed_value,
        cast(null as varchar) as parsed_status,
        cast(null as varchar) as raw_text,
        cast(null as varchar) as source_location,
        corrected_by,
        try_cast(corrected_at as timestamp) as corrected_at,
        note
    from {{ ref('stg_rejected_corrections') }}
)

select * from corrections
union all by name
select * from rejected
