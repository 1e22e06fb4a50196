// Scheduler only: deadline checks and supervision reminders (督办). Run one per agency.
import { runGatewayProcess } from '@xietong/gateway';

void runGatewayProcess(process.env, { XIETONG_ROLES: 'scheduler' });
