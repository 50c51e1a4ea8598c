-- Headless CRM on Snowflake: run once, as a user who may create roles, users, warehouses and
-- databases (ACCOUNTADMIN, or SECURITYADMIN + SYSADMIN), e.g. in a Snowsight worksheet:
--   snowsql -a <account> -u <admin> -f infra/warehouses/snowflake.sql
-- Replace the public key below first (docs/warehouses.md says how to make the key pair).
-- Names are the defaults the README uses; change them here and in SNOWFLAKE_* alike.

-- The pipeline's role owns what it builds; the reader role is for applications and analysts.
use role securityadmin;
create role if not exists hcrm_pipeline comment = 'Headless CRM worker and dbt: builds raw, source, core, identity, crm, ops';
create role if not exists hcrm_reader comment = 'Reads the Headless CRM tables';
grant role hcrm_pipeline to role sysadmin;
grant role hcrm_reader to role sysadmin;

use role sysadmin;
create warehouse if not exists hcrm_wh
  warehouse_size = xsmall auto_suspend = 60 auto_resume = true initially_suspended = true
  comment = 'Headless CRM pipeline runs';
create database if not exists hcrm comment = 'Headless CRM';

-- The pipeline creates its schemas (raw, source, core, identity, crm, ops, main) and owns them.
grant usage on warehouse hcrm_wh to role hcrm_pipeline;
grant usage, create schema on database hcrm to role hcrm_pipeline;

-- Readers see every table the pipeline creates, now and later.
grant usage on warehouse hcrm_wh to role hcrm_reader;
grant usage on database hcrm to role hcrm_reader;
grant usage on future schemas in database hcrm to role hcrm_reader;
grant select on future tables in database hcrm to role hcrm_reader;
grant select on future views in database hcrm to role hcrm_reader;

-- A service user with key-pair authentication (no password to leak). Paste the public key
-- without its BEGIN/END lines.
use role securityadmin;
create user if not exists hcrm_pipeline
  type = service
  default_role = hcrm_pipeline
  default_warehouse = hcrm_wh
  rsa_public_key = 'MIIBIjANBgkqh...replace-me...'
  comment = 'Headless CRM worker';
grant role hcrm_pipeline to user hcrm_pipeline;
-- Sessions in UTC, dbt's as well as the worker's (which sets it itself): text times without
-- an offset are UTC throughout the pipeline, as on DuckDB.
alter user hcrm_pipeline set timezone = 'UTC';
