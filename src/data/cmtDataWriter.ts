import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { CmtRecord, CmtValue } from './cmtRecords';
import { escapeAttribute, xmlAttribute } from './cmtXml';

const CRLF = '\r\n';

export interface CmtLinks {
  sourceId: string;
  relationship: string;
  targetEntity: string;
  targetIdField: string;
  targetIds: string[];
}

/** The tool's timestamp: UTC with seven fractional digits. */
export function cmtTimestamp(date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

function fieldXml(value: CmtValue, indent: string): string {
  const lookup =
    value.lookupentity !== undefined
      ? `${xmlAttribute('lookupentity', value.lookupentity)}${value.lookupentityname !== undefined ? xmlAttribute('lookupentityname', value.lookupentityname) : ''}`
      : '';
  const head = `${indent}<field${xmlAttribute('name', value.name)}${xmlAttribute('value', value.value)}${lookup}`;
  if (!value.parties) return `${head} />`;
  const parties = value.parties.map((p) =>
    [
      `${indent}  <activitypointerrecords${xmlAttribute('id', p.id)}>`,
      ...p.fields.map((f) => fieldXml(f, `${indent}    `)),
      `${indent}  </activitypointerrecords>`,
    ].join(CRLF),
  );
  return [`${head}>`, ...parties, `${indent}</field>`].join(CRLF);
}

/**
 * Writes data.xml as the Configuration Migration tool does, as the records come: a line break
 * first, CRLF, two-space indentation, an entity only once it has a record, its N:N links after its
 * records. Waits for the stream to drain, so memory holds a page of records at most.
 */
export class CmtDataWriter {
  constructor(private readonly out: Writable) {}

  private async write(text: string): Promise<void> {
    if (!this.out.write(text)) await once(this.out, 'drain');
  }

  async begin(timestamp = cmtTimestamp()): Promise<void> {
    await this.write(
      `${CRLF}<entities xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" timestamp="${escapeAttribute(timestamp)}">`,
    );
  }

  /** Starts an entity's records; written only when its first record comes. */
  entity(name: string, displayname: string): { record(record: CmtRecord): Promise<void>; end(links: CmtLinks[]): Promise<void> } {
    let started = false;
    const start = async () => {
      if (started) return;
      started = true;
      await this.write(`${CRLF}  <entity${xmlAttribute('name', name)}${xmlAttribute('displayname', displayname)}>${CRLF}    <records>`);
    };
    return {
      record: async (record) => {
        await start();
        const lines = [
          `${CRLF}      <record${xmlAttribute('id', record.id)}>`,
          ...record.fields.map((f) => fieldXml(f, '        ')),
          '      </record>',
        ];
        await this.write(lines.join(CRLF));
      },
      end: async (links) => {
        if (!started && !links.length) return;
        await start();
        await this.write(`${CRLF}    </records>${CRLF}`);
        if (!links.length) await this.write('    <m2mrelationships />');
        else {
          const parts = links.map((l) =>
            [
              `      <m2mrelationship${xmlAttribute('sourceid', l.sourceId)}${xmlAttribute('targetentityname', l.targetEntity)}${xmlAttribute('targetentitynameidfield', l.targetIdField)}${xmlAttribute('m2mrelationshipname', l.relationship)}>`,
              '        <targetids>',
              ...l.targetIds.map((t) => `          <targetid>${t}</targetid>`),
              '        </targetids>',
              '      </m2mrelationship>',
            ].join(CRLF),
          );
          await this.write(['    <m2mrelationships>', ...parts, '    </m2mrelationships>'].join(CRLF));
        }
        await this.write(`${CRLF}  </entity>`);
      },
    };
  }

  async end(): Promise<void> {
    await this.write(`${CRLF}</entities>`);
    this.out.end();
    await once(this.out, 'finish');
  }
}
