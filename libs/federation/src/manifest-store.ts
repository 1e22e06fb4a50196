import { readFile } from 'node:fs/promises';
import type { JWK } from 'jose';
import { DomainError } from '@xietong/contracts';
import { Federation } from './federation';
import { verifyManifest, verifyManifestSignature } from './manifest-codec';
import type { Manifest } from './manifest';

export interface ManifestStoreOptions {
  /** Path of the signed manifest (compact JWS). */
  file: string;
  /** Zone authority public key: the trust anchor. */
  authorityJwk: JWK;
  /** How often the file is re-read; 0 disables polling. */
  refreshMs: number;
  /** The federation this gateway belongs to: a manifest of another federation is refused. */
  federationId?: string;
  log?: (level: 'log' | 'warn' | 'error', message: string) => void;
  /** The manifests this gateway took into force before (its database's archive): no rollback below them. */
  archive?: ManifestHistory;
}

/** Where the manifests a gateway took into force are kept (the persistence lib's archive). */
export interface ManifestHistory {
  /** The highest serial taken into force so far, with its signed text; undefined before the first. */
  highest(): Promise<{ serial: number; jws: string } | undefined>;
}

/**
 * Holds the verified manifest in force and swaps in a newer one from disk without a restart.
 * A bad new file (unsigned, tampered, expired, older serial) is refused with a logged reason
 * and the manifest in force stays. An authority-signed manifest can still be an old one (with keys
 * revoked since): at start as on refresh, a serial below the highest taken into force before, or
 * that serial with other bytes, is refused.
 */
export class ManifestStore {
  private current!: Federation;
  private lastText = '';
  private lastAccepted = '';
  private timer?: NodeJS.Timeout;
  /** The serial whose expiry has been logged (once, at boot or when it passes). */
  private expiryLogged?: number;
  private readonly listeners: ((serial: number, jws: string) => void)[] = [];

  private constructor(private readonly options: ManifestStoreOptions) {}

  /**
   * Loads and verifies the manifest; refuses to start without one signed by the zone authority.
   * One that has expired is taken (with one logged line): the gateway runs degraded on it, refusing
   * what needs a valid manifest (MANIFEST_EXPIRED), until a newer one is placed in the file.
   */
  static async open(options: ManifestStoreOptions): Promise<ManifestStore> {
    const store = new ManifestStore(options);
    const text = await store.read();
    const manifest = store.checkFederation(await verifyManifestSignature(text, options.authorityJwk));
    store.refuseRollback(manifest, text, await options.archive?.highest());
    store.current = new Federation(manifest);
    store.lastText = text;
    store.lastAccepted = text;
    store.logExpiry();
    if (options.refreshMs > 0) {
      store.timer = setInterval(() => void store.refresh(), options.refreshMs);
      store.timer.unref();
    }
    return store;
  }

  /** The federation in force; MANIFEST_EXPIRED once it has expired and nothing newer came. */
  get federation(): Federation {
    if (this.current.expiresAt.getTime() <= Date.now()) {
      throw new DomainError(
        'MANIFEST_EXPIRED',
        `manifest serial ${this.current.serial} expired at ${this.current.manifest.expiresAt}; no newer valid manifest at ${this.options.file}`,
      );
    }
    return this.current;
  }

  /** The signed manifest in force, as distributed. */
  get jws(): string {
    return this.lastAccepted;
  }

  /** Called with every manifest taken into force, starting with the current one. */
  onChange(listener: (serial: number, jws: string) => void): void {
    this.listeners.push(listener);
    listener(this.current.serial, this.lastAccepted);
  }

  /** The manifest in force even if expired (health reporting). */
  get lastKnown(): Federation {
    return this.current;
  }

