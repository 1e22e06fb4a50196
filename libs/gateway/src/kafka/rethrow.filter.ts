import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Hands a failed batch back to the inbox transport unchanged, which retries it and logs one
 * line per attempt; Nest's default RPC handler would log a full stack on every retry.
 */
@Catch()
export class RethrowToTransportFilter implements RpcExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
