// Agency gateway: HTTP API, relay and inbound in one process unless XIETONG_ROLES narrows it.
import { runGatewayProcess } from '@xietong/gateway';

void runGatewayProcess(process.env);
