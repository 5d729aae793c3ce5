{#- The measures every rollup of int_agency_year_figures carries: sums of the figures
    (blank cells are not reported and add nothing) and the outcome and review/litigation
    rates over the summed totals. `prefix` selects the source columns (e.g. 'members.'). -#}
{% macro rollup_sum_columns() -%}
    {#- int_agency_year_figures' measures, in its column order: flow rows, outcome groups, new
        requests by applicant (natural person, the legal entities together, each legal entity),
        then the review and the litigation results. -#}
    {%- set applicants = request_applicant_columns() -%}
    {%- set columns = request_flow_rows() + request_outcome_groups() -%}
    {%- if applicants -%}
        {%- set columns = columns + ['new_received_' ~ applicants[0], 'new_received_legal_entity'] -%}
        {%- for col in applicants[1:] %}{% do columns.append('new_received_' ~ col) %}{% endfor -%}
    {%- endif -%}
    {%- for col in review_result_columns() %}{% do columns.append('review_' ~ col) %}{% endfor -%}
    {%- for col in review_result_columns() %}{% do columns.append('litigation_' ~ col) %}{% endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{% macro rollup_sums(prefix='', out_prefix='') -%}
    count(distinct {{ prefix }}report_id) as {{ out_prefix }}n_reports,
    {%- for col in rollup_sum_columns() %}
    sum({{ prefix }}{{ col }}) as {{ out_prefix }}{{ col }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro rollup_rates(out_prefix='') -%}
    {%- for col in request_outcome_groups() %}
    {{ out_prefix }}{{ col }} / nullif({{ out_prefix }}total_processed, 0) as {{ out_prefix }}{{ col }}_rate,
    {%- endfor %}
    {{ out_prefix }}review_corrected / nullif({{ out_prefix }}review_total, 0) as {{ out_prefix }}review_corrected_rate,
    {{ out_prefix }}litigation_corrected / nullif({{ out_prefix }}litigation_total, 0) as {{ out_prefix }}litigation_corrected_rate
{%- endmacro %}

{#- Year-over-year change of the main measures within `partition` (NULL when the previous
    row is not the previous year). -#}
{% macro rollup_yoy(partition, out_prefix='') -%}
    {%- for col in ['new_received', 'total_processed', 'review_total', 'litigation_total'] %}
    case when lag(report_year) over (partition by {{ partition }} order by report_year) = report_year - 1
         then {{ out_prefix }}{{ col }} - lag({{ out_prefix }}{{ col }}) over (partition by {{ partition }} order by report_year)
    end as {{ out_prefix }}{{ col }}_yoy_change,
    {%- endfor %}
    case when lag(report_year) over (partition by {{ partition }} order by report_year) = report_year - 1
         then {{ out_prefix }}new_received / nullif(lag({{ out_prefix }}new_received) over (partition by {{ partition }} order by report_year), 0) - 1
    end as {{ out_prefix }}new_received_yoy_pct,
    case when lag(report_year) over (partition by {{ partition }} order by report_year) = report_year - 1
         then {{ out_prefix }}granted_rate - lag({{ out_prefix }}granted_rate) over (partition by {{ partition }} order by report_year)
    end as {{ out_prefix }}granted_rate_yoy_change
{%- endmacro %}
