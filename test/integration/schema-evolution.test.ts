import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@xietong/config';
import { sampleLead } from '@xietong/contracts';
import { eventually, RecordForge, startFederation, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';
const NJ = '320100';

/**
 * The recipe of docs/extending.md, followed once: lead schema v2 adds the optional field
 * relatedLeadNos. It travels end to end, shows in the OpenAPI document, and a partner still on
 * lead v1 keeps being understood (its records resolve into v2 with the default).
 */
describe('an optional body field added by a new schema version (lead v2: relatedLeadNos)', () => {
  let h: Harness;
  let v1Only: string;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ, NJ], dialect: 'sqlite', offline: [NJ] });
    v1Only = mkdtempSync(join(tmpdir(), 'xt-schemas-v1-'));
    cpSync(join(repoRoot(), 'schemas'), v1Only, { recursive: true, filter: (f) => !f.endsWith('lead.v2.avsc') });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(v1Only, { recursive: true, force: true });
  });

  it('carries the new field from submission to the recipient', async () => {
    const body = { ...sampleLead('JD-V2-1'), relatedLeadNos: ['JD-2026-0001', 'JD-2026-0007'] };
    const sent = await h.post(JD, 'leads', { recipient: HZ, body });
    expect(sent.status).toBe(202);
    const received = await eventually('lead v2 at 330100', async () =>
      (await h.messages(HZ).list({ direction: 'in', correlationId: 'JD-V2-1' })).find((m) => m.type === 'LEAD'),
    );
    expect(JSON.parse(received.body).relatedLeadNos).toEqual(['JD-2026-0001', 'JD-2026-0007']);
    const view = await h.get(HZ, `/api/v1/messages/${received.messageId}`);
    expect(view.json.body.relatedLeadNos).toEqual(['JD-2026-0001', 'JD-2026-0007']);
  });

  it('refuses a wrongly typed value of the new field naming it', async () => {
    const res = await h.post(JD, 'leads', { recipient: HZ, body: { ...sampleLead('JD-V2-2'), relatedLeadNos: 'x' } });
    expect(res).toMatchObject({ status: 400, json: { error: 'VALIDATION_FAILED', field: 'body.relatedLeadNos' } });
  });

  it('reads a lead a partner still on v1 wrote, with the default', async () => {
    const forge = new RecordForge(h, v1Only);
    try {
      expect(forge.codec.local.latest('LEAD').version).toBe(1);
      const record = await forge.forge({ from: NJ, to: HZ, type: 'LEAD', body: sampleLead('NJ-V1-1'), zone: 'yrd' });
      await forge.send(HZ, [{ value: record.value, headers: record.headers, key: 'NJ-V1-1' }]);
      const received = await eventually('lead v1 at 330100', async () =>
        (await h.messages(HZ).list({ direction: 'in', correlationId: 'NJ-V1-1' })).find((m) => m.type === 'LEAD'),
      );
      expect(JSON.parse(received.body).relatedLeadNos).toEqual([]);
      expect(await h.quarantine(HZ).list()).toHaveLength(0);
    } finally {
      await forge.close();
    }
  });

  it('documents the new field in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${h.gateway(JD).url}/docs-json`)).json()) as {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(doc.components.schemas.Lead.properties.relatedLeadNos).toMatchObject({ type: 'array' });
  });
});
