import type { NextFunction, Request, Response } from 'express';

/** Deepest nesting of arrays and objects a request body may have (a lead is 5 levels deep). */
export const MAX_BODY_DEPTH = 32;

/**
 * The path of the first value nested deeper than `max` levels, or undefined. Iterative, so a
 * hostile body of 100,000 nested arrays cannot exhaust the stack.
 */
export function tooDeep(body: unknown, max = MAX_BODY_DEPTH): string | undefined {
  const stack: { value: unknown; path: string[] }[] = [{ value: body, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (path.length >= max) return path.join('.');
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'object' && v !== null) stack.push({ value: v, path: [...path, k] });
    }
  }
  return undefined;
}

/** Refuses a JSON body nested deeper than {@link MAX_BODY_DEPTH} with 400 naming where. */
export function bodyDepthLimit() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const at = tooDeep(req.body as unknown);
    if (at === undefined) return next();
    res.status(400).json({
      error: 'VALIDATION_FAILED',
      message: `field ${at}: nested deeper than ${MAX_BODY_DEPTH} levels`,
      field: at,
    });
  };
}
