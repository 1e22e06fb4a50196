import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { InboundService } from '@xietong/exchange';
import { INBOX_BATCH, type InboundRecord } from '@xietong/messaging';
import { RethrowToTransportFilter } from './rethrow.filter';

/** Kafka edge of the inbound side: hands each inbox batch to the inbound use case. */
@Controller()
@UseFilters(RethrowToTransportFilter)
export class InboxController {
  constructor(private readonly inbound: InboundService) {}

  @EventPattern(INBOX_BATCH)
  async handle(@Payload() records: InboundRecord[]): Promise<void> {
    await this.inbound.handleBatch(records);
  }
}
