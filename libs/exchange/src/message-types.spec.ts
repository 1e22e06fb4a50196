import { join } from 'node:path';
import type * as avro from 'avsc';
import {
  bodyValues,
  BUSINESS_TYPES,
  type CaseKindName,
  CASE_KINDS,
  CONTROL_TYPES,
  isAnsweredByReceipt,
  isProtocolType,
  openingType,
  sampleAssistanceRequest,
  sampleComplaint,
  sampleLead,
  MESSAGE_TYPE_SPECS,
  MESSAGE_TYPES,
  SchemaCatalog,
  specForPath,
  SUBMITTABLE_SPECS,
} from '@xietong/contracts';
import {
  CLOCK_IN_STATE,
  CLOCKS_FROM_RECEIPT,
  CLOCKS_WITH_REPORTED_DUE,
  CASE_STATES,
  clockFor,
  OPENING_STATE,
  REPORTED_BEFORE_DUE,
  TimeLimits,
  WorkingDayCalendar,
} from '@xietong/workflow';
import {
  CASE_KIND_VIEWS,
  CONSOLE_CASE_STATES,
  CONTRACT_SCHEMAS,
  FIELD_SPECS,
  formFields,
  formMessage,
  OPERATIONS,
} from '@xietong/gateway';

/**
 * The message-type registry (libs/contracts) and the lifecycle data (libs/workflow) must agree
 * with each other and with the Avro schemas: a new type or field that misses one of them fails here.
 */
const catalog = SchemaCatalog.fromDirectory(join(__dirname, '../../../schemas'));
const limits = TimeLimits.load(WorkingDayCalendar.load());

/** The Avro type at a dotted path of a record (through nullable unions and arrays), or undefined. */
function fieldType(record: avro.Type, path: string): avro.Type | undefined {
  let t: avro.Type | undefined = record;
  for (const name of path.split('.')) {
    if (!t) return undefined;
    const union = t as unknown as { types?: avro.Type[] };
    if (union.types) t = union.types.find((x) => (x as unknown as { fields?: unknown }).fields);
    const array = t as unknown as { itemsType?: avro.Type } | undefined;
    if (array?.itemsType) t = array.itemsType;
    const fields = (t as unknown as { fields?: { name: string; type: avro.Type }[] } | undefined)?.fields;
    t = fields?.find((f) => f.name === name)?.type;
  }
  return t;
}

