// Agency gateway: HTTP API, relay and inbound in one process unless XIETONG_ROLES narrows it.
import { loadGatewayConfig } from '@xietong/config';
import { runGatewayProcess } from '@xietong/gateway';

void runGatewayProcess(() => loadGatewayConfig(process.env));
