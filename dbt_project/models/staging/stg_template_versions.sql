-- The template versions and the report years each one is required for (R08).
select
    template_version,
    notice,
    first_report_year,
    last_report_year
from {{ source('landing', 'template_versions') }}
