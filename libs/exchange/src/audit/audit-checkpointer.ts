import type { AuditRepository } from '@xietong/persistence';
import type { Signer } from '@xietong/crypto';
import { signCheckpoint } from './audit-checkpoint';

/** Signs the audit chain head when it moved (scheduler role), so later edits are provable. */
export class AuditCheckpointer {
  private lastSeq = -1;

  constructor(
    private readonly agency: string,
    private readonly audit: AuditRepository,
    private readonly signer: Signer,
  ) {}

  /** Signs and stores the current head unless it was signed already; returns its seq. */
  async checkpoint(now = new Date()): Promise<number | undefined> {
    await this.audit.chainAll();
    const head = await this.audit.head();
    if (head.seq === 0 || head.seq === this.lastSeq) return undefined;
    const jws = await signCheckpoint(
      { agency: this.agency, seq: head.seq, hash: head.hash, signedAt: now.toISOString() },
      this.signer,
    );
    await this.audit.saveCheckpoint({ seq: head.seq, hash: head.hash, signedAt: now, jws });
    this.lastSeq = head.seq;
    return head.seq;
  }
}
