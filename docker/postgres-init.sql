-- One server for the warehouse and for Airflow's and Superset's own metadata.
create database airflow;
create database superset;