  /** One line when the manifest in force has expired (at boot, or when the time passes), not one per use. */
  private logExpiry(): void {
    if (this.current.expiresAt.getTime() > Date.now() || this.expiryLogged === this.current.serial) return;
    this.expiryLogged = this.current.serial;
    const polling =
      this.options.refreshMs > 0
        ? `checked every ${this.options.refreshMs} ms`
        : 'XIETONG_MANIFEST_REFRESH_MS is 0: restart after replacing it';
    this.options.log?.(
      'error',
      `manifest serial ${this.current.serial} at ${this.options.file} expired at ${this.current.manifest.expiresAt}: running degraded (/health/ready 503, submissions refused with MANIFEST_EXPIRED) until the zone authority's newer manifest is placed there (${polling})`,
    );
  }

  /** Re-reads the file; returns true if a newer manifest was taken into force. */
  async refresh(): Promise<boolean> {
    const taken = await this.reread();
    this.logExpiry();
    return taken;
  }

  private async reread(): Promise<boolean> {
    let text: string;
    try {
      text = await this.read();
    } catch (e) {
      this.options.log?.('error', (e as Error).message);
      return false;
    }
    if (text === this.lastText) return false;
    let archived: { serial: number; jws: string } | undefined;
    try {
      archived = await this.options.archive?.highest();
    } catch (e) {
      // Not the file's fault: it is read again on the next tick.
      this.options.log?.('warn', `cannot check the new manifest against the archive yet: ${(e as Error).message}`);
      return false;
    }
    try {
      const manifest = this.checkFederation(await verifyManifest(text, this.options.authorityJwk));
      if (manifest.federation !== this.current.id) {
        throw new DomainError(
          'MANIFEST_INVALID',
          `manifest names federation ${manifest.federation}, the one in force is ${this.current.id}`,
        );
      }
      const inForce = { serial: this.current.serial, jws: this.lastAccepted };
      this.refuseRollback(manifest, text, archived && archived.serial > inForce.serial ? archived : inForce);
      this.current = new Federation(manifest);
      this.lastText = text;
      this.lastAccepted = text;
      for (const l of this.listeners) l(manifest.serial, text);
      this.options.log?.('log', `manifest serial ${manifest.serial} in force (expires ${manifest.expiresAt})`);
      return true;
    } catch (e) {
      this.lastText = text;
      this.options.log?.(
        'error',
        `refused new manifest at ${this.options.file}: ${(e as Error).message}; keeping serial ${this.current.serial}`,
      );
      return false;
    }
  }

  /** Refuses a serial below `highest` (taken into force before), or `highest`'s serial with other bytes. */
  private refuseRollback(manifest: Manifest, text: string, highest: { serial: number; jws: string } | undefined): void {
    if (!highest) return;
    if (manifest.serial < highest.serial)
      throw new DomainError(
        'MANIFEST_INVALID',
        `manifest serial ${manifest.serial} at ${this.options.file} is older than serial ${highest.serial}, already taken into force: refusing a rollback (place the zone authority's newest manifest there)`,
      );
    if (manifest.serial === highest.serial && text !== highest.jws.trim())
      throw new DomainError(
        'MANIFEST_INVALID',
        `manifest serial ${manifest.serial} at ${this.options.file} differs from serial ${highest.serial} already taken into force: one serial, one manifest (the zone authority signs changes under a higher serial)`,
      );
  }

  private checkFederation(manifest: Manifest): Manifest {
    const expected = this.options.federationId;
    if (expected !== undefined && manifest.federation !== expected) {
      throw new DomainError(
        'MANIFEST_INVALID',
        `manifest ${this.options.file} is of federation ${manifest.federation}, this gateway belongs to ${expected} (XIETONG_FEDERATION_ID)`,
      );
    }
    return manifest;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async read(): Promise<string> {
    try {
      return (await readFile(this.options.file, 'utf8')).trim();
    } catch (e) {
      throw new DomainError('MANIFEST_INVALID', `cannot read manifest ${this.options.file}: ${(e as Error).message}`);
    }
  }
}
