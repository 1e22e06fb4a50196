import { Controller, Get, Redirect } from '@nestjs/common';
import { Public } from '@xietong/exchange';

/**
 * `/dashboard` was the older auditor page behind a pasted bearer token; the console's auditor pages
 * show all it showed (flows, deadlines, failed messages, quarantine) behind a sign-in, so the old
 * address only sends bookmarks there.
 */
@Controller()
export class DashboardController {
  @Get('dashboard')
  @Public()
  @Redirect('/console/auditor', 302)
  retired(): void {}
}
