import type { ManualRecord } from './record';

type Row = Record<string, string | number | null>;

export interface FlatRecord {
  manual_records_raw: Row;
  manual_record_entities_raw: Row[];
  manual_record_memberships_raw: Row[];
}

/** The raw rows of one record, as one import (`syncedAt`) lands them. */
export function flattenRecord(record: ManualRecord, syncedAt: string, sourceFile: string, lineNumber: number): FlatRecord {
  const entities: Row[] = [];
  const addEntities = (entity: 'person' | 'group', list: ManualRecord['persons']) =>
    list.forEach((item, entityIndex) => {
      for (const [name, values] of Object.entries(item.identifiers)) {
        values.forEach((value, valueIndex) =>
          entities.push({ event_id: record.id, line_number: lineNumber, entity, entity_index: entityIndex, attribute: 'identifier', name, value_index: valueIndex, value, synced_at: syncedAt }),
        );
      }
      for (const [name, value] of Object.entries(item.traits)) {
        entities.push({ event_id: record.id, line_number: lineNumber, entity, entity_index: entityIndex, attribute: 'trait', name, value_index: 0, value, synced_at: syncedAt });
      }
    });
  addEntities('person', record.persons);
  addEntities('group', record.groups);
  return {
    manual_records_raw: {
      id: record.id,
      occurred_at: record.occurredAt,
      event_name: record.eventName,
      event_type: record.eventType,
      event_description: record.eventDescription,
      value: record.value,
      value_unit: record.valueUnit,
      source_file: sourceFile,
      line_number: lineNumber,
      synced_at: syncedAt,
    },
    manual_record_entities_raw: entities,
    manual_record_memberships_raw: record.memberships.map((membership, i) => ({
      event_id: record.id,
      line_number: lineNumber,
      membership_index: i,
      person_identifier_type: membership.person.type,
      person_identifier: membership.person.value,
      group_identifier_type: membership.group.type,
      group_identifier: membership.group.value,
      role: membership.role,
      synced_at: syncedAt,
    })),
  };
}
