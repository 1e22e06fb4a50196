import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Public } from '@xietong/exchange';

/** Served from this gateway (the machines are offline): the console's CSS and script, and ECharts. */
const FILES: Record<string, { type: string; path: () => string }> = {
  'console.css': { type: 'text/css', path: () => join(__dirname, 'assets', 'console.css') },
  'console.js': { type: 'text/javascript', path: () => join(__dirname, 'assets', 'console.js') },
  'echarts.min.js': { type: 'text/javascript', path: () => require.resolve('echarts/dist/echarts.min.js') },
};

@Controller('console/assets')
@Public()
export class ConsoleAssetsController {
  private readonly cache = new Map<string, Buffer>();

  @Get(':file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    // An own property only: `__proto__` or `constructor` must be a 404, not a lookup on Object.prototype.
    const f = Object.hasOwn(FILES, file) ? FILES[file] : undefined;
    if (!f) throw new NotFoundException(`no console asset ${file}`);
    let body = this.cache.get(file);
    if (!body) this.cache.set(file, (body = readFileSync(f.path())));
    res.type(f.type).setHeader('cache-control', 'public, max-age=3600');
    res.send(body);
  }
}
