-- How much of each report (every version) was read, after corrections: complete (no
-- unreadable cell), partial (some unreadable, at least one cell read), unread (none read).
select
    report_id,
    count(*) as n_cells,
    count(*) filter (where is_read) as n_cells_read,
    count(*) filter (where cell_status = 'unreadable') as n_cells_unread,
    count(*) filter (where cell_status = 'corrected') as n_cells_corrected,
    case
        when count(*) filter (where cell_status = 'unreadable') = 0 then 'complete'
        when count(*) filter (where is_read) > 0 then 'partial'
        else 'unread'
    end as read_quality
from {{ ref('int_cells_after_corrections') }}
group by report_id
