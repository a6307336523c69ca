"""Airflow DAG: adept nightly power-user scoring.

Runs after the exports land. adept exits 0 on success, 2 configuration, 3 input data,
4 output not writable, 5 another run holds the lock, 70 a bug; Airflow fails the task on any
non-zero status, and skips it on 5 (another run is already doing the work).
"""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    dag_id="adept_nightly",
    schedule="30 2 * * *",
    start_date=datetime(2026, 11, 1),
    catchup=False,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=15)},
    tags=["adept"],
) as dag:
    BashOperator(
        task_id="score",
        bash_command=(
            "adept run --config /etc/adept/adept.toml --input /srv/exports "
            "--root /var/lib/adept --as-of {{ ds }} --log-format json"
        ),
        skip_on_exit_code=5,
        env={"ADEPT_PSEUDONYM_KEY": "{{ var.value.adept_pseudonym_key }}"},
        append_env=True,
    )
