-- Every raw file (by content, sha256) has a parsed report or a quarantine record.
select files.*
from {{ ref('stg_raw_report_files') }} as files
where files.sha256 not in (select parsed.sha256 from {{ ref('stg_parsed_reports') }} as parsed)
    and files.sha256 not in (select quarantined.sha256 from {{ ref('stg_quarantined_files') }} as quarantined)