describe('message-type registry', () => {
  it('has one entry per wire type, keyed by its own type', () => {
    expect(Object.keys(MESSAGE_TYPE_SPECS).sort()).toEqual([...MESSAGE_TYPES].sort());
    for (const [type, spec] of Object.entries(MESSAGE_TYPE_SPECS)) expect(spec.type).toBe(type);
  });

  it('names each type in at most 20 characters (the message and quarantine type columns)', () => {
    for (const type of MESSAGE_TYPES) expect([type, type.length <= 20]).toEqual([type, true]);
  });

  it('exposes exactly the business types over HTTP, each at its own path', () => {
    expect(SUBMITTABLE_SPECS.map((s) => s.type).sort()).toEqual([...BUSINESS_TYPES].sort());
    const paths = SUBMITTABLE_SPECS.map((s) => s.path);
    expect(new Set(paths).size).toBe(paths.length);
    expect(specForPath('complaint-results')?.type).toBe('COMPLAINT_RESULT');
    expect(specForPath('receipts')).toBeUndefined();
  });

  it('makes the connectivity check and the erasure notice control types: any shared agreement, answered, no case', () => {
    expect(CONTROL_TYPES).toEqual(['PING', 'ERASURE_NOTICE']);
    for (const type of CONTROL_TYPES) {
      const spec = MESSAGE_TYPE_SPECS[type];
      expect({ type, protocol: isProtocolType(type), answered: isAnsweredByReceipt(type) }).toEqual({
        type,
        protocol: true,
        answered: true,
      });
      expect({ path: spec.path, caseEffect: spec.caseEffect, reported: spec.reported }).toEqual({
        path: null,
        caseEffect: null,
        reported: false,
      });
      expect((BUSINESS_TYPES as readonly string[]).includes(type)).toBe(false);
    }
    expect(['RECEIPT', 'AUDIT_CHECKPOINT', 'AUDIT_COUNTERSIGN'].filter(isAnsweredByReceipt)).toEqual([]);
    expect(isAnsweredByReceipt('LEAD')).toBe(true);
  });

  it.each(MESSAGE_TYPES)('names only fields the %s schema has', (type) => {
    const spec = MESSAGE_TYPE_SPECS[type];
    const schema = catalog.latest(type).avroType;
    const paths = [
      ...(spec.correlationField ? [spec.correlationField] : []),
      ...spec.personalData,
      ...(spec.routing
        ? [
            spec.routing.seatCode,
            spec.routing.actualCode,
            ...(spec.routing.basisField ? [spec.routing.basisField] : []),
          ]
        : []),
    ];
    for (const p of paths) expect([p, fieldType(schema, p) !== undefined]).toEqual([p, true]);
  });

  it('starts, for each type that opens a case, the clock the lifecycle runs in its opening state', () => {
    for (const spec of Object.values(MESSAGE_TYPE_SPECS)) {
      if (spec.caseEffect?.effect !== 'opens') {
        expect(spec.clock).toBeNull();
        continue;
      }
      const kind = spec.caseEffect.kind;
      expect(clockFor(kind, OPENING_STATE[kind].transferor)).toBe(spec.clock);
      expect(clockFor(kind, OPENING_STATE[kind].handler)).toBe(spec.clock);
    }
  });

  it('uses only states of the lifecycle and clocks of time-limits.json', () => {
    const states = CASE_STATES as Record<string, readonly string[]>;
    for (const kind of CASE_KINDS) {
      for (const state of Object.keys(CLOCK_IN_STATE[kind])) expect(states[kind]).toContain(state);
      for (const side of ['transferor', 'handler'] as const) expect(states[kind]).toContain(OPENING_STATE[kind][side]);
      for (const state of REPORTED_BEFORE_DUE[kind]) expect(states[kind]).toContain(state);
    }
    const clocks = [
      ...CASE_KINDS.flatMap((kind) => Object.values(CLOCK_IN_STATE[kind])),
      ...CLOCKS_FROM_RECEIPT,
      ...CLOCKS_WITH_REPORTED_DUE,
    ];
    for (const id of clocks) expect(limits.get(id!).id).toBe(id);
  });

  it('has a lifecycle for every case kind, an opening type for it, and reports states of its lifecycle', () => {
    const states = CASE_STATES as Record<string, readonly string[]>;
    for (const kind of CASE_KINDS) expect(openingType(kind)).toBeDefined();
    for (const spec of Object.values(MESSAGE_TYPE_SPECS)) {
      const effect = spec.caseEffect;
      if (effect?.effect !== 'reports' || effect.stateFrom === 'case-result') continue;
      const schema = catalog.latest(spec.type).avroType;
      expect([spec.type, fieldType(schema, effect.stateFrom.field) !== undefined]).toEqual([spec.type, true]);
      for (const state of Object.values(effect.stateFrom.states ?? {})) expect(states[effect.kind]).toContain(state);
      for (const p of [effect.dueField, effect.startField].filter((x): x is string => !!x))
        expect([p, fieldType(schema, p) !== undefined]).toEqual([p, true]);
    }
  });

  it('names only body fields the schema has in its body rules', () => {
    for (const spec of Object.values(MESSAGE_TYPE_SPECS)) {
      const schema = catalog.latest(spec.type).avroType;
      for (const rule of spec.bodyRules ?? []) {
        const paths = ['requiredWhen' in rule ? rule.requiredWhen.field : null, rule.field];
        for (const p of paths.filter((x): x is string => x !== null))
          expect([p, fieldType(schema, p) !== undefined]).toEqual([p, true]);
      }
    }
  });

  it('lets every case kind be reminded of: the newest reminder body has each kind', () => {
    const kind = fieldType(catalog.latest('REMINDER').avroType, 'kind') as unknown as { symbols: string[] };
    expect([...kind.symbols].sort()).toEqual([...CASE_KINDS].sort());
  });
});

/** An enum of the published OpenAPI contract: a parameter's, or a property of a component schema. */
const paramEnum = (operation: string, name: string) =>
  ((OPERATIONS[operation].parameters ?? []).find((p) => p.name === name)?.schema as { enum?: string[] } | undefined)
    ?.enum;
const propertyEnum = (schema: string, property: string) =>
  ((CONTRACT_SCHEMAS[schema].properties as Record<string, { enum?: string[] }>)[property] ?? {}).enum;

