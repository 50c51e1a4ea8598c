import type { SourceDefinition } from '@hcrm/contracts';

/**
 * Records a person brings in by file (`hcrm ingest manual <file>`). The import validates and
 * flattens each record into three raw tables; an import re-lands a record with a later
 * `synced_at`, and the latest import of an event id wins downstream.
 */
export const manual: SourceDefinition = {
  name: 'manual',
  description: 'Records imported from JSON Lines or CSV files (hcrm ingest manual <file>)',
  rawTables: [
    {
      name: 'manual_records_raw',
      columns: {
        id: 'string',
        occurred_at: 'timestamp',
        event_name: 'string',
        event_type: 'string',
        event_description: 'string',
        value: 'double',
        value_unit: 'string',
        source_file: 'string',
        line_number: 'integer',
        synced_at: 'timestamp',
      },
      // A file may repeat an id: every line lands, and the last line of the latest import wins.
      key: ['id', 'synced_at', 'line_number'],
    },
    {
      name: 'manual_record_entities_raw',
      columns: {
        event_id: 'string',
        line_number: 'integer',
        entity: 'string',
        entity_index: 'integer',
        attribute: 'string',
        name: 'string',
        value_index: 'integer',
        value: 'string',
        synced_at: 'timestamp',
      },
      key: ['event_id', 'synced_at', 'line_number', 'entity', 'entity_index', 'attribute', 'name', 'value_index'],
    },
    {
      name: 'manual_record_memberships_raw',
      columns: {
        event_id: 'string',
        line_number: 'integer',
        membership_index: 'integer',
        person_identifier_type: 'string',
        person_identifier: 'string',
        group_identifier_type: 'string',
        group_identifier: 'string',
        role: 'string',
        synced_at: 'timestamp',
      },
      key: ['event_id', 'synced_at', 'line_number', 'membership_index'],
    },
  ],
  interfaces: ['events', 'person_identifiers', 'person_traits', 'group_identifiers', 'group_traits', 'membership_identifiers'],
  watermarkColumn: 'synced_at',
  dbtPackage: 'hcrm_source_manual',
};

/** Where rejected lines of an import go, with file, line and reason. */
export const MANUAL_REJECTS_TABLE = {
  name: 'manual_rejects',
  columns: {
    import_id: 'string',
    source_file: 'string',
    line_number: 'integer',
    reason: 'string',
    raw_line: 'string',
    rejected_at: 'timestamp',
  },
  key: ['import_id', 'line_number'],
} as const satisfies SourceDefinition['rawTables'][number];
