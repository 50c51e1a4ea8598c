-- Headless CRM on BigQuery: run once, as a project owner (or someone with
-- roles/bigquery.admin and roles/resourcemanager.projectIamAdmin), after replacing
-- `my-project`, the location and the service account:
--   bq query --use_legacy_sql=false --location=US < infra/warehouses/bigquery.sql
-- The service account itself is made with
--   gcloud iam service-accounts create hcrm-pipeline --project my-project
-- and it also needs to run jobs in the project:
--   gcloud projects add-iam-policy-binding my-project \
--     --member serviceAccount:hcrm-pipeline@my-project.iam.gserviceaccount.com --role roles/bigquery.jobUser
-- See docs/warehouses.md.

-- One dataset per layer (the pipeline would create them too; made here so grants can name them).
create schema if not exists `my-project.raw` options (location = 'US');
create schema if not exists `my-project.source` options (location = 'US');
create schema if not exists `my-project.core` options (location = 'US');
create schema if not exists `my-project.identity` options (location = 'US');
create schema if not exists `my-project.crm` options (location = 'US');
create schema if not exists `my-project.ops` options (location = 'US');
create schema if not exists `my-project.main` options (location = 'US');
-- Bulk loads stage rows here; tables in it expire after a day even if a load is cut off.
create schema if not exists `my-project.hcrm_staging` options (location = 'US', default_table_expiration_days = 1);

-- The pipeline writes every dataset it builds.
grant `roles/bigquery.dataEditor` on schema `my-project.raw` to "serviceAccount:hcrm-pipeline@my-project.iam.gserviceaccount.com";
grant `roles/bigquery.dataEditor` on schema `my-project.source` to "serviceAccount:hcrm-pipeline@my-project.iam.gserviceaccount.com";
grant `roles/bigquery.dataEditor` on schema `my-project.core` to "serviceAccount:hcrm-pipeline@my-project.iam.gserviceaccount.com";
grant `roles/bigquery.dataEditor` on schema `my-project.identity` to "serviceAccount:hcrm-pipeline@my-project.iam.gserviceaccount.com";
grant `roles/bigquery.dataEditor` on schema `my-project.crm` to "serviceAccount:hcrm-pipeline@my-project.iam.gserviceaccount.com";
grant `roles/bigquery.dataEditor` on schema `my-project.ops` to "serviceAccount:hcrm-pipeline@my-project.iam.gserviceaccount.com";
grant `roles/bigquery.dataEditor` on schema `my-project.main` to "serviceAccount:hcrm-pipeline@my-project.iam.gserviceaccount.com";
grant `roles/bigquery.dataEditor` on schema `my-project.hcrm_staging` to "serviceAccount:hcrm-pipeline@my-project.iam.gserviceaccount.com";

-- Applications read the final tables (add a group or another service account).
-- grant `roles/bigquery.dataViewer` on schema `my-project.crm` to "group:analysts@example.com";
