-- The characters dropped from agency names before registry matching (AGENCY_NAME_NOISE in
-- pipelines/template.py): one row, a regular expression.
select pattern
from {{ source('landing', 'agency_name_noise') }}
