import { DomainError } from '@xietong/contracts';
import type { AuditInput, MessageRecord, NewOutboxRecord } from '@xietong/persistence';
import type { RecordWarning } from '@xietong/workflow';
import type { CaseEvent } from '../cases/case-tracker';
import type { SubmitMessageCommand } from './submit-message.command';

/** A new message as the use case prepares it: checked, personal data encrypted, encoded. */
export interface PreparedMessage {
  row: MessageRecord;
  outbox: NewOutboxRecord;
  /** The body as stored and sent (personal data as JWE). */
  body: Record<string, unknown>;
  warnings: RecordWarning[];
}

/** One item of a submission: a new message to write, or the stored message a retry repeats. */
export type PlannedSubmission =
  | ({
      kind: 'new';
      command: SubmitMessageCommand;
      /** Position in a batch (undefined for a single submission), to name the item in errors. */
      index: number | undefined;
    } & PreparedMessage)
  | { kind: 'stored'; row: MessageRecord };

export type NewSubmission = Extract<PlannedSubmission, { kind: 'new' }>;

/**
 * What the submission planner needs beyond the commands. `stored` is a lookup; `preparer` is
 * asked once, after it, for the function that prepares new messages against the manifest in
 * force (it throws while the manifest is expired).
 */
export interface SubmissionLookups {
  stored(messageIds: string[]): Promise<Map<string, MessageRecord>>;
  preparer(): (command: SubmitMessageCommand) => Promise<PreparedMessage>;
}

/**
 * Plans a submission of one or more messages (all or none): a batch naming one messageId twice
 * is refused (VALIDATION_FAILED naming the item), a messageId already stored is a retry when the
 * request is the same (answered with the stored message) and MESSAGE_ID_CONFLICT otherwise, and
 * every other command is prepared. Errors of a batch name their item (`items.3.body.riskTier`).
 */
export async function planSubmissions(
  commands: SubmitMessageCommand[],
  lookups: SubmissionLookups,
): Promise<PlannedSubmission[]> {
  assertDistinctMessageIds(commands);
  const batch = commands.length > 1;
  const wanted = commands.map((c) => c.messageId).filter((id): id is string => id !== undefined);
  // Fast path for retries: one query, and a stored message is not prepared again.
  const known = wanted.length > 0 ? await lookups.stored(wanted) : new Map<string, MessageRecord>();
  const prepare = lookups.preparer();
  const items: PlannedSubmission[] = [];
  for (const [i, command] of commands.entries()) {
    const index = batch ? i : undefined;
    const stored = command.messageId ? known.get(command.messageId) : undefined;
    items.push(
      stored
        ? await itemErrors(index, async () => ({ kind: 'stored', row: sameRequest(stored, command) }))
        : await itemErrors(index, async () => ({ kind: 'new', command, index, ...(await prepare(command)) })),
    );
  }
  return items;
}

/**
 * New messages that lost the race for their messageId to a concurrent request (their rows are
 * `stored` now): the stored message if it is the same request, MESSAGE_ID_CONFLICT otherwise.
 */
export function racedSubmissions(
  lost: NewSubmission[],
  stored: Map<string, MessageRecord>,
): Map<string, MessageRecord> {
  const raced = new Map<string, MessageRecord>();
  for (const p of lost) {
    const row = stored.get(p.row.messageId);
    if (!row) throw new Error(`message ${p.row.messageId} was neither inserted nor found`);
    raced.set(
      p.row.messageId,
      itemErrorsSync(p.index, () => sameRequest(row, p.command)),
    );
  }
  return raced;
}

/** What the new messages this request inserted (`won`) write besides their rows. */
export function submissionWrites(
  won: NewSubmission[],
  actor: string,
  now: Date,
): { caseEvents: CaseEvent[]; outbox: NewOutboxRecord[]; audit: AuditInput[] } {
  return {
    caseEvents: won.map((p) => ({
      messageId: p.row.messageId,
      direction: 'out',
      type: p.row.type,
      partner: p.row.recipient,
      correlationId: p.row.correlationId,
      body: p.body,
      warnings: p.warnings,
    })),
    outbox: won.map((p) => p.outbox),
    audit: won.map((p) => ({
      kind: 'SUBMITTED',
      actor,
      messageId: p.row.messageId,
      caseNo: p.row.correlationId,
      partner: p.row.recipient,
      detail: { type: p.row.type, zone: p.row.zone },
      occurredAt: now,
    })),
  };
}

/** A batch must not name one messageId twice: which of the two would it mean? */
function assertDistinctMessageIds(commands: SubmitMessageCommand[]): void {
  const first = new Map<string, number>();
  for (const [i, cmd] of commands.entries()) {
    if (cmd.messageId === undefined) continue;
    const j = first.get(cmd.messageId);
    if (j !== undefined) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `items.${i}: messageId ${cmd.messageId} repeats the one of items.${j}; each message of a batch needs its own`,
        `items.${i}.messageId`,
      );
    }
    first.set(cmd.messageId, i);
  }
}

/**
 * A stored message under the messageId of `cmd`: the same request again (a retry) answers with
 * the stored message; another request reusing the id is a conflict. Rows stored before request
 * digests existed count as the same message, as they did then.
 */
function sameRequest(stored: MessageRecord, cmd: SubmitMessageCommand): MessageRecord {
  const same = stored.direction === 'out' && (stored.requestDigest == null || stored.requestDigest === cmd.digest);
  if (!same) {
    throw new DomainError(
      'MESSAGE_ID_CONFLICT',
      `messageId ${stored.messageId} is already used by another message ` +
        `(${stored.direction === 'out' ? 'sent' : 'received'} ` +
        `${stored.type} ${stored.correlationId}); a retry must repeat the request unchanged, ` +
        'a new message needs a new messageId',
      'messageId',
    );
  }
  return stored;
}

/** Prefixes the field path of a validation error with the item index of a batch. */
async function itemErrors<T>(index: number | undefined, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw itemError(index, e);
  }
}

function itemErrorsSync<T>(index: number | undefined, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw itemError(index, e);
  }
}

function itemError(index: number | undefined, e: unknown): unknown {
  if (index === undefined || !(e instanceof DomainError)) return e;
  const field = `items.${index}${e.field ? `.${e.field}` : ''}`;
  return new DomainError(e.code, `items.${index}: ${e.message}`, field);
}
