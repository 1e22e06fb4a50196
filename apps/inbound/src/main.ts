// Inbound only: own inbox -> verify -> persist -> receipt. Instances share partitions (consumer group).
import { loadGatewayConfig } from '@xietong/config';
import { runGatewayProcess } from '@xietong/gateway';

void runGatewayProcess(() => loadGatewayConfig({ ...process.env, XIETONG_ROLES: 'inbound' }));
