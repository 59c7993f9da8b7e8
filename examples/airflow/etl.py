"""Three small DAGs whose runs fill dag_run, task_instance, xcom and log."""
import pendulum
from airflow import DAG
from airflow.operators.python import PythonOperator

def extract(**ctx):
    return {"rows": 42, "run": ctx["run_id"]}

def load(ti, **ctx):
    ti.xcom_push(key="loaded", value=ti.xcom_pull(task_ids="extract"))

for name in ("etl_orders", "etl_customers", "report_daily"):
    with DAG(name, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule="@daily",
             catchup=False, tags=["team-a", name.split("_")[0]]) as dag:
        e = PythonOperator(task_id="extract", python_callable=extract)
        t = PythonOperator(task_id="transform", python_callable=extract)
        l = PythonOperator(task_id="load", python_callable=load)
        e >> t >> l
    globals()[name] = dag
