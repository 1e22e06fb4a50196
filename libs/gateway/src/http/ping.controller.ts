import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import { DomainError } from '@xietong/contracts';
import { parseQuery, PingService, Roles, type Caller, type PartnerStatus, type PingReport } from '@xietong/exchange';
import { CurrentCaller } from '../auth/caller.decorator';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How long a ping may go without a receipt before it counts as stalled (ms). */
const TIMEOUT = { timeoutMs: { kind: 'int', min: 100, max: 600_000, default: 10_000 } } as const;

/**
 * The connectivity check (docs/operations.md, "Can a partner hear us?"): send a signed PING to a
 * partner and follow it hop by hop; and each partner's last successful exchange and last ping.
 * Registered before the submission controller, whose `POST :kind` would take `pings` otherwise.
 */
@Controller('api/v1')
export class PingController {
  constructor(private readonly pings: PingService) {}

  @Post('pings')
  @HttpCode(202)
  @Roles('admin')
  async send(
    @CurrentCaller() caller: Caller,
    @Body() body: unknown,
    @Headers('content-type') contentType?: string,
  ): Promise<PingReport> {
    if (!contentType?.toLowerCase().startsWith('application/json'))
      throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'send the ping as Content-Type: application/json');
    const to = (body as { to?: unknown } | null)?.to;
    if (typeof to !== 'string' || !/^\d{6}$/.test(to))
      throw new DomainError('VALIDATION_FAILED', 'field to: expected the 6-digit member id of a partner', 'to');
    return this.pings.send(to, caller.subject);
  }

  @Get('pings/:id')
  @Roles('admin')
  async one(@Param('id') id: string, @Query() query: unknown): Promise<PingReport> {
    if (!UUID.test(id)) throw new DomainError('VALIDATION_FAILED', 'ping id must be a UUID', 'id');
    return this.pings.status(id, parseQuery(query, TIMEOUT).timeoutMs);
  }

  @Get('partners/status')
  @Roles('admin', 'auditor')
  async partners(@Query() query: unknown): Promise<{ items: PartnerStatus[] }> {
    return { items: await this.pings.partners(parseQuery(query, TIMEOUT).timeoutMs) };
  }
}
