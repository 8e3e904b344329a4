"""The Airflow hook: ``IBMDataPlatformHook`` (``ibm``) turns an ``ibmdataplatform`` Airflow connection into a
ready client; ``settings`` maps the connection's fields to frozen client settings (pure, shared with the trigger)."""
