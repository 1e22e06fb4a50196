// Scheduler only: deadline checks and supervision reminders (督办). Run one per agency.
import { loadGatewayConfig } from '@xietong/config';
import { runGatewayProcess } from '@xietong/gateway';

void runGatewayProcess(() => loadGatewayConfig({ ...process.env, XIETONG_ROLES: 'scheduler' }));
