{#- Fails when factor × (rows of the model) differs from the rows of compare_model.
    Filter the model with the test's `config: where:`, and compare_model with
    `compare_where`. `factor` is the number of compared rows one model row stands for
    (e.g. a wide row holding four long-form cells). -#}
{% test equal_row_count(model, compare_model, compare_where=none, factor=1) %}
    with model_rows as (
        select count(*) * {{ factor }} as n from {{ model }}
    ),
    compare_rows as (
        select count(*) as n from {{ compare_model }}
        {% if compare_where %} where {{ compare_where }} {% endif %}
    )
    select model_rows.n as model_rows, compare_rows.n as compare_rows
    from model_rows cross join compare_rows
    where model_rows.n <> compare_rows.n
{% endtest %}
