-- Template rows a report may print collapsed into another row (the 2021 （六）1 and 2 under a
-- （六）其他处理 printed as one row; COLLAPSIBLE_OTHER_ROWS in pipelines/template.py).
select
    template_version,
    table_key,
    row_key,
    collapsed_into_row
from {{ source('landing', 'collapsible_rows') }}
