{#- Fails with every row in which any of `columns` is null: the plain not-null checks of a model as
    one test, since dbt spends ~70 ms of CPU per test node whatever it checks (136 column tests
    were a third of every build). -#}
{% test not_null_columns(model, columns) %}
    select *
    from {{ model }}
    where
        {% for column in columns -%}
            {{ column }} is null{% if not loop.last %} or {% endif %}
        {%- endfor %}
{% endtest %}
