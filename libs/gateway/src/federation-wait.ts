import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { sep } from 'node:path';
import type { Logger } from '@nestjs/common';
import type { GatewayConfig } from '@xietong/config';

/** The files a gateway cannot start without: manifest, trust anchor, its own keys, the token issuer's keys. */
export function federationFiles(config: GatewayConfig): string[] {
  const f = config.federation;
  const files = [f.manifestFile, f.authorityKeyFile, f.signingKeyFile, f.encryptionKeyFile];
  if (config.roles.has('http') && config.auth.jwksFile) files.push(config.auth.jwksFile);
  return files;
}

/**
 * A gateway started before its federation directory is provisioned (XIETONG_FEDERATION_DIR does
 * not exist): without a manifest, keys or a token issuer it can do nothing safely, so it opens no
 * database and no Kafka connection. It serves `/health/live` (200: restarting will not help),
 * `/health` and `/health/ready` (503 naming the directory and the files still missing) and 503
 * FEDERATION_MISSING to every other request, and checks for the files every `pollMs`. Once all of
 * them are there (two checks in a row, so a copy in progress is not read half-way) it closes its
 * port and returns it, for the gateway proper to listen on.
 */
export class FederationWait {
  /**
   * Whether to wait: the directory does not exist and files the gateway needs were to be in it.
   * Files named on their own (XIETONG_MANIFEST_FILE…, mounted secrets) are read as usual: if one of
   * those is missing, or the directory exists without a file, that is a configuration error.
   */
  static needed(config: GatewayConfig): boolean {
    const dir = config.federation.dir;
    if (existsSync(dir)) return false;
    return federationFiles(config).some((f) => f.startsWith(dir + sep) && !existsSync(f));
  }

  private server?: Server;
  private stopped = false;
  private wake?: () => void;
  private readonly started = Date.now();

  constructor(
    private readonly config: GatewayConfig,
    private readonly log: Logger,
    private readonly pollMs: number,
  ) {}

  /** Resolves with the port it held (undefined without the http role), or undefined once stopped. */
  async hold(): Promise<{ port?: number; stopped: boolean }> {
    const dir = this.config.federation.dir;
    this.log.error(
      `federation directory ${dir} does not exist (XIETONG_FEDERATION_DIR): waiting for it, checking every ${this.pollMs} ms; /health/ready answers 503 and nothing is accepted meanwhile`,
    );
    let port: number | undefined;
    if (this.config.roles.has('http')) {
      port = await this.listen();
      this.log.log(
        `agency ${this.config.agencyId} waiting for its federation files at http://${this.config.http.host}:${port}`,
      );
    }
    let seen = 0;
    while (!this.stopped && seen < 2) {
      seen = this.missing().length === 0 ? seen + 1 : 0;
      if (seen < 2)
        await new Promise<void>((r) => {
          this.wake = r;
          setTimeout(r, this.pollMs);
        });
    }
    await this.close();
    if (!this.stopped) this.log.log(`federation files present in ${dir}: starting`);
    return { port, stopped: this.stopped };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.close();
  }

  private missing(): string[] {
    return federationFiles(this.config).filter((f) => !existsSync(f));
  }

  private async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise((r) => server.close(r));
  }

  private listen(): Promise<number> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '') || '/';
      const send = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
        res.end(JSON.stringify(body));
      };
      const reason = `federation: directory ${this.config.federation.dir} does not exist yet (XIETONG_FEDERATION_DIR); missing ${this.missing().join(', ')}`;
      if (req.method === 'GET' && path === '/health/live')
        return send(200, {
          status: 'up',
          agency: this.config.agencyId,
          uptimeS: Math.round((Date.now() - this.started) / 1000),
        });
      if (req.method === 'GET' && (path === '/health' || path === '/health/ready'))
        return send(503, { status: 'degraded', agency: this.config.agencyId, reasons: [reason] });
      send(503, { error: 'FEDERATION_MISSING', message: `this gateway is not provisioned: ${reason}` });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.http.port, this.config.http.host, () => {
        server.off('error', reject);
        resolve((server.address() as { port: number }).port);
      });
    });
  }
}
