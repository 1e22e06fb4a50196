/**
 * Node flags a gateway process is launched with (README, docker-compose.yml, the benchmark and the
 * fault suite). Node's default heap limit here is ~4 GB, and V8 grows the heap lazily against it:
 * a gateway under load peaked at ~320 MB RSS. With a 1 GB limit V8 collects earlier and the peak
 * was ~210 MB at the same throughput (docs/performance.md), still leaving room for bursts.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-old-space-size=1024'];
