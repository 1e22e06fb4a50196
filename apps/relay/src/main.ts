// Relay only: outbox -> sign -> Kafka. Run several against one PostgreSQL database to scale out.
import { loadGatewayConfig } from '@xietong/config';
import { runGatewayProcess } from '@xietong/gateway';

void runGatewayProcess(() => loadGatewayConfig({ ...process.env, XIETONG_ROLES: 'relay' }));
