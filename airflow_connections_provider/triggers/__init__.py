"""The sensor's async trigger (``ibm``) and the clients its instances share per Airflow connection
(``client_pool``)."""
