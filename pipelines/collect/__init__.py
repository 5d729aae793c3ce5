"""Collecting the annual reports from the agencies' own websites (issue #13).

- `pages`: pure functions over fetched bytes: the text encoding (header, meta tag, GBK), the links of
  a 政府信息公开年报 list page (several CMS styles), its further pages, an article page's attachment,
  the printed 发布时间.
- `http`: the HTTP client (httpx): timeouts, retries with backoff, per-host politeness delay and
  concurrency limit, conditional requests, size and redirect limits, the allow-list of hosts
  (OGI_COLLECT_ALLOW). A failure is a `Fetched` with a reason, never an exception.
- `collector`: visits each agency's list page, downloads the reports into the raw folder (bytes
  unchanged, one folder per agency) and keeps the fetch log and the collected reports in the
  collect folder (`collect/` beside the raw folder), from which the warehouse lands them.
"""
