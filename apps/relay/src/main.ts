// Relay only: outbox -> sign -> Kafka. Run several against one PostgreSQL database to scale out.
import { runGatewayProcess } from '@xietong/gateway';

void runGatewayProcess(process.env, { XIETONG_ROLES: 'relay' });
