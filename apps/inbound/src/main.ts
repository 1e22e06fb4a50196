// Inbound only: own inbox -> verify -> persist -> receipt. Instances share partitions (consumer group).
import { runGatewayProcess } from '@xietong/gateway';

void runGatewayProcess(process.env, { XIETONG_ROLES: 'inbound' });