describe('the registry reaches the HTTP contract (OpenAPI)', () => {
  it('lists every message type wherever messages are listed or filtered', () => {
    expect(propertyEnum('Message', 'type')).toEqual([...MESSAGE_TYPES]);
    expect(paramEnum('get /api/v1/messages', 'type')).toEqual([...MESSAGE_TYPES]);
  });

  it('lists every case kind wherever cases are listed, filtered or looked up', () => {
    expect(propertyEnum('Case', 'kind')).toEqual([...CASE_KINDS]);
    expect(paramEnum('get /api/v1/cases', 'kind')).toEqual([...CASE_KINDS]);
    expect(paramEnum('get /api/v1/cases/{kind}/{caseNo}', 'kind')).toEqual([...CASE_KINDS]);
  });
});

/** A body of the type that opens each kind of case file, as the case page finds it. */
const OPENING_SAMPLES: Record<CaseKindName, Record<string, unknown>> = {
  LEAD: sampleLead('L-1'),
  COMPLAINT: sampleComplaint('C-1'),
  ASSISTANCE: sampleAssistanceRequest('A-1', 'L-1', '2026-12-31'),
};

describe('the registry reaches the staff console', () => {
  /** The message type a console form submits. */
  const submits = (form: keyof typeof FIELD_SPECS) => formMessage(form, {}, 'X-1', '000000').type;

  it('has a view of every case kind, whose forms each report on a case of that kind', () => {
    expect(Object.keys(CASE_KIND_VIEWS).sort()).toEqual([...CASE_KINDS].sort());
    for (const kind of CASE_KINDS) {
      const reported = CASE_KIND_VIEWS[kind].forms.map((f) => MESSAGE_TYPE_SPECS[submits(f)].caseEffect);
      for (const effect of reported)
        expect({ kind, effect }).toMatchObject({ kind, effect: { effect: 'reports', kind } });
    }
  });

  it('gives the handler of every kind a form for each type that reports on it over HTTP', () => {
    for (const spec of SUBMITTABLE_SPECS) {
      if (spec.caseEffect?.effect !== 'reports') continue;
      const kind = spec.caseEffect.kind;
      const types: string[] = CASE_KIND_VIEWS[kind].forms.map(submits);
      expect({ kind, type: spec.type, offered: types.includes(spec.type) }).toEqual({
        kind,
        type: spec.type,
        offered: true,
      });
    }
  });

  it('summarises the opening message of every kind', () => {
    for (const kind of CASE_KINDS) {
      const shown = CASE_KIND_VIEWS[kind].summary(OPENING_SAMPLES[kind], 'zh').filter(([, v]) => v);
      expect({ kind, shown: shown.length > 2 }).toEqual({ kind, shown: true });
    }
  });

  it('filters the case lists by every state of every kind', () => {
    for (const kind of CASE_KINDS) expect(CONSOLE_CASE_STATES).toEqual(expect.arrayContaining([...CASE_STATES[kind]]));
  });

  it('offers in each select the symbols of the schema field the form fills, in schema order', () => {
    const fields = formFields(catalog);
    for (const [form, specs] of Object.entries(FIELD_SPECS) as [
      keyof typeof FIELD_SPECS,
      (typeof FIELD_SPECS)['lead'],
    ][]) {
      for (const { name, enumOf } of specs) {
        if (!enumOf) continue;
        const where = `${form}.${name}`;
        const symbols = catalog.symbols(enumOf.type, enumOf.path);
        const options = fields[form].find((f) => f.name === name)!.options!;
        expect({ where, type: submits(form) }).toEqual({ where, type: enumOf.type });
        expect({ where, options }).toEqual({
          where,
          options: enumOf.only ? symbols.filter((s) => enumOf.only!.includes(s)) : symbols,
        });
        expect({ where, only: enumOf.only ?? [] }).toEqual({
          where,
          only: (enumOf.only ?? []).filter((s) => symbols.includes(s)),
        });
        expect(options.length).toBeGreaterThan(0);
        // The chosen option lands in the body at the field the options come from.
        const body = formMessage(form, { [name]: options[0] }, 'X-1', '000000').request.body;
        expect({ where, value: bodyValues(body, enumOf.path) }).toEqual({ where, value: [options[0]] });
      }
    }
  });
});
