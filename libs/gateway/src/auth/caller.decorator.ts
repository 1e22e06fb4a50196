import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Caller } from '@xietong/exchange';

/** The authenticated caller the AuthGuard attached to the request. */
export const CurrentCaller = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Caller => ctx.switchToHttp().getRequest<{ caller: Caller }>().caller,
);
