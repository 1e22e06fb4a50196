import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { Roles, WebhookAdmin } from '@xietong/exchange';

/**
 * Webhook endpoints of the county's own systems (docs/webhooks.md), admin only: the secret is in
 * the answer to a creation or a rotation and never again.
 */
@Controller('api/v1/webhooks')
@Roles('admin')
export class WebhookController {
  constructor(private readonly admin: WebhookAdmin) {}

  @Post('endpoints')
  @HttpCode(201)
  create(@Body() body: unknown) {
    return this.admin.create(body);
  }

  @Get('endpoints')
  async list() {
    return { items: await this.admin.list() };
  }

  @Get('endpoints/:id')
  one(@Param('id') id: string) {
    return this.admin.get(id);
  }

  @Patch('endpoints/:id')
  update(@Param('id') id: string, @Body() body: unknown) {
    return this.admin.update(id, body);
  }

  @Delete('endpoints/:id')
  async remove(@Param('id') id: string) {
    await this.admin.remove(id);
    return { deleted: id };
  }

  @Post('endpoints/:id/rotate-secret')
  @HttpCode(200)
  rotate(@Param('id') id: string, @Body() body: unknown) {
    return this.admin.rotate(id, body);
  }

  @Get('endpoints/:id/deliveries')
  async deliveries(@Param('id') id: string) {
    return { items: await this.admin.deliveries(id) };
  }

  @Post('deliveries/:id/redeliver')
  @HttpCode(202)
  redeliver(@Param('id') id: string) {
    return this.admin.redeliver(id);
  }
}
