{#- The measures every rollup of int_agency_year_figures carries: sums of the figures
    (blank cells are not reported and add nothing) and the outcome and review/litigation
    rates over the summed totals. `prefix` selects the source columns (e.g. 'members.'). -#}
{% macro rollup_sum_columns() -%}
    {{ return(['new_received', 'carried_over', 'total_processed', 'carried_forward',
               'granted', 'partially_granted', 'denied', 'unable', 'not_processed', 'other',
               'new_received_natural_person', 'new_received_legal_entity',
               'new_received_commercial', 'new_received_research', 'new_received_social_org',
               'new_received_legal_service', 'new_received_other_org',
               'review_upheld', 'review_corrected', 'review_other', 'review_pending', 'review_total',
               'litigation_upheld', 'litigation_corrected', 'litigation_other', 'litigation_pending',
               'litigation_total']) }}
{%- endmacro %}

{% macro rollup_sums(prefix='', out_prefix='') -%}
    count(distinct {{ prefix }}report_id) as {{ out_prefix }}n_reports,
    {%- for col in rollup_sum_columns() %}
    sum({{ prefix }}{{ col }}) as {{ out_prefix }}{{ col }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro rollup_rates(out_prefix='') -%}
    {%- for col in ['granted', 'partially_granted', 'denied', 'unable', 'not_processed', 'other'] %}
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
